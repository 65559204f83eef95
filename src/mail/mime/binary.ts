// FETCH BINARY[<part>]<<partial>> and BINARY.SIZE[<part>] (RFC 3516 §4.2, RFC 9051 §6.4.5): a
// part's content with its Content-Transfer-Encoding removed. base64 and quoted-printable are
// decoded; 7bit, 8bit and binary are passed through; any other encoding is the error
// UNKNOWN-CTE (RFC 3516 §4.3), and malformed base64 or quoted-printable is INVALID-DATA (the
// server answers NO, as Dovecot does). For a multipart or message part (and BINARY[] of the
// whole message) every leaf inside is decoded and the header of each decoded part says
// "Content-Transfer-Encoding: binary", so the result is still a valid message, as Dovecot
// answers. The encoding is the last Content-Transfer-Encoding field of the part (Dovecot reads
// it that way). Line ends outside decoded bodies become CRLF. Nothing throws on content.

import { CR, LF, binaryString } from './bytes.ts';
import { parseEncoding } from './content-fields.ts';
import { fieldValue, headerFields } from './header-fields.ts';
import { findPart } from './part-path.ts';
import { applyPartial } from './section.ts';
import { decodeBase64, decodeQuotedPrintable } from './transfer-decoding.ts';
import type { MimeIndex, MimePart, PartialRange } from './types.ts';

export type BinaryError = 'UNKNOWN-CTE' | 'INVALID-DATA';
export type BinaryResult = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly error: BinaryError };
export type BinarySizeResult = { readonly ok: true; readonly size: number } | { readonly ok: false; readonly error: BinaryError };

type Cte = 'identity' | 'base64' | 'quoted-printable' | 'unknown';

const CTE_BINARY_FIELD = new TextEncoder().encode('Content-Transfer-Encoding: binary\r\n');

/** The transfer encoding of a part as BINARY decodes it (RFC 2045 §6.1 mechanisms). */
export function transferEncoding(raw: Uint8Array, part: MimePart): Cte {
  let cte: Cte = 'identity';
  for (const field of headerFields(raw, part.headerStart, part.bodyStart)) {
    if (!field.hasColon || field.name.toLowerCase() !== 'content-transfer-encoding') continue;
    // One token and nothing else (comments aside); anything else is an unknown encoding.
    const value = (parseEncoding(fieldValue(raw, field)) ?? '').toLowerCase();
    cte = value === '7bit' || value === '8bit' || value === 'binary' ? 'identity' : value === 'base64' ? 'base64' : value === 'quoted-printable' ? 'quoted-printable' : 'unknown';
  }
  return cte;
}

/** Copies octets turning bare LF line ends into CRLF. */
function crlf(bytes: Uint8Array): Uint8Array {
  let bare = 0;
  for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) if (i === 0 || bytes[i - 1] !== CR) bare++;
  if (bare === 0) return bytes;
  const out = new Uint8Array(bytes.length + bare);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] ?? 0;
    if (c === LF && (i === 0 || bytes[i - 1] !== CR)) out[o++] = CR;
    out[o++] = c;
  }
  return out;
}

class BinaryBuilder {
  readonly chunks: Uint8Array[] = [];
  private copyFrom = -1;
  private readonly raw: Uint8Array;

  constructor(raw: Uint8Array) {
    this.raw = raw;
  }

  /** Copies the octets from the last copied position up to `end`. */
  copyTo(end: number): void {
    if (this.copyFrom >= 0 && end > this.copyFrom) this.chunks.push(crlf(this.raw.subarray(this.copyFrom, end)));
    this.copyFrom = end;
  }

  add(part: MimePart, withHeader: boolean): BinaryError | undefined {
    const raw = this.raw;
    const cte = transferEncoding(raw, part);
    if (cte === 'unknown') return 'UNKNOWN-CTE';
    const decoded = cte === 'base64' || cte === 'quoted-printable';
    if (!withHeader) {
      this.copyFrom = part.bodyStart;
    } else if (decoded) {
      // The header without its transfer encodings, declaring binary before its empty line.
      this.copyTo(part.headerStart);
      const fields = headerFields(raw, part.headerStart, part.bodyStart);
      for (const field of fields) {
        if (field.hasColon && field.name.toLowerCase() === 'content-transfer-encoding') continue;
        this.chunks.push(crlf(raw.subarray(field.start, field.end)));
      }
      this.chunks.push(CTE_BINARY_FIELD);
      const last = fields[fields.length - 1];
      const headerRest = last ? last.end : part.headerStart;
      if (headerRest < part.bodyStart) this.chunks.push(crlf(raw.subarray(headerRest, part.bodyStart)));
      this.copyFrom = part.bodyStart;
    } else {
      if (this.copyFrom < 0) this.copyFrom = part.headerStart;
      this.copyTo(part.bodyStart);
    }
    if (part.children.length > 0) {
      for (const child of part.children) {
        const error = this.add(child, true);
        if (error) return error;
      }
      this.copyTo(part.bodyEnd);
      return undefined;
    }
    if (part.bodyEnd > part.bodyStart) {
      const body = raw.subarray(part.bodyStart, part.bodyEnd);
      if (decoded) {
        const result = cte === 'base64' ? decodeBase64(body) : decodeQuotedPrintable(body);
        if (result.malformed) return 'INVALID-DATA';
        this.chunks.push(result.bytes);
      } else {
        this.chunks.push(crlf(body));
      }
    }
    this.copyFrom = part.bodyEnd;
    return undefined;
  }
}

function binaryOctets(raw: Uint8Array, index: MimeIndex, path: readonly number[]): BinaryResult {
  const part = path.length === 0 ? index.root : findPart(index.root, path);
  if (!part) return { ok: true, bytes: new Uint8Array(0) };
  const builder = new BinaryBuilder(raw);
  const error = builder.add(part, path.length === 0);
  if (error) return { ok: false, error };
  return { ok: true, bytes: Buffer.concat(builder.chunks) };
}

/** BINARY[<part>]<<partial>> (RFC 3516 §4.2): the decoded octets, or why they cannot be had. */
export function binarySection(raw: Uint8Array, index: MimeIndex, part: readonly number[], partial?: PartialRange): BinaryResult {
  const result = binaryOctets(raw, index, part);
  if (!result.ok) return result;
  return { ok: true, bytes: new Uint8Array(applyPartial(result.bytes, partial)) };
}

/** BINARY.SIZE[<part>] (RFC 3516 §4.2): the size BINARY[<part>] answers. */
export function binarySize(raw: Uint8Array, index: MimeIndex, part: readonly number[]): BinarySizeResult {
  const result = binaryOctets(raw, index, part);
  return result.ok ? { ok: true, size: result.bytes.length } : result;
}

/** The binary string of a part's decoded body, leniently (for SEARCH). */
export function decodedBodyText(raw: Uint8Array, part: MimePart): string {
  const body = raw.subarray(part.bodyStart, part.bodyEnd);
  const cte = transferEncoding(raw, part);
  const bytes = cte === 'base64' ? decodeBase64(body).bytes : cte === 'quoted-printable' ? decodeQuotedPrintable(body).bytes : body;
  return binaryString(bytes);
}
