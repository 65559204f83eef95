// How header text becomes IMAP strings in FETCH answers, the way Dovecot writes them (and so the
// way clients have long seen them): "nolf" strings lose their CR and LF octets (unfolding,
// RFC 5322 §2.2.3), "for humans" strings (ENVELOPE subject and display names) also have runs of
// white space collapsed to one space and leading/trailing white space removed; NUL octets in
// header text become U+FFFD (NUL may not appear in an IMAP string, RFC 9051 §4.3). Inputs and
// outputs are binary strings (one unit per octet).

/** U+FFFD as UTF-8 octets in a binary string. */
const REPLACEMENT = '\xef\xbf\xbd';

export function replaceNul(value: string): string {
  return value.includes('\0') ? value.replace(/\0/g, REPLACEMENT) : value;
}

export function noLf(value: string): string {
  return /[\r\n]/.test(value) ? value.replace(/[\r\n]/g, '') : value;
}

export function forHumans(value: string): string {
  let out = '';
  let lastSpace = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x20 || c === 0x09) {
      if (!lastSpace) out += ' ';
      lastSpace = true;
    } else if (c === 0x0d || c === 0x0a) {
      // Dropped without ending a run of white space.
    } else if (c === 0) {
      out += '\x80';
      lastSpace = false;
    } else {
      out += value[i];
      lastSpace = false;
    }
  }
  return lastSpace && out.endsWith(' ') ? out.slice(0, -1) : out;
}
