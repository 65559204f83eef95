// Byte and character helpers shared by the SMTP wire parsers: strict UTF-8 decoding, octet
// lengths, and the character classes the ABNF of RFC 5321 §4.1.2 is built from. Input it does
// not trust: every byte and string handed in (client or server data); nothing here throws.
//
// Standards: RFC 3629 (UTF-8, strict: overlong forms, surrogates and code points above
// U+10FFFF are refused), RFC 5234 Appendix B.1 (ALPHA, DIGIT, HEXDIG, CTL), RFC 5322 §3.2.3
// (atext), RFC 6531 §3.3 (UTF8-non-ascii).

import { isAscii } from 'node:buffer';

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const ENCODER = new TextEncoder();

/** Strict UTF-8 (RFC 3629): undefined on any invalid sequence. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function encodeUtf8(text: string): Uint8Array {
  return ENCODER.encode(text);
}

/** True when every octet is US-ASCII (below 0x80). */
export function isAsciiBytes(bytes: Uint8Array): boolean {
  // node:buffer's isAscii is a native (vectorized) scan.
  return isAscii(bytes);
}

/** Latin-1 view of ASCII bytes: one character per octet. Callers check ASCII first. */
export function asciiText(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    text += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return text;
}

/** Octets the text takes in UTF-8. Lone surrogates count as the 3 octets of U+FFFD. */
export function utf8Length(text: string): number {
  let length = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    length += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return length;
}

/** True when the text holds a character outside US-ASCII. */
export function hasNonAscii(text: string): boolean {
  return /[^\x00-\x7f]/.test(text);
}

/**
 * Control characters: C0, DEL, and the C1 range U+0080-U+009F (which RFC 6531's
 * UTF8-non-ascii technically admits, but no address or parameter legitimately holds), plus
 * the Unicode line and paragraph separators.
 */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** RFC 5322 §3.2.3 atext, extended by RFC 6531 §3.3 with UTF8-non-ascii when `utf8`. */
export function isAtext(char: string, utf8: boolean): boolean {
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]$/.test(char)) return true;
  return utf8 && char.length > 0 && (char.codePointAt(0) ?? 0) >= 0x80 && !CONTROL_CHARACTER.test(char);
}

/** RFC 5321 §4.1.2 Dot-string = Atom *("." Atom), Atom = 1*atext. */
export function isDotString(text: string, utf8: boolean): boolean {
  if (text === '') return false;
  for (const atom of text.split('.')) {
    if (atom === '') return false;
    for (const char of atom) if (!isAtext(char, utf8)) return false;
  }
  return true;
}

/** Upper-cases ASCII letters only (keywords and verbs are ASCII; RFC 5321 §2.4). */
export function asciiUpper(text: string): string {
  return text.replace(/[a-z]+/g, (run) => run.toUpperCase());
}

/** Lower-cases ASCII letters only. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

/** Concatenates byte arrays into one fresh array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export { crlfOnly } from '../../../core/line-breaks.ts';
