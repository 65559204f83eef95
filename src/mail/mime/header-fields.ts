// Header fields of one header section over raw message octets (RFC 5322 §2.2): each field's
// name, its unfolded value (§2.2.3) and where it lies. CRLF or bare LF line ends are accepted.
// Input is untrusted: any octets, NULs, lines without a colon (kept as a nameless line), a
// header without its empty line. Values follow Dovecot's header parser so the structures built
// from them match Dovecot: white space after the colon is skipped (all of it, unless the first
// line is only white space, then one octet), folding line breaks become "\n" (the continuation's
// white space is kept) and the CR of each line end is dropped. Field names are compared by the
// callers case-insensitively and never used as object keys.

import { CR, LF, SP, TAB, binaryString, bufferView } from './bytes.ts';
import { MAX_HEADER_VALUE_BYTES } from './limits.ts';

export interface RawField {
  /** Offset of the field's first octet and after its last line end (folded lines included). */
  readonly start: number;
  readonly end: number;
  /** Name before the colon (white space before the colon removed), binary string; for a line
   *  without a colon, the whole line. */
  readonly name: string;
  /** False for a line without a colon. */
  readonly hasColon: boolean;
  /** Offset of the octet after the colon. */
  readonly valueStart: number;
  /** The last line has no line end (the message ended). */
  readonly noNewline: boolean;
}

function isLwsp(c: number | undefined): boolean {
  return c === SP || c === TAB;
}

/**
 * Reads one field starting at `pos` (which is not the empty line ending the header). Returns
 * undefined at the end of the input.
 */
export function readField(raw: Uint8Array, pos: number, view: Buffer = bufferView(raw)): RawField | undefined {
  if (pos >= raw.length) return undefined;
  let lf = view.indexOf(LF, pos);
  const firstLineEnd = lf < 0 ? raw.length : lf;
  // Dovecot finds the colon on the first line only.
  const found = view.subarray(pos, firstLineEnd).indexOf(0x3a);
  const colon = found < 0 ? -1 : pos + found;
  const hasColon = colon >= 0;
  let nameEnd = hasColon ? colon : firstLineEnd;
  if (!hasColon && nameEnd > pos && raw[nameEnd - 1] === CR) nameEnd--;
  if (hasColon) while (nameEnd > pos && isLwsp(raw[nameEnd - 1])) nameEnd--;
  let end = lf < 0 ? raw.length : lf + 1;
  let noNewline = lf < 0;
  // §2.2.3: a line starting with WSP continues the field.
  while (!noNewline && end < raw.length && isLwsp(raw[end])) {
    lf = view.indexOf(LF, end);
    if (lf < 0) {
      end = raw.length;
      noNewline = true;
    } else {
      end = lf + 1;
    }
  }
  return { start: pos, end, name: binaryString(raw, pos, nameEnd), hasColon, valueStart: hasColon ? colon + 1 : firstLineEnd, noNewline };
}

/** Length of the empty line at `pos` ("\n" or "\r\n"), or 0 when the line is not empty. */
export function emptyLineAt(raw: Uint8Array, pos: number): number {
  if (raw[pos] === LF) return 1;
  if (raw[pos] === CR && raw[pos + 1] === LF) return 2;
  return 0;
}

/** The unfolded value of a field as a binary string (bounded by MAX_HEADER_VALUE_BYTES). */
export function fieldValue(raw: Uint8Array, field: RawField): string {
  if (!field.hasColon) return '';
  const stop = Math.min(field.end, field.valueStart + MAX_HEADER_VALUE_BYTES);
  const view = bufferView(raw);
  let out = '';
  let lineStart = field.valueStart;
  let first = true;
  while (lineStart < stop) {
    const lf = view.indexOf(LF, lineStart);
    const lineEnd = lf < 0 || lf >= stop ? stop : lf;
    let contentEnd = lineEnd;
    if (lineEnd === lf && contentEnd > lineStart && raw[contentEnd - 1] === CR) contentEnd--;
    let contentStart = lineStart;
    if (first) {
      // Skip all white space after the colon; a value of only white space loses one octet.
      let p = contentStart;
      while (p < contentEnd && isLwsp(raw[p])) p++;
      contentStart = p === contentEnd && contentEnd > contentStart ? contentStart + 1 : p;
      out += binaryString(raw, contentStart, contentEnd);
      first = false;
    } else {
      out += '\n' + binaryString(raw, contentStart, contentEnd);
    }
    if (lineEnd === lf) lineStart = lf + 1;
    else break;
  }
  return out;
}

/**
 * Every field of the header section [start, end): `end` is the body offset of the part (the
 * empty line, when there is one, is not a field).
 */
export function headerFields(raw: Uint8Array, start: number, end: number): RawField[] {
  const fields: RawField[] = [];
  let pos = start;
  while (pos < end) {
    if (emptyLineAt(raw, pos) > 0) break;
    const field = readField(raw.subarray(0, end), pos);
    if (!field) break;
    fields.push(field);
    pos = field.end;
  }
  return fields;
}

/** The value of the last field named `name` (case-insensitive), as Dovecot's envelope keeps. */
export function lastFieldValue(raw: Uint8Array, fields: readonly RawField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (let i = fields.length - 1; i >= 0; i--) {
    const field = fields[i] as RawField;
    if (field.hasColon && field.name.toLowerCase() === lower) return fieldValue(raw, field);
  }
  return undefined;
}
