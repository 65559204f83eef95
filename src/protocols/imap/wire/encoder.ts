// Encoding of server responses: strings as atom, quoted string or literal, literal and literal8
// headers, parenthesized and flag lists, status responses (tagged, untagged, BYE, continuation)
// with their response codes. Returns wire text as JS strings (send them as UTF-8: literal counts
// are UTF-8 octet counts); large bodies go through ResponseBuilder (response-builder.ts) so they
// are never copied into strings. Input it does not trust: the values (mailbox names, header
// fields, texts) may come from clients or messages; CR, LF and NUL never reach the wire outside
// a literal.
//
// Standards: RFC 9051 §4.1 (atom), §4.3 (string: quoted with "\" escaping "\" and DQUOTE; literal
// for CR, LF, 8-bit text, long values; no NUL in literals), §4.3.1 and RFC 3516 §4.3 (literal8),
// §4.4 (parenthesized lists), §4.5 (NIL), §7.1 and §9 (resp-cond-state, resp-text, resp-text-code,
// continue-req), RFC 6855 §3 and RFC 9051 §4.3 (UTF-8 in quoted strings only after ENABLE
// UTF8=ACCEPT / IMAP4rev2), RFC 4315 §3 and RFC 9051 §9 (COPYUID, APPENDUID), RFC 7162 §3.1.2.1,
// §3.1.3 (HIGHESTMODSEQ, MODIFIED, NOMODSEQ), RFC 5530 §3 (codes), RFC 6154 §6 (USEATTR).

import { isAstringChar, isAtomText } from './chars.ts';
import { formatNumberSet, formatSequenceSet } from './sequence.ts';
import type { SequenceSet } from './types.ts';

export interface EncodeOptions {
  /** The client enabled UTF8=ACCEPT or IMAP4rev2: quoted strings may carry UTF-8 (RFC 6855 §3). */
  readonly utf8: boolean;
}

/** Strings longer than this many octets are sent as literals rather than quoted. */
export const MAX_QUOTED_OCTETS = 1024;

const ENCODER = new TextEncoder();

/** UTF-8 octets of a string. */
export function utf8(text: string): Uint8Array {
  return ENCODER.encode(text);
}

function octetLength(text: string): number {
  let octets = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) octets += 1;
    else if (code < 0x800) octets += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      octets += 4;
      i++;
    } else octets += 3;
  }
  return octets;
}

/**
 * NUL cannot be sent in a string (RFC 9051 §4.3: CHAR8 excludes it) and a lone surrogate has
 * no UTF-8 form: both become U+FFFD.
 */
function representable(value: string): string {
  return value.replace(/\0/g, '\ufffd').toWellFormed();
}

/** RFC 9051 §9 quoted, if the value can be one in this session. */
function quotedForm(value: string, options: EncodeOptions): string | undefined {
  if (/[\r\n]/.test(value)) return undefined;
  if (!options.utf8 && /[^\x01-\x7f]/.test(value)) return undefined;
  if (octetLength(value) > MAX_QUOTED_OCTETS) return undefined;
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** RFC 9051 §9 string: quoted when it can be, else a literal ("{n}\r\n" and the UTF-8 octets). */
export function encodeString(value: string, options: EncodeOptions): string {
  const text = representable(value);
  return quotedForm(text, options) ?? `{${octetLength(text)}}\r\n${text}`;
}

/** RFC 9051 §9 astring: an atom when the value is one (and not NIL), else a string. */
export function encodeAstring(value: string, options: EncodeOptions): string {
  if (isAtomText(value, isAstringChar) && value.toUpperCase() !== 'NIL') return value;
  return encodeString(value, options);
}

/** RFC 9051 §9 nstring: NIL for null, else a string. */
export function encodeNstring(value: string | null, options: EncodeOptions): string {
  return value === null ? 'NIL' : encodeString(value, options);
}

/** RFC 9051 §9 number / nz-number / number64 (rejects what is not a non-negative safe integer). */
export function encodeNumber(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`encodeNumber: ${value} is not a non-negative integer`);
  return String(value);
}

/** The header of a literal of `octets` octets: "{n}\r\n" (RFC 9051 §4.3). */
export function literalHeader(octets: number): string {
  return `{${encodeNumber(octets)}}\r\n`;
}

/** The header of a literal8: "~{n}\r\n" (RFC 3516 §4.3, RFC 9051 §4.3.1). */
export function literal8Header(octets: number): string {
  return `~{${encodeNumber(octets)}}\r\n`;
}

/** A literal: its header and its octets, as chunks (the octets are not copied). */
export function encodeLiteral(bytes: Uint8Array): Uint8Array[] {
  return [utf8(literalHeader(bytes.length)), bytes];
}

/** A literal8 for octets that may hold NUL (RFC 3516 §4.3). */
export function encodeLiteral8(bytes: Uint8Array): Uint8Array[] {
  return [utf8(literal8Header(bytes.length)), bytes];
}

/** RFC 9051 §4.4 parenthesized list of already-encoded items. */
export function encodeList(items: readonly string[]): string {
  return `(${items.join(' ')})`;
}

/**
 * RFC 9051 §9 flag-list: flags are atoms (keywords) or "\" atom (system flags). A flag that is
 * neither cannot be written in a flag list and is left out.
 */
export function encodeFlagList(flags: readonly string[]): string {
  return encodeList(flags.filter((flag) => isAtomText(flag.startsWith('\\') ? flag.slice(1) : flag) || flag === '\\*'));
}

/** resp-text and codes are one line: CR, LF and NUL become spaces. */
export function sanitizeText(text: string): string {
  return text.replace(/[\r\n\0]/g, ' ');
}

export type StatusWord = 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH';

/**
 * RFC 9051 §9 resp-cond-state / resp-cond-bye / resp-cond-auth with its CRLF:
 * `<tag> <status> [<code>] <text>\r\n`; tag "*" for an untagged one.
 */
export function statusResponse(tag: string, status: StatusWord, text: string, code?: string): string {
  const codePart = code === undefined ? '' : `[${sanitizeText(code).replace(/\]/g, ' ')}] `;
  const body = sanitizeText(text);
  return `${tag} ${status} ${codePart}${body === '' ? status.toLowerCase() : body}\r\n`;
}

/** An untagged data response with its CRLF: `* <data>\r\n` (the data already encoded). */
export function untaggedResponse(data: string): string {
  return `* ${data}\r\n`;
}

/** RFC 9051 §9 continue-req: `+ <text or base64>\r\n`. */
export function continuationResponse(text = ''): string {
  return `+ ${sanitizeText(text)}\r\n`;
}

// Response codes (the text between the brackets), RFC 9051 §9 resp-text-code and extensions.

export const uidNextCode = (uidNext: number): string => `UIDNEXT ${encodeNumber(uidNext)}`;
export const uidValidityCode = (uidValidity: number): string => `UIDVALIDITY ${encodeNumber(uidValidity)}`;
/** RFC 7162 §3.1.2.1. */
export const highestModSeqCode = (modSeq: number): string => `HIGHESTMODSEQ ${encodeNumber(modSeq)}`;
/** RFC 7162 §3.1.2.2. */
export const noModSeqCode = (): string => 'NOMODSEQ';
/** RFC 9051 §7.1: flags the client can change permanently ("\*": new keywords allowed). */
export const permanentFlagsCode = (flags: readonly string[]): string => `PERMANENTFLAGS ${encodeFlagList(flags)}`;
export const capabilityCode = (capabilities: readonly string[]): string => ['CAPABILITY', ...capabilities].join(' ');
/** RFC 9051 §9: charsets the server supports, optional. */
export const badCharsetCode = (charsets: readonly string[] = []): string =>
  charsets.length === 0 ? 'BADCHARSET' : `BADCHARSET ${encodeList(charsets.map((charset) => encodeAstring(charset, { utf8: false })))}`;
/** RFC 7162 §3.1.3: messages whose STORE failed the UNCHANGEDSINCE test. */
export const modifiedCode = (set: SequenceSet | Iterable<number>): string =>
  `MODIFIED ${isSequenceSet(set) ? formatSequenceSet(set) : formatNumberSet(set)}`;
/** RFC 4315 §3 / RFC 9051 §9 resp-code-apnd (several UIDs for MULTIAPPEND, RFC 3502). */
export const appendUidCode = (uidValidity: number, uids: readonly number[]): string =>
  `APPENDUID ${encodeNumber(uidValidity)} ${formatNumberSet(uids, { keepOrder: true })}`;
/** RFC 4315 §3 / RFC 9051 §9 resp-code-copy: source and destination UIDs in corresponding order. */
export const copyUidCode = (uidValidity: number, source: readonly number[], destination: readonly number[]): string =>
  `COPYUID ${encodeNumber(uidValidity)} ${formatNumberSet(source, { keepOrder: true })} ${formatNumberSet(destination, { keepOrder: true })}`;

function isSequenceSet(value: SequenceSet | Iterable<number>): value is SequenceSet {
  return typeof value === 'object' && value !== null && 'kind' in value;
}
