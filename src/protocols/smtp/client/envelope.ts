// The MAIL and RCPT command lines the client sends: paths built from stored addresses and the
// extension parameters the server offered. Pure. Input it does not trust: the addresses and
// DSN values of queued messages (they came from other clients): an address that is not a
// valid path is refused here, so nothing stored can inject a command line; DSN values that
// cannot be sent are left out rather than failing the delivery.
//
// Standards: RFC 5321 §4.1.1.2-3 (MAIL FROM:, RCPT TO:) and §4.1.2 (paths: Dot-string or
// Quoted-string local parts), RFC 1870 §3 (SIZE=), RFC 6152 §2 and RFC 3030 §3 (BODY=),
// RFC 6531 §3.4 (SMTPUTF8), RFC 8689 §2 (REQUIRETLS), RFC 3461 §4.1-4.4 (NOTIFY, ORCPT, RET,
// ENVID, xtext), RFC 6533 §3 (ORCPT=utf-8; in the 7-bit utf-8-addr-xtext form, which is valid
// with or without SMTPUTF8).

import { err, ok, type Result } from '../../../core/result.ts';
import { MAX_ENVID_CHARS, MAX_ORCPT_ADDRESS_CHARS } from '../wire/params.ts';
import { formatLocalPart, parseForwardPath, parseReversePath } from '../wire/path.ts';
import { CONTROL_CHARACTER, hasNonAscii } from '../wire/text.ts';
import { encodeUtf8AddrXtext, encodeXtext } from '../wire/xtext.ts';
import type { OutgoingRecipient } from './types.ts';

export interface MailParameters {
  /** RFC 1870: declared size in octets, sent when the server offers SIZE. */
  readonly size?: number;
  readonly body?: '8BITMIME' | 'BINARYMIME';
  readonly smtputf8: boolean;
  readonly requireTls: boolean;
  /** RFC 3461: RET and ENVID are sent only when the server offers DSN. */
  readonly dsn: boolean;
  readonly ret?: 'FULL' | 'HDRS';
  readonly envid?: string;
}

/**
 * A stored address as an RFC 5321 path ("<local@domain>", the local part quoted when it is
 * not a Dot-string), checked with the wire layer's own path parser. `utf8`: the transaction
 * is SMTPUTF8, so UTF-8 may appear (RFC 6531 §3.3).
 */
export function formatMailbox(address: string, utf8: boolean): Result<string, string> {
  if (!address.isWellFormed() || CONTROL_CHARACTER.test(address)) return err('the address holds control characters or invalid Unicode');
  if (!utf8 && hasNonAscii(address)) return err('the address is not ASCII and the transaction is not SMTPUTF8');
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return err('the address is not of the form local@domain');
  const path = `<${formatLocalPart(address.slice(0, at), utf8)}@${address.slice(at + 1)}>`;
  const parsed = parseForwardPath(path, { utf8 });
  if (!parsed.ok) return err(`the address is not a valid path: ${parsed.error.message}`);
  return ok(path);
}

/** RFC 5321 §4.1.1.2: "MAIL FROM:" Reverse-path [SP Mail-parameters]; '' is the null path. */
export function mailCommand(sender: string, params: MailParameters): Result<string, string> {
  let path: string;
  if (sender === '') {
    path = '<>';
  } else {
    const formatted = formatMailbox(sender, params.smtputf8);
    if (!formatted.ok) return formatted;
    // A reverse path is parsed by its own rule (it admits no "<Postmaster>" special case).
    if (!parseReversePath(formatted.value, { utf8: params.smtputf8 }).ok) return err('the sender is not a valid reverse path');
    path = formatted.value;
  }
  const words = [`MAIL FROM:${path}`];
  if (params.size !== undefined) words.push(`SIZE=${params.size}`);
  if (params.body !== undefined) words.push(`BODY=${params.body}`);
  if (params.smtputf8) words.push('SMTPUTF8');
  if (params.requireTls) words.push('REQUIRETLS');
  if (params.dsn) {
    if (params.ret !== undefined) words.push(`RET=${params.ret}`);
    const envid = params.envid === undefined ? undefined : envidParameter(params.envid);
    if (envid !== undefined) words.push(`ENVID=${envid}`);
  }
  return ok(words.join(' '));
}

export interface RcptOptions {
  readonly smtputf8: boolean;
  /** The server offers DSN: NOTIFY and ORCPT are passed on (RFC 3461 §5.2.1). */
  readonly dsn: boolean;
}

/** RFC 5321 §4.1.1.3: "RCPT TO:" Forward-path [SP Rcpt-parameters]. */
export function rcptCommand(recipient: OutgoingRecipient, options: RcptOptions): Result<string, string> {
  const path = formatMailbox(recipient.address, options.smtputf8);
  if (!path.ok) return path;
  const words = [`RCPT TO:${path.value}`];
  if (options.dsn) {
    const notify = recipient.notify;
    // RFC 3461 §4.1: "NEVER" alone, or a comma list of SUCCESS, FAILURE, DELAY.
    if (notify === 'NEVER') words.push('NOTIFY=NEVER');
    else if (notify !== undefined && notify.length > 0) words.push(`NOTIFY=${[...new Set(notify)].join(',')}`);
    const orcpt = recipient.orcpt === undefined ? undefined : orcptParameter(recipient.orcpt);
    if (orcpt !== undefined) words.push(`ORCPT=${orcpt}`);
  }
  return ok(words.join(' '));
}

/** RFC 3461 §4.4: printable US-ASCII, at most 100 characters, as xtext; else left out. */
function envidParameter(envid: string): string | undefined {
  if (envid === '' || envid.length > MAX_ENVID_CHARS || !/^[\x20-\x7e]+$/.test(envid)) return undefined;
  return encodeXtext(envid);
}

/**
 * RFC 3461 §4.2: addr-type ";" xtext(address); an address outside printable ASCII goes as
 * addr-type utf-8 (RFC 6533 §3). Left out when it cannot be sent faithfully.
 */
function orcptParameter(stored: string): string | undefined {
  const semicolon = stored.indexOf(';');
  if (semicolon <= 0) return undefined;
  const addrType = stored.slice(0, semicolon).toLowerCase();
  const address = stored.slice(semicolon + 1);
  // addr-type = atom (RFC 3461 §4.2).
  if (!/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$/.test(addrType)) return undefined;
  if (address === '' || address.length > MAX_ORCPT_ADDRESS_CHARS || !address.isWellFormed() || CONTROL_CHARACTER.test(address)) return undefined;
  if (addrType === 'utf-8' || hasNonAscii(address)) {
    if (addrType !== 'utf-8' && addrType !== 'rfc822') return undefined;
    return `utf-8;${encodeUtf8AddrXtext(address)}`;
  }
  return `${addrType};${encodeXtext(address)}`;
}
