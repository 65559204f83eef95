// Delivery status notifications: the one message per queued message that tells its envelope
// sender which recipients failed, are delayed or (when asked) were delivered, with each remote
// reply; and the NOTIFY rule that says which recipients the sender wants to hear about.
//
// The DSN is a multipart/report; report-type=delivery-status message of three parts: a
// human-readable text/plain explanation, the message/delivery-status fields (dsn-fields.ts),
// and the original message (message/rfc822) or only its header (text/rfc822-headers). A message
// sent with SMTPUTF8, or any UTF-8 address, gets message/global-delivery-status and
// message/global / message/global-headers instead, and UTF-8 text. Pure: the caller gives the
// dates; the Message-ID's unique part is random unless given.
//
// Input it does not trust: the recipient strings, remote replies and the original message (any
// octets, any size: embedded with CRLF line ends, cut to its header above
// MAX_RETURNED_MESSAGE_OCTETS). The caller checks the null sender; called with it anyway,
// buildDsn returns an error value. Nothing here throws on input.
//
// Standards: RFC 3464 (delivery-status), RFC 6522 (multipart/report, obsoleting RFC 3462),
// RFC 3461 §4.1 (NOTIFY), §4.3 (RET: HDRS returns the header; a DSN that reports no failure
// returns only the header), RFC 5321 §6.1 (no notification to a null reverse-path; the DSN
// itself goes out with MAIL FROM:<>, §4.5.5, which the caller does), RFC 3834 §5
// (Auto-Submitted: auto-replied), RFC 6533 (message/global-delivery-status, message/global,
// message/global-headers), RFC 6532 (UTF-8 header values), RFC 2046 §5.1.1 (the boundary does
// not occur in the parts), §5.2.1 (message/rfc822 encodings 7bit, 8bit or binary).

import { createHash, randomUUID } from 'node:crypto';
import { err, ok, type Result } from '../core/result.ts';
import { type DsnAction, type DsnRecipient, diagnosticText, foldField, hostValue, oneLine, perMessageFields, perRecipientFields, rfc5322Date, statusCode, validDate, wrap } from './dsn-fields.ts';
import { headerEnd } from './header.ts';
import { toCrlf } from './line-endings.ts';

export type { DsnAction, DsnRecipient } from './dsn-fields.ts';

/** Larger originals come back as their header only (RFC 3461 §4.3 leaves the size to the MTA). */
export const MAX_RETURNED_MESSAGE_OCTETS = 1024 * 1024;
/** Width of the text part's lines. */
export const TEXT_WIDTH = 76;

export type DsnNotifyKeyword = 'SUCCESS' | 'FAILURE' | 'DELAY';
/** RFC 3461 §4.1 NOTIFY: NEVER, or any of SUCCESS, FAILURE, DELAY (as storage keeps it). */
export type DsnNotify = 'NEVER' | readonly DsnNotifyKeyword[];

/**
 * RFC 3461 §4.1: whether a recipient with this NOTIFY wants a DSN for this action. NEVER wants
 * none; SUCCESS covers delivered, relayed and expanded (RFC 3464 §2.3.3); FAILURE failed; DELAY delayed.
 * Without NOTIFY (or with an empty list) the MTA acts as for FAILURE, and for DELAY only when
 * `delayWhenAbsent` (the MTA's discretion; off by default, so delay notices follow NOTIFY=DELAY).
 */
export function dsnWanted(notify: DsnNotify | undefined, action: DsnAction, options: { readonly delayWhenAbsent?: boolean } = {}): boolean {
  if (notify === undefined || (notify !== 'NEVER' && notify.length === 0)) {
    return action === 'failed' || (action === 'delayed' && options.delayWhenAbsent === true);
  }
  if (notify === 'NEVER') return false;
  switch (action) {
    case 'failed':
      return notify.includes('FAILURE');
    case 'delayed':
      return notify.includes('DELAY');
    case 'delivered':
    case 'relayed':
    case 'expanded':
      return notify.includes('SUCCESS');
  }
}

export interface DsnInput {
  /** Our hostname: Reporting-MTA and MAILER-DAEMON@hostname. */
  readonly hostname: string;
  /** The envelope sender of the original message; never the null sender. */
  readonly sender: string;
  /** The recipients to report, each once (the caller applied dsnWanted). */
  readonly recipients: readonly DsnRecipient[];
  /** RFC 3461 §4.4 ENVID, xtext-decoded. */
  readonly envid?: string;
  /** RFC 3461 §4.3 RET. */
  readonly ret?: 'FULL' | 'HDRS';
  /** The original message as queued. */
  readonly message: Uint8Array;
  readonly arrivalDate: Date;
  /** When the DSN is made (its Date field). */
  readonly date: Date;
  /** Domain of the DSN's Message-ID. */
  readonly messageIdDomain: string;
  /** Unique left part of the Message-ID (letters, digits, ".", "_", "-"); random when absent. */
  readonly messageIdLocal?: string;
  /** The original came with SMTPUTF8 (RFC 6531): the DSN uses the RFC 6533 global types. */
  readonly smtputf8?: boolean;
  /** Overrides MAX_RETURNED_MESSAGE_OCTETS. */
  readonly maxReturnedOctets?: number;
}

export type DsnError = 'null-sender' | 'invalid-sender' | 'no-recipients' | 'invalid-hostname' | 'invalid-message-id-domain' | 'invalid-date';

const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const SENDER = /^[^\s<>\x00-\x1f\x7f\u0080-\u009f\u2028\u2029]{1,1000}$/u;
const ACTION_ORDER: readonly DsnAction[] = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'];

const SUBJECTS = new Map<DsnAction, string>([
  ['failed', 'Undelivered Mail Returned to Sender'],
  ['delayed', 'Delayed Mail (still being retried)'],
  ['delivered', 'Delivery Status Notification (Success)'],
  ['relayed', 'Delivery Status Notification (Success)'],
  ['expanded', 'Delivery Status Notification (Success)'],
]);

const HEADINGS = new Map<DsnAction, string>([
  ['failed', 'Your message could not be delivered to the following recipients. It is returned below.'],
  ['delayed', 'THIS IS A WARNING ONLY; YOU DO NOT NEED TO RESEND YOUR MESSAGE. It has not been delivered to the following recipients yet; delivery is still being retried.'],
  ['delivered', 'Your message was delivered to the following recipients.'],
  ['relayed', 'Your message was relayed to the following recipients; their mail systems do not send further notifications.'],
  ['expanded', 'Your message was delivered to the following recipients, which are lists or aliases that forward it further.'],
]);

/** The most severe action reported: it picks the Subject. */
function mainAction(recipients: readonly DsnRecipient[]): DsnAction {
  return ACTION_ORDER.find((action) => recipients.some((r) => r.action === action)) ?? 'failed';
}

function recipientLine(recipient: DsnRecipient, global: boolean): string[] {
  const address = oneLine(recipient.address, global, 500);
  const mta = recipient.remoteMta ? `host ${hostValue(recipient.remoteMta)} said: ` : '';
  const diagnostic = diagnosticText(recipient, global) ?? `status ${statusCode(recipient.status, recipient.action)}`;
  const lines = wrap(`<${address}>: ${mta}${diagnostic}`, TEXT_WIDTH, 4);
  if (recipient.action === 'delayed' && validDate(recipient.willRetryUntil)) {
    lines.push(`    (will be retried until ${rfc5322Date(recipient.willRetryUntil)})`);
  }
  return lines;
}

function textPart(input: DsnInput, hostname: string, global: boolean): string {
  const lines = [`This is the mail system at host ${hostname}.`, ''];
  for (const action of ACTION_ORDER) {
    const group = input.recipients.filter((r) => r.action === action);
    if (group.length === 0) continue;
    lines.push(...wrap(HEADINGS.get(action) ?? '', TEXT_WIDTH, 0), '');
    for (const recipient of group) lines.push(...recipientLine(recipient, global), '');
  }
  if (input.recipients.some((r) => r.action === 'failed' || r.action === 'delayed')) {
    lines.push(...wrap(`For further assistance, please send mail to <postmaster@${hostname}> and include this report.`, TEXT_WIDTH, 0), '');
  }
  lines.push('                   The mail system');
  return `${lines.join('\r\n')}\r\n`;
}

/** RFC 2046 §5.2.1: the encoding an embedded message's octets need. */
function transferEncoding(bytes: Uint8Array): '7bit' | '8bit' | 'binary' {
  let eightBit = false;
  let lineLength = 0;
  for (const byte of bytes) {
    if (byte === 0) return 'binary';
    if (byte === 0x0a) {
      lineLength = 0;
      continue;
    }
    if (byte !== 0x0d && ++lineLength > 998) return 'binary'; // RFC 5322 §2.1.1
    if (byte >= 0x80) eightBit = true;
  }
  return eightBit ? '8bit' : '7bit';
}

/** A boundary that occurs in none of the parts (RFC 2046 §5.1.1), derived from their content. */
function pickBoundary(parts: readonly Uint8Array[]): string {
  const seed = createHash('sha256');
  for (const part of parts) seed.update(part);
  const base = seed.digest('hex');
  let boundary = '';
  for (let attempt = 0; attempt < 1000; attempt++) {
    boundary = `=_pw_${createHash('sha256').update(`${base}/${attempt}`).digest('hex').slice(0, 32)}`;
    const marker = Buffer.from(`--${boundary}`);
    if (parts.every((part) => Buffer.from(part.buffer, part.byteOffset, part.byteLength).indexOf(marker) < 0)) break;
  }
  return boundary;
}

/** The header section without its terminating empty line (the body of text/rfc822-headers). */
function headerOnly(message: Uint8Array): Uint8Array {
  const end = headerEnd(message);
  // After toCrlf the header ends in CRLF CRLF, or the message starts with its empty line.
  const emptyLine = end >= 2 && message[end - 2] === 0x0d && message[end - 1] === 0x0a && (end === 2 || message[end - 3] === 0x0a);
  return message.subarray(0, emptyLine ? end - 2 : end);
}

const NON_ASCII = /[^\x00-\x7f]/;

/** RFC 3464 delivery status notification for one message, or why it cannot be made. */
export function buildDsn(input: DsnInput): Result<Uint8Array, DsnError> {
  const sender = input.sender.startsWith('<') && input.sender.endsWith('>') ? input.sender.slice(1, -1) : input.sender;
  // RFC 5321 §6.1: never a notification to the null reverse-path.
  if (sender === '') return err('null-sender');
  if (!sender.isWellFormed() || !SENDER.test(sender) || !sender.includes('@')) return err('invalid-sender');
  if (input.recipients.length === 0) return err('no-recipients');
  if (!HOSTNAME.test(input.hostname)) return err('invalid-hostname');
  if (!HOSTNAME.test(input.messageIdDomain)) return err('invalid-message-id-domain');
  if (!validDate(input.date)) return err('invalid-date');

  const global =
    input.smtputf8 === true ||
    NON_ASCII.test(sender) ||
    input.recipients.some((r) => NON_ASCII.test(r.address) || (r.orcpt !== undefined && NON_ASCII.test(r.orcpt)));
  const action = mainAction(input.recipients);
  const anyFailed = input.recipients.some((r) => r.action === 'failed');

  // RFC 3461 §4.3: the whole message only for a failure report without RET=HDRS, within the limit.
  const original = toCrlf(input.message);
  const limit = input.maxReturnedOctets ?? MAX_RETURNED_MESSAGE_OCTETS;
  const full = anyFailed && input.ret !== 'HDRS' && original.length <= limit;
  const returned = full ? original : headerOnly(original);

  const text = Buffer.from(textPart(input, input.hostname, global), 'utf8');
  const status = Buffer.from(
    perMessageFields({ hostname: input.hostname, ...(input.envid !== undefined ? { envid: input.envid } : {}), arrivalDate: input.arrivalDate }, global) +
      input.recipients.map((r) => `\r\n${perRecipientFields(r, global)}`).join(''),
    'utf8',
  );
  const boundary = pickBoundary([text, status, returned]);

  const local = input.messageIdLocal !== undefined && /^[A-Za-z0-9._-]{1,100}$/.test(input.messageIdLocal) ? input.messageIdLocal : randomUUID();
  const undelivered = anyFailed || input.recipients.some((r) => r.action === 'delayed');
  const returnedType = full ? (global ? 'message/global' : 'message/rfc822') : global ? 'message/global-headers' : 'text/rfc822-headers';
  const returnedEncoding = transferEncoding(returned);

  const header =
    `From: "Mail Delivery System" <MAILER-DAEMON@${input.hostname}>\r\n` +
    foldField('To', `<${sender}>`) +
    `Subject: ${SUBJECTS.get(action) ?? ''}\r\n` +
    `Date: ${rfc5322Date(input.date)}\r\n` +
    `Message-ID: <${local}@${input.messageIdDomain}>\r\n` +
    'Auto-Submitted: auto-replied\r\n' +
    'MIME-Version: 1.0\r\n' +
    `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"\r\n` +
    '\r\n' +
    'This is a MIME-encapsulated message.\r\n' +
    `\r\n--${boundary}\r\n` +
    'Content-Description: Notification\r\n' +
    `Content-Type: text/plain; charset=${global ? 'utf-8' : 'us-ascii'}\r\n` +
    (global ? 'Content-Transfer-Encoding: 8bit\r\n' : '') +
    '\r\n';
  const statusHeader =
    `\r\n--${boundary}\r\n` +
    'Content-Description: Delivery report\r\n' +
    `Content-Type: ${global ? 'message/global-delivery-status' : 'message/delivery-status'}\r\n` +
    (global ? 'Content-Transfer-Encoding: 8bit\r\n' : '') +
    '\r\n';
  const returnedHeader =
    `\r\n--${boundary}\r\n` +
    `Content-Description: ${undelivered ? 'Undelivered ' : ''}${full ? 'Message' : 'Message Headers'}\r\n` +
    `Content-Type: ${returnedType}\r\n` +
    (returnedEncoding === '7bit' ? '' : `Content-Transfer-Encoding: ${returnedEncoding}\r\n`) +
    '\r\n';
  return ok(
    new Uint8Array(
      Buffer.concat([Buffer.from(header, 'utf8'), text, Buffer.from(statusHeader), status, Buffer.from(returnedHeader), returned, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    ),
  );
}
