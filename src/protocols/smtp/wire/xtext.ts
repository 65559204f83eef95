// xtext, the encoding of the DSN and AUTH= parameter values (ENVID, ORCPT, AUTH), and the
// "\x{HEX}" forms that carry UTF-8 addresses in ORCPT. Input it does not trust: every value
// to decode (client data); decoders never throw. Encoders take our own values and throw on
// one they cannot represent (a programming error).
//
// Standards: RFC 3461 §4 (xtext: xchar is "!" to "~" except "+" and "="; hexchar is "+"
// followed by two upper case hexadecimal digits; strict: "+2b" is refused), RFC 4954 §5
// (AUTH= uses xtext), RFC 6533 §3 (utf-8-addr-xtext and utf-8-addr-unitext: QCHAR, QUCHAR,
// EmbeddedUnicodeChar "\x{HEXPOINT}").
//
// Deliberate deviation: HEXPOINT admits a few control characters (U+0001-U+0009,
// U+0011-U+0019, U+007F and, through its two-digit forms, U+0080-U+009F); we refuse every
// control character, as an address holds none and a decoded ORCPT ends up in DSN text.

import { err, ok, type Result } from '../../../core/result.ts';
import { CONTROL_CHARACTER, decodeUtf8, encodeUtf8 } from './text.ts';

/**
 * RFC 3461 §4: decodes xtext to the octets it encodes, read as strict UTF-8 (RFC 6531 lets
 * those octets be UTF-8; plain RFC 3461 values are ASCII, a subset).
 */
export function decodeXtext(text: string): Result<string, string> {
  const octets = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x2b) {
      // hexchar = ASCII "+" immediately followed by two upper case hexadecimal digits
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) return err('xtext: "+" must be followed by two upper-case hexadecimal digits');
      octets[n++] = Number.parseInt(hex, 16);
      i += 2;
    } else if (code >= 0x21 && code <= 0x7e && code !== 0x3d) {
      // xchar = any ASCII CHAR between "!" (33) and "~" (126) inclusive, except "+" and "="
      octets[n++] = code;
    } else {
      return err('xtext: invalid character');
    }
  }
  const decoded = decodeUtf8(octets.subarray(0, n));
  return decoded === undefined ? err('xtext: the decoded octets are not UTF-8') : ok(decoded);
}

/** RFC 3461 §4: encodes the UTF-8 octets of `value` as xtext (upper-case hexchars). */
export function encodeXtext(value: string): string {
  if (!value.isWellFormed()) throw new RangeError('encodeXtext: the value is not well-formed Unicode');
  let out = '';
  for (const octet of encodeUtf8(value)) {
    out += octet >= 0x21 && octet <= 0x7e && octet !== 0x2b && octet !== 0x3d ? String.fromCharCode(octet) : `+${hex2(octet)}`;
  }
  return out;
}

/** RFC 6533 §3 utf-8-addr-xtext = 1*(QCHAR / EmbeddedUnicodeChar): ASCII only on the wire. */
export function decodeUtf8AddrXtext(text: string): Result<string, string> {
  return decodeUtf8Addr(text, false);
}

/** RFC 6533 §3 utf-8-addr-unitext = 1*(QUCHAR / EmbeddedUnicodeChar): UTF-8 allowed. */
export function decodeUtf8AddrUnitext(text: string): Result<string, string> {
  return decodeUtf8Addr(text, true);
}

/** RFC 6533 §3: the utf-8-addr-xtext form (non-ASCII and specials as "\x{HEX}"). */
export function encodeUtf8AddrXtext(address: string): string {
  return encodeUtf8Addr(address, false);
}

/** RFC 6533 §3: the utf-8-addr-unitext form (only ASCII specials as "\x{HEX}"). */
export function encodeUtf8AddrUnitext(address: string): string {
  return encodeUtf8Addr(address, true);
}

/** RFC 6533 §3 QCHAR = %x21-2a / %x2c-3c / %x3e-5b / %x5d-7e (not SP, "+", "=", "\"). */
function isQchar(code: number): boolean {
  return code >= 0x21 && code <= 0x7e && code !== 0x2b && code !== 0x3d && code !== 0x5c;
}

function decodeUtf8Addr(text: string, unitext: boolean): Result<string, string> {
  if (text === '') return err('utf-8-addr: empty');
  if (!text.isWellFormed()) return err('utf-8-addr: not valid Unicode');
  let out = '';
  for (let i = 0; i < text.length; ) {
    const code = text.codePointAt(i) ?? 0;
    if (code === 0x5c) {
      // EmbeddedUnicodeChar = %x5C.78 "{" HEXPOINT "}"
      const match = /^\\x\{([0-9A-Fa-f]{2,6})\}/.exec(text.slice(i, i + 11));
      const point = match?.[1];
      if (match === null || point === undefined || !isHexpoint(point)) return err('utf-8-addr: invalid \\x{HEX} escape');
      out += String.fromCodePoint(Number.parseInt(point, 16));
      i += match[0].length;
      continue;
    }
    // QUCHAR = QCHAR / UTF8-2 / UTF8-3 / UTF8-4 (unitext only).
    const char = String.fromCodePoint(code);
    if (!(isQchar(code) || (unitext && code >= 0x80 && !CONTROL_CHARACTER.test(char)))) {
      return err('utf-8-addr: invalid character');
    }
    out += char;
    i += char.length;
  }
  return ok(out);
}

/**
 * RFC 6533 §3 HEXPOINT: upper-case hex without leading zeros (RFC 5234 HEXDIG also matches
 * lower case), standing for "\", a QCHAR special (SP, "+", "="), or a code point outside
 * ASCII other than a surrogate; control characters refused (see the header).
 */
function isHexpoint(hex: string): boolean {
  if (hex.startsWith('0') && hex.length > 2) return false;
  const value = Number.parseInt(hex, 16);
  if (hex.length === 2) return value === 0x20 || value === 0x2b || value === 0x3d || value === 0x5c || value >= 0xa0;
  if (hex.length === 6 && !hex.startsWith('10')) return false;
  if (value >= 0xd800 && value <= 0xdfff) return false;
  return value >= 0x100 && value <= 0x10ffff;
}

function encodeUtf8Addr(address: string, unitext: boolean): string {
  if (address === '' || !address.isWellFormed() || CONTROL_CHARACTER.test(address)) {
    throw new RangeError('encodeUtf8Addr: the address is empty, not well-formed or holds a control character');
  }
  let out = '';
  for (const char of address) {
    const code = char.codePointAt(0) ?? 0;
    if (isQchar(code) || (unitext && code >= 0x80)) out += char;
    else out += `\\x{${code < 0x10 ? '0' : ''}${code.toString(16).toUpperCase()}}`;
  }
  return out;
}

function hex2(octet: number): string {
  return octet.toString(16).toUpperCase().padStart(2, '0');
}
