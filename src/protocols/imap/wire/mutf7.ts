// Modified UTF-7, the IMAP4rev1 encoding of mailbox names, both ways, and the character rules a
// mailbox name must follow once decoded. Decoding is strict: only the canonical encoding of a
// name is accepted, so that one name has one spelling on the wire. Input it does not trust: the
// wire form (client data); encoding takes server-side names.
//
// Standards: RFC 3501 §5.1.3 and RFC 9051 Appendix A.1 (printable US-ASCII except "&" stands for
// itself; "&-" is "&"; other characters are UTF-16 in modified BASE64 — RFC 2152 base64 with ","
// for "/", no padding — between "&" and "-"; printable US-ASCII MUST NOT be encoded),
// RFC 6855 §3 (with UTF8=ACCEPT names are UTF-8 and follow Net-Unicode, RFC 5198 §2: no control
// characters U+0000-U+001F and U+0080-U+009F, no U+007F, U+2028 or U+2029).

import { err, ok, type Result } from '../../../core/result.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const VALUES = new Map(Array.from(ALPHABET, (char, index) => [char.charCodeAt(0), index] as const));

const isPrintable = (code: number) => code >= 0x20 && code <= 0x7e;

function encodeRun(units: string): string {
  let out = '';
  let bits = 0;
  let buffer = 0;
  for (let i = 0; i < units.length; i++) {
    buffer = (buffer << 16) | units.charCodeAt(i);
    bits += 16;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(buffer >> bits) & 0x3f];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (6 - bits)) & 0x3f];
  return out;
}

/**
 * A mailbox name (any JS string) in modified UTF-7. Lone surrogates, which no encoding can carry,
 * become U+FFFD.
 */
export function encodeMailboxName(utf16: string): string {
  const name = utf16.toWellFormed();
  let out = '';
  let i = 0;
  while (i < name.length) {
    const code = name.charCodeAt(i);
    if (isPrintable(code)) {
      out += code === 0x26 ? '&-' : name[i];
      i++;
      continue;
    }
    let end = i;
    while (end < name.length && !isPrintable(name.charCodeAt(end))) end++;
    out += `&${encodeRun(name.slice(i, end))}-`;
    i = end;
  }
  return out;
}

/** Decodes one modified BASE64 run (between "&" and "-") to UTF-16 code units. */
function decodeRun(run: string): Result<string, string> {
  let buffer = 0;
  let bits = 0;
  let units = '';
  for (let i = 0; i < run.length; i++) {
    const value = VALUES.get(run.charCodeAt(i));
    if (value === undefined) return err('invalid character in a modified BASE64 run');
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 16) {
      bits -= 16;
      units += String.fromCharCode((buffer >> bits) & 0xffff);
    }
  }
  // RFC 3501 §5.1.3: no padding; a run ends within the last 16-bit unit, its spare bits zero.
  if (bits >= 6) return err('a modified BASE64 run has a character too many');
  if ((buffer & ((1 << bits) - 1)) !== 0) return err('a modified BASE64 run has non-zero padding bits');
  for (let i = 0; i < units.length; i++) {
    const code = units.charCodeAt(i);
    if (isPrintable(code)) return err('printable US-ASCII must not be encoded (RFC 3501 §5.1.3)');
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = units.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return err('a lone surrogate in a modified BASE64 run');
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return err('a lone surrogate in a modified BASE64 run');
    }
  }
  return ok(units);
}

/** A mailbox name from its modified UTF-7 wire form; only the canonical encoding is accepted. */
export function decodeMailboxName(wire: string): Result<string, string> {
  let out = '';
  let previousEncoded = false;
  let i = 0;
  while (i < wire.length) {
    const code = wire.charCodeAt(i);
    if (!isPrintable(code)) return err('a modified UTF-7 name is printable US-ASCII only');
    if (code !== 0x26) {
      out += wire[i];
      previousEncoded = false;
      i++;
      continue;
    }
    const end = wire.indexOf('-', i + 1);
    if (end === -1) return err('"&" starts a modified BASE64 run that is not ended by "-"');
    if (end === i + 1) {
      out += '&';
      previousEncoded = false;
      i += 2;
      continue;
    }
    // Two runs in a row would be one run in the canonical form (as Dovecot's imap-utf7 rules).
    if (previousEncoded) return err('adjacent modified BASE64 runs must be one run');
    const run = decodeRun(wire.slice(i + 1, end));
    if (!run.ok) return run;
    out += run.value;
    previousEncoded = true;
    i = end + 1;
  }
  return ok(out);
}

/**
 * RFC 6855 §3 / RFC 5198 §2 characters of a decoded name (UTF-8 names under UTF8=ACCEPT, or
 * decoded modified UTF-7): no control characters, DEL, line or paragraph separators, or lone
 * surrogates. Returns the name.
 */
export function checkMailboxNameCharacters(name: string): Result<string, string> {
  if (!name.isWellFormed()) return err('a mailbox name holds a lone surrogate');
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(name)) return err('a mailbox name holds a control character (RFC 6855 §3)');
  return ok(name);
}
