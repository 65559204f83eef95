// FETCH BODY[<section>]<<partial>> octets (RFC 9051 §6.4.5): the whole message, HEADER, TEXT,
// HEADER.FIELDS (.NOT), MIME and numbered parts, with an optional <offset.length> window, taken
// from the message octets through the part index. HEADER and TEXT after part numbers need a
// message/rfc822 part (then they are its embedded message's); MIME is the part's own header. A
// section that names no part is empty. NUL octets are sent as 0x80, as Dovecot does: an IMAP
// literal may not contain NUL (RFC 9051 §4.3); BINARY carries them. Header fields are matched
// case-insensitively; names are never object keys.

import { CR, LF } from './bytes.ts';
import { headerFields } from './header-fields.ts';
import { findPart } from './part-path.ts';
import type { MimeIndex, MimePart, PartialRange, SectionSpec } from './types.ts';

const CRLF = new Uint8Array([CR, LF]);

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** HEADER.FIELDS / HEADER.FIELDS.NOT of the header of `part` (RFC 9051 §6.4.5). */
function filteredHeader(raw: Uint8Array, part: MimePart, names: readonly string[], exclude: boolean): Uint8Array {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  const chunks: Uint8Array[] = [];
  const fields = headerFields(raw, part.headerStart, part.bodyStart);
  for (const field of fields) {
    const match = field.hasColon && wanted.has(field.name.toLowerCase());
    if (match === exclude) continue;
    chunks.push(raw.subarray(field.start, field.end));
    if (!exclude && field.noNewline) chunks.push(CRLF);
  }
  if (exclude) {
    // The header's own empty line, when it has one.
    const last = fields[fields.length - 1];
    const end = last ? last.end : part.headerStart;
    if (end < part.bodyStart) chunks.push(raw.subarray(end, part.bodyStart));
  } else {
    chunks.push(CRLF); // The empty line ending the returned header.
  }
  return concat(chunks);
}

/** The octets of a section, before the partial window and NUL replacement. */
function sectionOctets(raw: Uint8Array, index: MimeIndex, spec: SectionSpec): Uint8Array {
  const empty = new Uint8Array(0);
  let part: MimePart | undefined;
  if (spec.part.length === 0) {
    part = index.root;
    if (spec.text === undefined) return raw.subarray(0, index.size);
    if (spec.text === 'MIME') return empty; // Not valid without part numbers.
  } else {
    part = findPart(index.root, spec.part);
    if (!part) return empty;
    if (spec.text === undefined) return raw.subarray(part.bodyStart, part.bodyEnd);
    if (spec.text === 'MIME') return raw.subarray(part.headerStart, part.bodyStart);
    // HEADER / TEXT after part numbers: only for an embedded message.
    if (part.kind !== 'message') return empty;
    part = part.children[0];
    if (!part) return empty;
  }
  switch (spec.text) {
    case 'HEADER':
      return raw.subarray(part.headerStart, part.bodyStart);
    case 'TEXT':
      return raw.subarray(part.bodyStart, part.bodyEnd);
    case 'HEADER.FIELDS':
      return filteredHeader(raw, part, spec.fields ?? [], false);
    case 'HEADER.FIELDS.NOT':
      return filteredHeader(raw, part, spec.fields ?? [], true);
    default:
      return empty;
  }
}

/** Applies <offset.length> (RFC 9051 §6.4.5: octets from offset, at most length of them). */
export function applyPartial(bytes: Uint8Array, partial: PartialRange | undefined): Uint8Array {
  if (!partial) return bytes;
  const start = Math.min(partial.offset, bytes.length);
  return bytes.subarray(start, Math.min(bytes.length, start + partial.length));
}

/** BODY[<section>]<<partial>>: a fresh copy, NUL octets replaced by 0x80. */
export function section(raw: Uint8Array, index: MimeIndex, spec: SectionSpec, partial?: PartialRange): Uint8Array {
  const bytes = applyPartial(sectionOctets(raw, index, spec), partial).slice();
  for (let i = bytes.indexOf(0); i >= 0; i = bytes.indexOf(0, i + 1)) bytes[i] = 0x80;
  return bytes;
}

/** The size of BODY[<section>] (for RFC822.SIZE-like answers and partial bounds). */
export function sectionSize(raw: Uint8Array, index: MimeIndex, spec: SectionSpec): number {
  return sectionOctets(raw, index, spec).length;
}
