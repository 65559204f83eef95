// Character classes of the IMAP grammar, as 256-entry lookup tables, shared by the parser and the
// encoder. Input it does not trust: any octet (all 256 values are classified).
//
// Standards: RFC 9051 §9 (ATOM-CHAR, atom-specials, list-wildcards, quoted-specials,
// resp-specials, ASTRING-CHAR, list-char, tag, CHAR8), RFC 5234 (CTL).

export const SP = 0x20;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const CR = 0x0d;
export const LF = 0x0a;
export const NUL = 0x00;

function table(accept: (byte: number) => boolean): Uint8Array {
  const out = new Uint8Array(256);
  for (let byte = 0; byte < 256; byte++) out[byte] = accept(byte) ? 1 : 0;
  return out;
}

// RFC 9051 §9: atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials.
const ATOM_SPECIALS = new Set([0x28, 0x29, 0x7b, SP, 0x25, 0x2a, DQUOTE, BACKSLASH, 0x5d]);
const isCtl = (byte: number) => byte < 0x20 || byte === 0x7f;

/** ATOM-CHAR = <any CHAR except atom-specials>; CHAR is 7-bit (%x01-7F). */
const ATOM = table((byte) => byte > 0 && byte < 0x80 && !isCtl(byte) && !ATOM_SPECIALS.has(byte));
/** ASTRING-CHAR = ATOM-CHAR / resp-specials ("]"). */
const ASTRING = table((byte) => ATOM[byte] === 1 || byte === 0x5d);
/** list-char = ATOM-CHAR / list-wildcards / resp-specials. */
const LIST = table((byte) => ASTRING[byte] === 1 || byte === 0x25 || byte === 0x2a);
/** tag = 1*<any ASTRING-CHAR except "+">. */
const TAG = table((byte) => ASTRING[byte] === 1 && byte !== 0x2b);

export const isAtomChar = (byte: number): boolean => ATOM[byte] === 1;
export const isAstringChar = (byte: number): boolean => ASTRING[byte] === 1;
export const isListChar = (byte: number): boolean => LIST[byte] === 1;
export const isTagChar = (byte: number): boolean => TAG[byte] === 1;
export const isDigit = (byte: number): boolean => byte >= 0x30 && byte <= 0x39;
export const isAlpha = (byte: number): boolean => (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);

/** True when every code unit of `text` is an ATOM-CHAR (so it can be sent as an atom). */
export function isAtomText(text: string, accept: (byte: number) => boolean = isAtomChar): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f || !accept(code)) return false;
  }
  return true;
}

/** ASCII-only upper case (no locale rules: "i" stays "I"). */
export function asciiUpper(text: string): string {
  return text.replace(/[a-z]+/g, (run) => run.toUpperCase());
}

/** Latin-1 view of octets; used for ASCII tokens already checked to be 7-bit. */
export function ascii(bytes: Uint8Array, from = 0, to = bytes.length): string {
  let out = '';
  for (let i = from; i < to; i++) out += String.fromCharCode(bytes[i] ?? 0);
  return out;
}

/** A printable, short rendering of a token for an error text; never CR, LF or long input. */
export function shown(token: string): string {
  const clean = token.replace(/[^\x21-\x7e]/g, '?');
  return clean.length > 32 ? `${clean.slice(0, 32)}...` : clean;
}
