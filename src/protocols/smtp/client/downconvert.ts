// Down-conversion of a message with 8-bit or binary MIME bodies to 7-bit, for a server that
// offers neither 8BITMIME nor BINARYMIME: every leaf part whose body holds 8-bit octets (or is
// labelled binary) is re-encoded, text as quoted-printable and anything else as base64, its
// Content-Transfer-Encoding field rewritten, and composite parts labelled 8bit or binary
// relabelled 7bit. Everything else is kept byte for byte. Pure. Input it does not trust: the
// message (any octets); nothing throws, and what cannot be converted faithfully is refused
// with a reason (the caller then returns the message with 5.6.3).
//
// Refused: 8-bit octets in any header (they would need RFC 2047 encoding, which changes what
// the fields say), in a body labelled quoted-printable or base64 (malformed), in a non-MIME
// message (no declared content to re-encode), in a multipart preamble or epilogue, and
// structures cut off by the indexer's bounds.
//
// Standards: RFC 6152 §3 (a client whose server lacks 8BITMIME converts the message to 7-bit
// MIME or returns it), RFC 3030 §3 (the same for BINARYMIME), RFC 2045 §6.1-6.4 (the
// transfer encodings; a composite part is only ever 7bit, 8bit or binary, and is 7bit once its
// parts are), RFC 2045 §6.7-6.8 (quoted-printable, base64: transfer-encode.ts), RFC 1652 §5
// (the original description of this conversion). DKIM signatures over converted parts no
// longer verify (RFC 6376 §5.3 asks signers to sign the 7-bit form for that reason).

import { err, ok, type Result } from '../../../core/result.ts';
import { headerFields } from '../../../mail/mime/header-fields.ts';
import { indexMessage } from '../../../mail/mime/indexer.ts';
import type { MimePart } from '../../../mail/mime/types.ts';
import { isAsciiBytes } from '../wire/text.ts';
import { encodeBase64Lines, encodeQuotedPrintable } from './transfer-encode.ts';

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly bytes: Uint8Array;
}

const ASCII = new TextEncoder();

/** True when any octet has the high bit set. */
export function hasEightBit(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  return start < end && !isAsciiBytes(bytes.subarray(start, end));
}

/**
 * The message with every 8-bit or binary body re-encoded to 7-bit, or why it cannot be.
 * A message that needs nothing is returned unchanged (the same array).
 */
export function downConvert(raw: Uint8Array): Result<Uint8Array, string> {
  const index = indexMessage(raw);
  const edits: Edit[] = [];
  const refused = visit(raw, index.root, edits);
  if (refused !== undefined) return err(refused);
  if (edits.length === 0) {
    return hasEightBit(raw) ? err('8-bit octets outside any convertible part (a multipart preamble or epilogue)') : ok(raw);
  }
  edits.sort((a, b) => a.start - b.start);
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (const edit of edits) {
    pieces.push(raw.subarray(at, edit.start), edit.bytes);
    at = edit.end;
  }
  pieces.push(raw.subarray(at));
  const out = Buffer.concat(pieces);
  if (hasEightBit(out)) return err('8-bit octets outside any convertible part (a multipart preamble or epilogue)');
  return ok(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
}

/** Collects the edits for `part` and its descendants; returns a refusal reason, if any. */
function visit(raw: Uint8Array, part: MimePart, edits: Edit[]): string | undefined {
  if (part.overflow) return 'the MIME structure is nested too deeply or has too many parts';
  if (hasEightBit(raw, part.headerStart, part.bodyStart)) return 'a header holds 8-bit octets (RFC 2047 encoding would change it)';
  const encoding = (part.encoding ?? '7bit').toLowerCase();
  if (part.kind === 'multipart' || part.kind === 'message') {
    for (const child of part.children) {
      const refused = visit(raw, child, edits);
      if (refused !== undefined) return refused;
    }
    // RFC 2045 §6.4: a composite part is 7bit once every part inside it is.
    if (encoding === '8bit' || encoding === 'binary') setEncoding(raw, part, '7bit', edits);
    return undefined;
  }
  // A binary body may hold bare CR, LF or NUL even without 8-bit octets (RFC 2045 §2.9).
  const binary = encoding === 'binary' && part.bodyEnd > part.bodyStart;
  if (!binary && !hasEightBit(raw, part.bodyStart, part.bodyEnd)) return undefined;
  if (encoding === 'quoted-printable' || encoding === 'base64') return `a part labelled ${encoding} holds 8-bit octets`;
  if (!part.mime) return 'the message is not MIME, so its 8-bit body has no declared content to re-encode';
  const body = raw.subarray(part.bodyStart, part.bodyEnd);
  const text = part.kind === 'text';
  setEncoding(raw, part, text ? 'quoted-printable' : 'base64', edits);
  edits.push({ start: part.bodyStart, end: part.bodyEnd, bytes: text ? encodeQuotedPrintable(body) : encodeBase64Lines(body) });
  return undefined;
}

/** Replaces the part's Content-Transfer-Encoding field (or adds one at the end of its header). */
function setEncoding(raw: Uint8Array, part: MimePart, encoding: string, edits: Edit[]): void {
  const field = ASCII.encode(`Content-Transfer-Encoding: ${encoding}\r\n`);
  const fields = headerFields(raw, part.headerStart, part.bodyStart);
  const existing = fields.filter((candidate) => candidate.hasColon && candidate.name.toLowerCase() === 'content-transfer-encoding');
  if (existing.length === 0) {
    const at = fields.at(-1)?.end ?? part.headerStart;
    edits.push({ start: at, end: at, bytes: field });
    return;
  }
  // One field replaces them all (more than one is malformed, RFC 2045 §6.1).
  existing.forEach((candidate, i) => edits.push({ start: candidate.start, end: candidate.end, bytes: i === 0 ? field : new Uint8Array(0) }));
}
