// The machine-readable part of a delivery status notification: the message/delivery-status
// (or message/global-delivery-status) fields, and the text helpers the DSN builder shares with
// it (dates, one-line sanitizing, folding, word wrap, xtext). Pure string work.
//
// Input it does not trust: every recipient string and, above all, the remote server's reply,
// which may hold CR, LF, NUL, other controls, non-ASCII octets and any length. Each value is
// made one line of printable text (controls and line breaks become spaces, non-ASCII becomes
// "?" unless the DSN is message/global-delivery-status), bounded, and folded at spaces, so no
// value can add a field, end the field block or break the MIME structure.
//
// Standards: RFC 3464 §2.2 (per-message fields: Original-Envelope-Id, Reporting-MTA,
// Arrival-Date, in the ABNF order of §2.1), §2.3 (per-recipient fields: Original-Recipient,
// Final-Recipient, Action, Status, Remote-MTA, Diagnostic-Code, Last-Attempt-Date,
// Will-Retry-Until, in that order), RFC 3463 §2 (status codes class.subject.detail), RFC 3461
// §4 (xtext), §6.3 (Original-Envelope-Id and Original-Recipient carry the ENVID and ORCPT values,
// written decoded as Postfix does; a value with controls, which no address or id has, is written
// as xtext instead so it stays one field), RFC 6533 §3 (the "utf-8" address type for non-ASCII
// addresses in message/global-delivery-status), RFC 5322 §2.1.1 (lines of at most 998
// characters, 78 preferred), §2.2.3 (folding), §3.3 (date-time).

/** Most characters of one remote reply kept in a DSN; the rest is cut and marked "...". */
export const MAX_DIAGNOSTIC_CHARS = 2000;
/** Most characters of any other one-line value (addresses, host names, ids). */
export const MAX_VALUE_CHARS = 500;
/** Folding aims at this line length (RFC 5322 §2.1.1 SHOULD). */
export const FOLD_WIDTH = 78;
/** A run without spaces is broken here, well below the 998-character line limit (RFC 5322 §2.1.1). */
export const MAX_WORD_CHARS = 900;

export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

export interface DsnRecipient {
  /** The recipient the message was for (Final-Recipient). */
  readonly address: string;
  /** RFC 3461 §4.2 ORCPT as "addr-type;address", xtext-decoded, when the client gave one. */
  readonly orcpt?: string;
  readonly action: DsnAction;
  /** RFC 3463 status, e.g. "5.1.1"; a malformed one becomes X.0.0 of the action's class. */
  readonly status: string;
  /** The host that gave the reply (Remote-MTA). */
  readonly remoteMta?: string;
  /** The reply text as received (any lines) or our own explanation. */
  readonly diagnostic?: string;
  /** "smtp" for a remote SMTP reply (the default when the text starts with a reply code). */
  readonly diagnosticType?: string;
  readonly lastAttempt?: Date;
  /** Only for action "delayed" (RFC 3464 §2.3.8). */
  readonly willRetryUntil?: Date;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function validDate(date: Date | undefined): date is Date {
  return date instanceof Date && Number.isFinite(date.getTime()) && date.getUTCFullYear() >= 1900 && date.getUTCFullYear() <= 9999;
}

/** RFC 5322 §3.3 date-time in UTC, e.g. "Sat, 28 Nov 2026 05:08:09 +0000". */
export function rfc5322Date(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/**
 * One line of printable text: line breaks, tabs and other controls become single spaces, lone
 * surrogates and (unless `utf8`) non-ASCII characters become "?", the ends are trimmed, and
 * the result is cut to `max` characters.
 */
export function oneLine(text: string, utf8: boolean, max: number): string {
  let out = text.toWellFormed().replace(/[\x00-\x1f\x7f\u0080-\u009f\u2028\u2029]+/g, ' ');
  if (!utf8) out = out.replace(/[^\x20-\x7e]/gu, '?');
  out = out.replace(/ {2,}/g, ' ').trim();
  if (out.length > max) out = `${out.slice(0, max - 3).trimEnd()}...`;
  return out.toWellFormed();
}

/** Splits on spaces; a run longer than MAX_WORD_CHARS is cut into pieces of that size. */
function words(text: string): string[] {
  const out: string[] = [];
  for (const word of text.split(' ')) {
    if (word === '') continue;
    for (let i = 0; i < word.length; i += MAX_WORD_CHARS) out.push(word.slice(i, i + MAX_WORD_CHARS));
  }
  return out;
}

/**
 * A header-style field `Name: value` CRLF, folded at spaces (RFC 5322 §2.2.3) so lines aim at
 * FOLD_WIDTH and never pass 998 characters. `value` must already be one line (oneLine).
 */
export function foldField(name: string, value: string): string {
  let line = `${name}:`;
  const lines: string[] = [];
  for (const word of words(value)) {
    if (line.length + 1 + word.length > FOLD_WIDTH && line.trim().length > name.length + 1) {
      lines.push(line);
      line = '';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return `${lines.join('\r\n')}\r\n`;
}

/** Word-wraps one line of text at `width`, continuation lines indented by `indent` spaces. */
export function wrap(text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words(text)) {
    const prefix = lines.length === 0 ? '' : ' '.repeat(indent);
    if (line !== '' && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '' || lines.length === 0) lines.push((lines.length === 0 ? '' : ' '.repeat(indent)) + line);
  return lines;
}

/** RFC 3461 §4 xtext of the UTF-8 octets of `value`: "!" to "~" except "+" and "=" as is, the rest "+HH". */
export function xtextEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value.toWellFormed(), 'utf8')) {
    out += byte >= 0x21 && byte <= 0x7e && byte !== 0x2b && byte !== 0x3d ? String.fromCharCode(byte) : `+${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** An ENVID or ORCPT address as written in a field: decoded when printable, else xtext (RFC 3461 §6.3). */
export function envelopeValue(value: string, utf8: boolean): string {
  const printable = utf8 ? /^[^\x00-\x20\x7f\u0080-\u009f\u2028\u2029]+$/u : /^[\x21-\x7e]+$/;
  const out = value.isWellFormed() && printable.test(value) ? value : xtextEncode(value);
  return out.length > MAX_VALUE_CHARS ? out.slice(0, MAX_VALUE_CHARS) : out;
}

const STATUS = /^[245]\.[0-9]{1,3}\.[0-9]{1,3}$/;

/** RFC 3463 §2 status; a malformed one becomes the action's class with 0.0. */
export function statusCode(status: string, action: DsnAction): string {
  if (STATUS.test(status)) return status;
  return action === 'failed' ? '5.0.0' : action === 'delayed' ? '4.0.0' : '2.0.0';
}

/** Host names and address literals as written in Reporting-MTA and Remote-MTA. */
export function hostValue(host: string): string {
  return oneLine(host, false, MAX_VALUE_CHARS).replace(/[^A-Za-z0-9.:[\]_-]/g, '?');
}

/** "rfc822; a@b" for ASCII addresses, "utf-8; a@b" for others in a global DSN (RFC 6533 §3). */
function typedAddress(address: string, global: boolean): string {
  const value = oneLine(address, global, MAX_VALUE_CHARS).replace(/ /g, '?');
  const type = global && /[^\x00-\x7f]/.test(value) ? 'utf-8' : 'rfc822';
  return `${type}; ${value}`;
}

/** Original-Recipient from ORCPT "addr-type;address" (RFC 3464 §2.3.1, RFC 3461 §4.2). */
function originalRecipient(orcpt: string, global: boolean): string | undefined {
  const semicolon = orcpt.indexOf(';');
  if (semicolon <= 0) return undefined;
  const type = orcpt.slice(0, semicolon).trim();
  // addr-type = atom (RFC 3461 §4.2).
  if (!/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]{1,64}$/.test(type)) return undefined;
  const address = orcpt.slice(semicolon + 1);
  if (address === '') return undefined;
  return `${type};${envelopeValue(address, global)}`;
}

/** The diagnostic type: "smtp" for a text that starts with an SMTP reply code, else ours. */
function diagnosticType(recipient: DsnRecipient, text: string): string {
  const given = recipient.diagnosticType;
  if (given !== undefined && /^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(given)) return given;
  return /^[2-5][0-9][0-9]([ -]|$)/.test(text) ? 'smtp' : 'X-Postwarden';
}

export interface PerMessageFields {
  readonly hostname: string;
  readonly envid?: string;
  readonly arrivalDate?: Date;
}

/** RFC 3464 §2.2 per-message fields, in the §2.1 order. */
export function perMessageFields(fields: PerMessageFields, global: boolean): string {
  let out = '';
  if (fields.envid !== undefined && fields.envid !== '') out += foldField('Original-Envelope-Id', envelopeValue(fields.envid, global));
  out += foldField('Reporting-MTA', `dns; ${hostValue(fields.hostname)}`);
  if (validDate(fields.arrivalDate)) out += foldField('Arrival-Date', rfc5322Date(fields.arrivalDate));
  return out;
}

/** The one-line diagnostic of a recipient, as the DSN and its text part show it. */
export function diagnosticText(recipient: DsnRecipient, global: boolean): string | undefined {
  if (recipient.diagnostic === undefined) return undefined;
  const text = oneLine(recipient.diagnostic, global, MAX_DIAGNOSTIC_CHARS);
  return text === '' ? undefined : text;
}

/** RFC 3464 §2.3 per-recipient fields, in the §2.1 order. */
export function perRecipientFields(recipient: DsnRecipient, global: boolean): string {
  let out = '';
  const original = recipient.orcpt === undefined ? undefined : originalRecipient(recipient.orcpt, global);
  if (original !== undefined) out += foldField('Original-Recipient', original);
  out += foldField('Final-Recipient', typedAddress(recipient.address, global));
  out += foldField('Action', recipient.action);
  out += foldField('Status', statusCode(recipient.status, recipient.action));
  if (recipient.remoteMta !== undefined && recipient.remoteMta !== '') out += foldField('Remote-MTA', `dns; ${hostValue(recipient.remoteMta)}`);
  const diagnostic = diagnosticText(recipient, global);
  if (diagnostic !== undefined) out += foldField('Diagnostic-Code', `${diagnosticType(recipient, diagnostic)}; ${diagnostic}`);
  if (validDate(recipient.lastAttempt)) out += foldField('Last-Attempt-Date', rfc5322Date(recipient.lastAttempt));
  // RFC 3464 §2.3.8: only for delayed recipients.
  if (recipient.action === 'delayed' && validDate(recipient.willRetryUntil)) out += foldField('Will-Retry-Until', rfc5322Date(recipient.willRetryUntil));
  return out;
}
