// POP3 command lines (as the line reader returns them, without CRLF) into typed commands, or
// the error that refuses them. Pure; which commands the current state allows is the server's
// business. Input it does not trust: the whole line (client data); the parser never throws and
// its error texts never echo client input.
//
// Standards: RFC 1939 §3 (a keyword of three or four characters, case-insensitive, arguments
// separated by a single space), §4-§7 (the commands and their arguments; PASS takes the rest
// of the line, spaces included, §7), RFC 2449 §3 (command = keyword *(SP param) CRLF,
// param = 1*VCHAR), §4 (255-octet command lines), §5 (CAPA), RFC 2595 §4 (STLS takes no
// argument), RFC 5034 §4 (AUTH mechanism [initial-response], "=" for an empty one),
// RFC 4422 §3.1 (mechanism names), RFC 6856 §2-§3 (UTF8; UTF-8 user names and passwords),
// RFC 3629 (UTF-8, strict).

import { err, ok, type Result } from '../../../core/result.ts';
import {
  MAX_AUTH_COMMAND_LINE_OCTETS,
  MAX_COMMAND_LINE_OCTETS,
  MAX_MESSAGE_NUMBER,
  MAX_NUMBER_DIGITS,
  MAX_SASL_MECHANISM_OCTETS,
  MAX_TOP_LINES,
} from './limits.ts';

export const KEYWORDS = ['USER', 'PASS', 'STAT', 'LIST', 'RETR', 'DELE', 'NOOP', 'RSET', 'QUIT', 'TOP', 'UIDL', 'CAPA', 'STLS', 'AUTH', 'UTF8'] as const;
export type Keyword = (typeof KEYWORDS)[number];

export type Pop3Command =
  /** RFC 1939 §7; `name` is decoded UTF-8 (RFC 6856 §3). */
  | { readonly keyword: 'USER'; readonly name: string }
  /** RFC 1939 §7: the rest of the line, spaces included. */
  | { readonly keyword: 'PASS'; readonly password: string }
  | { readonly keyword: 'STAT' | 'NOOP' | 'RSET' | 'QUIT' | 'CAPA' | 'STLS' | 'UTF8' }
  /** RFC 1939 §5 LIST [msg], §7 UIDL [msg]. */
  | { readonly keyword: 'LIST' | 'UIDL'; readonly message?: number }
  | { readonly keyword: 'RETR' | 'DELE'; readonly message: number }
  /** RFC 1939 §7 TOP msg n. */
  | { readonly keyword: 'TOP'; readonly message: number; readonly lines: number }
  /** RFC 5034 §4; `mechanism` upper-cased, `initialResponse` base64 as sent ("=" for empty). */
  | { readonly keyword: 'AUTH'; readonly mechanism: string; readonly initialResponse?: string };

export type CommandErrorKind = 'unknown' | 'too-long' | 'syntax';

export interface CommandError {
  readonly kind: CommandErrorKind;
  /** Text for the -ERR response; never holds client input. */
  readonly text: string;
}

const UNKNOWN: CommandError = { kind: 'unknown', text: 'Unknown command' };
const TOO_LONG: CommandError = { kind: 'too-long', text: 'Command line too long' };
const syntax = (text: string): CommandError => ({ kind: 'syntax', text });

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);
const SPACE = 0x20;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// RFC 4422 §3.1: sasl-mech = 1*20 (upper-case letters, digits, "-", "_"); clients send any case.
const SASL_MECHANISM = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_SASL_MECHANISM_OCTETS}}$`);
// RFC 5034 §4: base64 text, or "=" for an empty initial response (strict decoding is the SASL layer's).
const INITIAL_RESPONSE = /^(?:[A-Za-z0-9+/]+={0,2}|=)$/;
const DIGITS = new RegExp(`^[0-9]{1,${MAX_NUMBER_DIGITS}}$`);

/** The line limit for a keyword: 255 octets, except AUTH (limits.ts explains why). */
export function lineLimit(keyword: string): number {
  return keyword === 'AUTH' ? MAX_AUTH_COMMAND_LINE_OCTETS : MAX_COMMAND_LINE_OCTETS;
}

/** Parses one command line (without its CRLF). */
export function parseCommand(line: Uint8Array): Result<Pop3Command, CommandError> {
  const space = line.indexOf(SPACE);
  const keyword = toKeyword(space === -1 ? line : line.subarray(0, space));
  if (line.length + 2 > lineLimit(keyword ?? '')) return err(TOO_LONG);
  if (keyword === undefined) return err(UNKNOWN);
  const rest = space === -1 ? undefined : line.subarray(space + 1);
  if (rest !== undefined && rest.some((byte) => byte < 0x20 || byte === 0x7f)) {
    return err(syntax('Control characters are not allowed in commands'));
  }
  const text = rest === undefined ? undefined : decodeArgument(rest, keyword === 'USER' || keyword === 'PASS');
  if (text === null) return err(syntax(keyword === 'USER' || keyword === 'PASS' ? 'Arguments must be UTF-8' : 'Arguments must be ASCII'));
  if (keyword === 'PASS') {
    // RFC 1939 §7: PASS has exactly one argument, so spaces belong to the password.
    return text === undefined || text === '' ? err(syntax('Syntax: PASS password')) : ok({ keyword, password: text });
  }
  const params = text === undefined ? [] : text.split(' ');
  // RFC 2449 §3: param = 1*VCHAR, one space between parameters, none after the last.
  if (params.some((param) => param === '')) return err(syntax('Arguments are separated by one space'));
  return parseArguments(keyword, params);
}

function parseArguments(keyword: Exclude<Keyword, 'PASS'>, params: readonly string[]): Result<Pop3Command, CommandError> {
  switch (keyword) {
    case 'USER': {
      const [name] = params;
      return params.length === 1 && name !== undefined ? ok({ keyword, name }) : err(syntax('Syntax: USER name'));
    }
    case 'STAT':
    case 'NOOP':
    case 'RSET':
    case 'QUIT':
    case 'CAPA':
    case 'STLS':
    case 'UTF8':
      return params.length === 0 ? ok({ keyword }) : err(syntax(`Syntax: ${keyword} takes no arguments`));
    case 'LIST':
    case 'UIDL': {
      if (params.length === 0) return ok({ keyword });
      const message = params.length === 1 ? messageNumber(params[0]) : undefined;
      return message === undefined ? err(syntax(`Syntax: ${keyword} [msg]`)) : ok({ keyword, message });
    }
    case 'RETR':
    case 'DELE': {
      const message = params.length === 1 ? messageNumber(params[0]) : undefined;
      return message === undefined ? err(syntax(`Syntax: ${keyword} msg`)) : ok({ keyword, message });
    }
    case 'TOP': {
      const message = params.length === 2 ? messageNumber(params[0]) : undefined;
      const lines = params.length === 2 ? number(params[1], 0, MAX_TOP_LINES) : undefined;
      return message === undefined || lines === undefined ? err(syntax('Syntax: TOP msg n')) : ok({ keyword, message, lines });
    }
    case 'AUTH':
      return parseAuth(params);
  }
}

function parseAuth(params: readonly string[]): Result<Pop3Command, CommandError> {
  const [mechanism, initialResponse] = params;
  if (mechanism === undefined || params.length > 2 || !SASL_MECHANISM.test(mechanism)) {
    return err(syntax('Syntax: AUTH mechanism [initial-response]'));
  }
  const name = mechanism.toUpperCase();
  if (initialResponse === undefined) return ok({ keyword: 'AUTH', mechanism: name });
  if (!INITIAL_RESPONSE.test(initialResponse)) return err(syntax('The initial response must be base64 or "="'));
  return ok({ keyword: 'AUTH', mechanism: name, initialResponse });
}

function toKeyword(bytes: Uint8Array): Keyword | undefined {
  if (bytes.length < 3 || bytes.length > 4) return undefined;
  let word = '';
  for (const byte of bytes) {
    // RFC 1939 §3: keywords are letters (and, for UTF8, a digit), matched case-insensitively.
    const upper = byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte;
    if (!((upper >= 0x41 && upper <= 0x5a) || (upper >= 0x30 && upper <= 0x39))) return undefined;
    word += String.fromCharCode(upper);
  }
  return KEYWORD_SET.has(word) ? (word as Keyword) : undefined;
}

/** The argument text: ASCII for every command; strict UTF-8 for USER and PASS. null when refused. */
function decodeArgument(bytes: Uint8Array, utf8: boolean): string | null {
  if (!bytes.some((byte) => byte >= 0x80)) return String.fromCharCode(...bytes);
  if (!utf8) return null;
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return null;
  }
}

function messageNumber(text: string | undefined): number | undefined {
  return number(text, 1, MAX_MESSAGE_NUMBER);
}

function number(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || !DIGITS.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}
