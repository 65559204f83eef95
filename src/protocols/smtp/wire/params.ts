// MAIL and RCPT parameters (esmtp-param) into typed fields. Which extensions the server
// advertises is the server's check; this parses every parameter we implement. Input it does
// not trust: the parameter text (client data). Keywords only ever reach a `switch`, never an
// object index (house rule 11); the parsers never throw.
//
// Standards: RFC 5321 §4.1.2 (esmtp-param = esmtp-keyword ["=" esmtp-value], keywords
// case-insensitive per §2.4) and §4.1.1.11 (unknown parameters: 555), RFC 6531 §3.3
// (esmtp-value =/ UTF8-non-ascii) and §3.4 (SMTPUTF8 takes no value), RFC 1870 §3 (SIZE,
// 1*20DIGIT), RFC 6152 §2 and RFC 3030 §3 (BODY=7BIT / 8BITMIME / BINARYMIME), RFC 3461
// §4.1-4.4 (NOTIFY, ORCPT, RET, ENVID), RFC 6533 §3 (ORCPT with addr-type utf-8), RFC 4954
// §5 (AUTH=), RFC 8689 §2 (REQUIRETLS takes no value).

import { err, ok, type Result } from '../../../core/result.ts';
import { badParameter, syntaxError, unknownParameter, type CommandError } from './command-error.ts';
import { asciiLower, asciiUpper, isAtext } from './text.ts';
import { decodeUtf8AddrUnitext, decodeUtf8AddrXtext, decodeXtext } from './xtext.ts';

/** RFC 1870 §3: size-value ::= 1*20DIGIT. */
export const MAX_SIZE_DIGITS = 20;
/** RFC 3461 §4.4: an ENVID is at most 100 characters (checked once xtext-decoded). */
export const MAX_ENVID_CHARS = 100;
/** RFC 3461 §4.2: an ORCPT address is at most 500 characters (checked once decoded). */
export const MAX_ORCPT_ADDRESS_CHARS = 500;

export type BodyType = '7BIT' | '8BITMIME' | 'BINARYMIME';
export type NotifyEvent = 'SUCCESS' | 'FAILURE' | 'DELAY';

export interface MailParams {
  /** RFC 1870: declared size; values beyond 2^53-1 are reported as Number.MAX_SAFE_INTEGER. */
  readonly size?: number;
  readonly body?: BodyType;
  readonly smtputf8?: true;
  readonly ret?: 'FULL' | 'HDRS';
  /** xtext-decoded. */
  readonly envid?: string;
  /** xtext-decoded mailbox, or "<>". */
  readonly auth?: string;
  readonly requireTls?: true;
}

export interface OriginalRecipient {
  /** Lower-cased addr-type ("rfc822", "utf-8", ...). */
  readonly addrType: string;
  /** Decoded address. */
  readonly address: string;
}

export interface RcptParams {
  readonly notify?: 'NEVER' | readonly NotifyEvent[];
  readonly orcpt?: OriginalRecipient;
}

export interface RcptParamOptions {
  /** The transaction is SMTPUTF8: ORCPT=utf-8; may use the unitext form (RFC 6533 §3). */
  readonly utf8: boolean;
}

interface Param {
  /** Upper-cased. */
  readonly keyword: string;
  readonly value: string | undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** RFC 5321 §4.1.2 Mail-parameters = esmtp-param *(SP esmtp-param); "" means none. */
export function parseMailParams(text: string): Result<MailParams, CommandError> {
  const params = splitParams(text);
  if (!params.ok) return params;
  const out: Mutable<MailParams> = {};
  for (const { keyword, value } of params.value) {
    switch (keyword) {
      case 'SIZE': {
        // RFC 1870 §3: size-value ::= 1*20DIGIT; §6: only one SIZE parameter
        if (out.size !== undefined) return err(badParameter('Duplicate SIZE parameter'));
        if (value === undefined || !/^[0-9]+$/.test(value) || value.length > MAX_SIZE_DIGITS) {
          return err(badParameter('Bad SIZE parameter value'));
        }
        out.size = Math.min(Number(value), Number.MAX_SAFE_INTEGER);
        break;
      }
      case 'BODY': {
        // RFC 6152 §2 (7BIT, 8BITMIME), RFC 3030 §3 (BINARYMIME)
        if (out.body !== undefined) return err(badParameter('Duplicate BODY parameter'));
        const body = value === undefined ? '' : asciiUpper(value);
        if (body !== '7BIT' && body !== '8BITMIME' && body !== 'BINARYMIME') return err(badParameter('Bad BODY parameter value'));
        out.body = body;
        break;
      }
      case 'SMTPUTF8': {
        // RFC 6531 §3.4: no value
        if (out.smtputf8 !== undefined) return err(badParameter('Duplicate SMTPUTF8 parameter'));
        if (value !== undefined) return err(badParameter('SMTPUTF8 takes no value'));
        out.smtputf8 = true;
        break;
      }
      case 'REQUIRETLS': {
        // RFC 8689 §2: no value
        if (out.requireTls !== undefined) return err(badParameter('Duplicate REQUIRETLS parameter'));
        if (value !== undefined) return err(badParameter('REQUIRETLS takes no value'));
        out.requireTls = true;
        break;
      }
      case 'RET': {
        // RFC 3461 §4.3: ret-value = "FULL" / "HDRS"
        if (out.ret !== undefined) return err(badParameter('Duplicate RET parameter'));
        const ret = value === undefined ? '' : asciiUpper(value);
        if (ret !== 'FULL' && ret !== 'HDRS') return err(badParameter('Bad RET parameter value'));
        out.ret = ret;
        break;
      }
      case 'ENVID': {
        // RFC 3461 §4.4: xtext of printable US-ASCII, at most 100 characters
        if (out.envid !== undefined) return err(badParameter('Duplicate ENVID parameter'));
        const envid = value === undefined ? undefined : decodeXtext(value);
        if (envid === undefined || !envid.ok || !isPrintableAscii(envid.value) || envid.value.length > MAX_ENVID_CHARS) {
          return err(badParameter('Bad ENVID parameter value'));
        }
        out.envid = envid.value;
        break;
      }
      case 'AUTH': {
        // RFC 4954 §5: "AUTH=" (xtext / "<>"); the server decides whether to trust it
        if (out.auth !== undefined) return err(badParameter('Duplicate AUTH parameter'));
        const auth = value === undefined ? undefined : value === '<>' ? ok('<>') : decodeXtext(value);
        if (auth === undefined || !auth.ok || !isPrintableAscii(auth.value)) return err(badParameter('Bad AUTH parameter value'));
        out.auth = auth.value;
        break;
      }
      default:
        return err(unknownParameter('MAIL parameter not recognized'));
    }
  }
  return ok(out);
}

/** RFC 5321 §4.1.2 Rcpt-parameters = esmtp-param *(SP esmtp-param); "" means none. */
export function parseRcptParams(text: string, options: RcptParamOptions): Result<RcptParams, CommandError> {
  const params = splitParams(text);
  if (!params.ok) return params;
  const out: Mutable<RcptParams> = {};
  for (const { keyword, value } of params.value) {
    switch (keyword) {
      case 'NOTIFY': {
        if (out.notify !== undefined) return err(badParameter('Duplicate NOTIFY parameter'));
        const notify = value === undefined ? undefined : parseNotify(value);
        if (notify === undefined) return err(badParameter('Bad NOTIFY parameter value'));
        out.notify = notify;
        break;
      }
      case 'ORCPT': {
        if (out.orcpt !== undefined) return err(badParameter('Duplicate ORCPT parameter'));
        const orcpt = value === undefined ? undefined : parseOrcpt(value, options.utf8);
        if (orcpt === undefined) return err(badParameter('Bad ORCPT parameter value'));
        out.orcpt = orcpt;
        break;
      }
      default:
        return err(unknownParameter('RCPT parameter not recognized'));
    }
  }
  return ok(out);
}

/** RFC 5321 §4.1.2: esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"). */
const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** Splits on single spaces into keyword/value pairs, checking the generic syntax. */
function splitParams(text: string): Result<Param[], CommandError> {
  if (text === '') return ok([]);
  const params: Param[] = [];
  for (const token of text.split(' ')) {
    const equals = token.indexOf('=');
    const keyword = equals === -1 ? token : token.slice(0, equals);
    const value = equals === -1 ? undefined : token.slice(equals + 1);
    if (!KEYWORD.test(keyword)) return err(syntaxError('Syntax error in parameters'));
    // esmtp-value = 1*(%d33-60 / %d62-126), plus UTF8-non-ascii (RFC 6531 §3.3)
    if (value !== undefined && !/^[\x21-\x3c\x3e-\x7e\u0080-\u{10ffff}]+$/u.test(value)) {
      return err(syntaxError('Syntax error in parameters'));
    }
    params.push({ keyword: asciiUpper(keyword), value });
  }
  return ok(params);
}

/** RFC 3461 §4.1: "NEVER" alone, or a comma list of SUCCESS, FAILURE, DELAY. */
function parseNotify(value: string): 'NEVER' | readonly NotifyEvent[] | undefined {
  const upper = asciiUpper(value);
  if (upper === 'NEVER') return 'NEVER';
  const events: NotifyEvent[] = [];
  for (const item of upper.split(',')) {
    if (item !== 'SUCCESS' && item !== 'FAILURE' && item !== 'DELAY') return undefined;
    if (!events.includes(item)) events.push(item);
  }
  return events;
}

/** RFC 3461 §4.2: addr-type ";" xtext; RFC 6533 §3 for addr-type utf-8. */
function parseOrcpt(value: string, utf8: boolean): OriginalRecipient | undefined {
  const semicolon = value.indexOf(';');
  if (semicolon <= 0) return undefined;
  const rawType = value.slice(0, semicolon);
  // addr-type = atom (RFC 3461 §4.2): ASCII atext only.
  for (const char of rawType) if (!isAtext(char, false)) return undefined;
  const addrType = asciiLower(rawType);
  const encoded = value.slice(semicolon + 1);
  let address: Result<string, string>;
  if (addrType === 'utf-8') {
    // RFC 6533 §3: unitext only when SMTPUTF8 is in effect, else the 7-bit xtext form.
    address = utf8 ? decodeUtf8AddrUnitext(encoded) : decodeUtf8AddrXtext(encoded);
  } else {
    address = decodeXtext(encoded);
    // RFC 3461 §4.2: printable US-ASCII before xtext encoding.
    if (address.ok && !isPrintableAscii(address.value)) return undefined;
  }
  if (!address.ok || address.value === '' || address.value.length > MAX_ORCPT_ADDRESS_CHARS) return undefined;
  return { addrType, address: address.value };
}

/** RFC 3461 §4.2, §4.4: "printable (graphic and white space) characters from US-ASCII". */
function isPrintableAscii(text: string): boolean {
  return /^[\t\x20-\x7e]*$/.test(text);
}
