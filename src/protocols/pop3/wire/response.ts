// POP3 responses as the server sends them: status lines with optional response codes, SASL
// challenges, and the multi-line listings of CAPA, LIST and UIDL. Pure. The formatters take
// our own texts and throw on a malformed one (a programming error, never client input), so no
// response text can inject a line.
//
// Standards: RFC 1939 §3 (status indicators "+OK" and "-ERR", multi-line responses ended by
// "." CRLF), RFC 2449 §3 (single-line = status [SP text] CRLF), §4 (response lines at most
// 512 octets), §8 (response codes in brackets after the status), RFC 2449 §8.1.1 [LOGIN-DELAY]
// and §8.1.2 [IN-USE], RFC 3206 §4-§5 ([SYS/TEMP], [SYS/PERM], [AUTH]), RFC 6856 ([UTF8]),
// RFC 5034 §4 (a challenge is "+" SP base64; the space is sent even before empty data).

import { MAX_RESPONSE_LINE_OCTETS } from './limits.ts';
import { encodeMultiline } from './multiline.ts';

/** The response codes we send (RFC 2449 §8 registry). */
export const RESPONSE_CODES = ['AUTH', 'SYS/TEMP', 'SYS/PERM', 'IN-USE', 'LOGIN-DELAY', 'UTF8'] as const;
export type ResponseCode = (typeof RESPONSE_CODES)[number];

export interface Status {
  readonly ok: boolean;
  readonly code?: ResponseCode;
  readonly text: string;
}

// Printable ASCII and spaces: what our own texts are made of.
const TEXT = /^[\x20-\x7e]*$/;

/** "+OK text" or "-ERR [CODE] text", with CRLF. Throws on a text that is not one printable line. */
export function formatStatus(status: Status): string {
  if (!TEXT.test(status.text)) throw new RangeError('formatStatus: the text must be printable ASCII on one line');
  const parts = [status.ok ? '+OK' : '-ERR'];
  if (status.code !== undefined) parts.push(`[${status.code}]`);
  if (status.text !== '') parts.push(status.text);
  const line = `${parts.join(' ')}\r\n`;
  if (line.length > MAX_RESPONSE_LINE_OCTETS) throw new RangeError(`formatStatus: longer than ${MAX_RESPONSE_LINE_OCTETS} octets (RFC 2449 §4)`);
  return line;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** RFC 5034 §4: a server challenge, "+" SP base64 CRLF (exempt from the 512-octet limit). */
export function formatChallenge(base64: string): string {
  if (!BASE64.test(base64)) throw new RangeError('formatChallenge: the data must be base64');
  return `+ ${base64}\r\n`;
}

/**
 * The body of a multi-line listing (CAPA, LIST, UIDL): each line with CRLF, then "." CRLF.
 * Lines are our own text; they go through the same dot-stuffing as messages all the same.
 */
export function formatListing(lines: readonly string[]): Uint8Array {
  for (const line of lines) {
    if (!TEXT.test(line) || line.length + 2 > MAX_RESPONSE_LINE_OCTETS) throw new RangeError('formatListing: a line must be printable ASCII within 512 octets');
  }
  return encodeMultiline(new TextEncoder().encode(lines.map((line) => `${line}\r\n`).join('')));
}
