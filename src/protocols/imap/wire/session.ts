// Arguments of the session commands: LOGIN, AUTHENTICATE (with a SASL-IR initial response),
// ENABLE, ID and COMPRESS. Input it does not trust: the command octets read through the Cursor;
// ID's field names become Map keys, never object properties (house rule 11).
//
// Standards: RFC 9051 §6.2.2-6.2.3, §6.3.1 and §9 (authenticate, initial-resp, base64, login,
// enable, capability), RFC 4959 §3-4 (SASL-IR: "=" is an empty initial response), RFC 4422 §3.1
// (mechanism names), RFC 5161 §3.1 (ENABLE), RFC 2971 §3.3 and §4 (ID: id-params-list, at most
// 30 pairs, fields of 30 octets, values of 1024), RFC 4978 §3-4 (COMPRESS algorithm).

import { asciiUpper, isAlpha, isAtomChar, isDigit, SP } from './chars.ts';
import type { Cursor } from './cursor.ts';
import { MAX_ID_FIELD_OCTETS, MAX_ID_PAIRS, MAX_ID_VALUE_OCTETS, MAX_SASL_MECHANISM_OCTETS } from './limits.ts';
import type { ImapCommand } from './types.ts';

type Command<N extends ImapCommand['name']> = Extract<ImapCommand, { name: N }>;

const OPEN = 0x28;
const CLOSE = 0x29;

// RFC 4422 §3.1: sasl-mech = 1*20mech-char; mech-char = UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE (sent in any case).
const SASL_MECHANISM = new RegExp(`^[A-Z0-9_-]{1,${MAX_SASL_MECHANISM_OCTETS}}$`);
// RFC 9051 §9 base64 = *(4base64-char) [base64-terminal].
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const isBase64Char = (byte: number) => isAlpha(byte) || isDigit(byte) || byte === 0x2b || byte === 0x2f || byte === 0x3d;

/** RFC 9051 §9 login = "LOGIN" SP userid SP password (astrings). */
export function parseLogin(c: Cursor): Command<'LOGIN'> {
  c.sp();
  const user = c.astring('a user name');
  c.sp();
  const password = c.astring('a password');
  c.end();
  return { name: 'LOGIN', user, password };
}

/** RFC 9051 §9 authenticate = "AUTHENTICATE" SP auth-type [SP initial-resp] (RFC 4959). */
export function parseAuthenticate(c: Cursor): Command<'AUTHENTICATE'> {
  c.sp();
  const mechanism = c.keyword('a SASL mechanism');
  if (!SASL_MECHANISM.test(mechanism)) c.fail('not a SASL mechanism name (RFC 4422 §3.1)');
  if (!c.take(SP)) {
    c.end();
    return { name: 'AUTHENTICATE', mechanism };
  }
  const initialResponse = c.word(isBase64Char);
  // RFC 4959 §3: an empty initial response is sent as "="; otherwise base64 (RFC 4648 §4).
  if (initialResponse !== '=' && (initialResponse === '' || !BASE64.test(initialResponse))) c.fail('the initial response is not base64 (RFC 4959 §3)');
  c.end();
  return { name: 'AUTHENTICATE', mechanism, initialResponse };
}

/** RFC 5161 §3.1 enable = "ENABLE" 1*(SP capability); capability names upper-cased. */
export function parseEnable(c: Cursor): Command<'ENABLE'> {
  const capabilities: string[] = [];
  do {
    c.sp();
    capabilities.push(c.keyword('a capability'));
  } while (!c.atEnd());
  return { name: 'ENABLE', capabilities };
}

/**
 * RFC 2971 §4 id = "ID" SP id-params-list; id-params-list = "(" *(string SP nstring) ")" / nil.
 * The limits of §3.3 are enforced (BAD). A field repeated keeps its first value.
 */
export function parseId(c: Cursor): Command<'ID'> {
  c.sp();
  if (!c.take(OPEN)) {
    if (asciiUpper(c.word(isAtomChar)) !== 'NIL') c.fail('expected a parenthesized list of field-value pairs or NIL');
    c.end();
    return { name: 'ID', params: null };
  }
  const params = new Map<string, string | null>();
  let pairs = 0;
  if (!c.take(CLOSE)) {
    do {
      const field = c.stringBytes('a field name');
      c.sp();
      const value = c.atLiteral() || c.peek() === 0x22 ? c.stringBytes('a value') : nil(c);
      if (++pairs > MAX_ID_PAIRS) c.fail(`more than ${MAX_ID_PAIRS} field-value pairs (RFC 2971 §3.3)`, 'LIMIT');
      if (field.length > MAX_ID_FIELD_OCTETS) c.fail(`a field name is longer than ${MAX_ID_FIELD_OCTETS} octets (RFC 2971 §3.3)`, 'LIMIT');
      if (value !== null && value.length > MAX_ID_VALUE_OCTETS) c.fail(`a value is longer than ${MAX_ID_VALUE_OCTETS} octets (RFC 2971 §3.3)`, 'LIMIT');
      const name = c.decode(field);
      if (!params.has(name)) params.set(name, value === null ? null : c.decode(value));
    } while (c.take(SP));
    c.expect(CLOSE, '")" after the ID parameters');
  }
  c.end();
  return { name: 'ID', params };
}

function nil(c: Cursor): null {
  if (asciiUpper(c.word(isAtomChar)) !== 'NIL') c.fail('expected a string or NIL as the value');
  return null;
}

/** RFC 4978 §4 compress = "COMPRESS" SP algorithm (upper-cased; the server refuses unknown ones). */
export function parseCompress(c: Cursor): Command<'COMPRESS'> {
  c.sp();
  const mechanism = c.keyword('a compression algorithm');
  c.end();
  return { name: 'COMPRESS', mechanism };
}
