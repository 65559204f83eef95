// How one message goes to this server, decided before any command is sent: which MAIL
// parameters, DATA or BDAT, the octets to send (line ends made CRLF, or down-converted to
// 7-bit), or why the message cannot go to this server at all (its recipients then fail
// without a word on the wire). Pure. Input it does not trust: the queued message (addresses,
// octets) and the extensions the server listed.
//
// Standards: RFC 8689 §4.2.1 (REQUIRETLS: only over TLS with a valid certificate to a server
// that offers REQUIRETLS after STARTTLS, else the message is not sent: X.7.30 "REQUIRETLS
// support required"), RFC 6531 §3.4 (SMTPUTF8 when the message needs it and the server
// offers it, not otherwise; a message that needs it and a server without it is not sent: from
// the RFC 5248 registry, X.6.7 "non-ASCII addresses not permitted" or X.6.9 "UTF-8 header
// message cannot be transferred"), RFC 6152 §3 (8-bit content to a server without 8BITMIME:
// down-convert or return it, X.6.3), RFC 3030 §3 (BINARYMIME needs CHUNKING and BDAT),
// RFC 1870 §4 and §6.1 (SIZE= declared; a message over the server's fixed limit would be
// refused with 552, so it is returned at once: X.3.4), RFC 5321 §2.3.8 and §4.1.1.4 (lines
// end in CRLF; the message ends with one).

import { indexMessage } from '../../../mail/mime/indexer.ts';
import type { MimePart } from '../../../mail/mime/types.ts';
import { crlfOnly, hasNonAscii } from '../wire/text.ts';
import { downConvert, hasEightBit } from './downconvert.ts';
import { mailCommand, type MailParameters } from './envelope.ts';
import type { Extensions } from './extensions.ts';
import type { OutgoingMessage } from './types.ts';

export type MessagePlan =
  | { readonly kind: 'refuse'; readonly status: 'temporary' | 'permanent'; readonly enhanced: string; readonly detail: string }
  | {
      readonly kind: 'send';
      /** The MAIL command line, without CRLF. */
      readonly mail: string;
      /** The transaction is SMTPUTF8 (RCPT paths may be UTF-8). */
      readonly smtputf8: boolean;
      readonly data: Uint8Array;
      readonly transfer: 'data' | 'bdat';
      /** The octets were down-converted to 7-bit (RFC 6152 §3). */
      readonly converted: boolean;
    };

export interface PlanContext {
  readonly extensions: Extensions;
  /** TLS is up with a certificate valid for the target. */
  readonly tlsAuthorized: boolean;
}

function refuse(enhanced: string, detail: string, status: 'temporary' | 'permanent' = 'permanent'): MessagePlan {
  return { kind: 'refuse', status, enhanced, detail };
}

export function planMessage(message: OutgoingMessage, context: PlanContext): MessagePlan {
  const ext = context.extensions;
  // RFC 8689 §4.2.1: TLS with a verified certificate, and REQUIRETLS offered after STARTTLS.
  // No verified TLS this time may be a passing fault (or an attack): the message waits, never
  // going in plaintext. A server that lacks the extension is a lasting fact: 5.7.30, and the
  // scheduler tries the domain's other MX hosts before returning the message.
  if (message.requireTls) {
    if (!context.tlsAuthorized) return refuse('4.7.30', 'REQUIRETLS: no TLS with a valid certificate to this server (RFC 8689 §4.2.1)', 'temporary');
    if (!ext.requireTls) return refuse('5.7.30', 'REQUIRETLS: the server does not offer REQUIRETLS (RFC 8689 §4.2.1)');
  }

  // RFC 6531 §3.4: SMTPUTF8 when the envelope or the header fields need it.
  const utf8Envelope = hasNonAscii(message.sender) || message.recipients.some((recipient) => hasNonAscii(recipient.address));
  if (utf8Envelope && !ext.smtputf8) {
    return refuse('5.6.7', 'the envelope has non-ASCII addresses and the server does not offer SMTPUTF8 (RFC 6531 §3.4)');
  }
  const utf8Headers = message.smtputf8 && !ext.smtputf8 && headersHaveEightBit(message.data);
  if (utf8Headers) return refuse('5.6.9', 'the message has UTF-8 header fields and the server does not offer SMTPUTF8 (RFC 6531 §3.4)');
  const smtputf8 = ext.smtputf8 && (message.smtputf8 || utf8Envelope);

  let data = message.data;
  let body: MailParameters['body'];
  let transfer: 'data' | 'bdat' = ext.chunking ? 'bdat' : 'data';
  let converted = false;
  if (message.body === 'BINARYMIME' && ext.chunking && ext.binaryMime) {
    // RFC 3030 §3: BODY=BINARYMIME, sent with BDAT, octets untouched.
    body = 'BINARYMIME';
    transfer = 'bdat';
  } else {
    const eightBit = hasEightBit(data);
    const mustConvert = message.body === 'BINARYMIME' || (eightBit && !ext.eightBitMime);
    if (mustConvert) {
      const result = downConvert(data);
      if (!result.ok) {
        const missing = message.body === 'BINARYMIME' ? 'BINARYMIME (RFC 3030 §3)' : '8BITMIME (RFC 6152 §3)';
        return refuse('5.6.3', `the server does not offer ${missing} and the message cannot be converted to 7-bit: ${result.error}`);
      }
      converted = result.value !== data;
      data = result.value;
    }
    if (ext.eightBitMime && (hasEightBit(data) || message.body === '8BITMIME')) body = '8BITMIME';
    data = crlfLines(data);
  }

  // RFC 1870 §4: SIZE 0 (or no number) means no fixed limit.
  if (ext.size !== undefined && ext.size > 0 && data.length > ext.size) {
    return refuse('5.3.4', `the message (${data.length} octets) is larger than the server's limit of ${ext.size} octets (RFC 1870 §6.1)`);
  }
  const params: MailParameters = {
    ...(ext.size !== undefined ? { size: data.length } : {}),
    ...(body !== undefined ? { body } : {}),
    smtputf8,
    requireTls: message.requireTls,
    dsn: ext.dsn,
    ...(message.ret !== undefined ? { ret: message.ret } : {}),
    ...(message.envid !== undefined ? { envid: message.envid } : {}),
  };
  const mail = mailCommand(message.sender, params);
  if (!mail.ok) return refuse('5.1.7', `bad sender address: ${mail.error}`);
  return { kind: 'send', mail: mail.value, smtputf8, data, transfer, converted };
}

/** Any header section (the message's, a body part's, an embedded message's) has 8-bit octets. */
function headersHaveEightBit(raw: Uint8Array): boolean {
  const stack: MimePart[] = [indexMessage(raw).root];
  for (let part = stack.pop(); part !== undefined; part = stack.pop()) {
    if (hasEightBit(raw, part.headerStart, part.bodyStart)) return true;
    stack.push(...part.children);
  }
  return false;
}

/**
 * RFC 5321 §2.3.8: every line ends in CRLF (a bare CR or LF becomes CRLF, as DataEncoder does
 * for DATA), and a message that does not end in CRLF gets one (§4.1.1.4). So DATA and BDAT
 * deliver the same octets, and SIZE= declares them. Returns the same array when nothing changes.
 */
export function crlfLines(data: Uint8Array): Uint8Array {
  if (data.length === 0 || (data[data.length - 1] === 0x0a && crlfOnly(data))) return data;
  let extra = 0;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i];
    if (byte === 0x0d && data[i + 1] !== 0x0a) extra++;
    else if (byte === 0x0a && (i === 0 || data[i - 1] !== 0x0d)) extra++;
  }
  const last = data.at(-1);
  const unterminated = data.length > 0 && last !== 0x0a && last !== 0x0d;
  if (extra === 0 && !unterminated) return data;
  const out = new Uint8Array(data.length + extra + (unterminated ? 2 : 0));
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i] ?? 0;
    if (byte === 0x0d) {
      out[n++] = 0x0d;
      out[n++] = 0x0a;
      if (data[i + 1] === 0x0a) i++;
    } else if (byte === 0x0a) {
      out[n++] = 0x0d;
      out[n++] = 0x0a;
    } else {
      out[n++] = byte;
    }
  }
  if (unterminated) out.set([0x0d, 0x0a], n);
  return out;
}
