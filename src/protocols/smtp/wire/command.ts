// SMTP command lines (as returned by SmtpLineReader, without CRLF) into typed commands, or
// the reply that refuses them. Pure; state (which commands are allowed now, which extensions
// were advertised) is the server's. Input it does not trust: the whole line (client data);
// the parser never throws and its replies never echo client input.
//
// Standards: RFC 5321 §2.4 (verbs and keywords case-insensitive), §4.1.1 (command syntax),
// §4.1.1.1 (EHLO/HELO), §4.1.1.2-3 (MAIL/RCPT), §4.1.1.4 (DATA), §4.1.1.5 (RSET), §4.1.1.6
// (VRFY), §4.1.1.7 (EXPN), §4.1.1.8 (HELP), §4.1.1.9 (NOOP), §4.1.1.10 (QUIT), §4.5.3.1.4
// (line limits), RFC 3030 §2 (BDAT), RFC 3207 §4 (STARTTLS takes no argument), RFC 4954 §4
// (AUTH), RFC 4422 §3.1 (mechanism names), RFC 6531 §3.4-3.5 and §3.7.1 (UTF-8 addresses; EHLO
// stays ASCII) and §3.7.4.2 (VRFY/EXPN SMTPUTF8 parameter). Parameters: params.ts; paths:
// path.ts; replies: command-error.ts.
//
// Deliberate deviation: HELO also accepts an address literal (RFC 5321 §4.1.1.1 gives HELO a
// Domain only); clients behind NAT commonly send "HELO [192.0.2.1]".

import { err, ok, type Result } from '../../../core/result.ts';
import { MAX_BDAT_CHUNK_OCTETS } from './bdat.ts';
import {
  AUTH_LINE_TOO_LONG,
  badParameter,
  badRecipient,
  badSender,
  LINE_TOO_LONG,
  nonAsciiAddress,
  syntaxError,
  UNRECOGNIZED_COMMAND,
  unknownParameter,
  type CommandError,
} from './command-error.ts';
import { addressLiteralKind, isDomain } from './domain.ts';
import {
  MAX_AUTH_COMMAND_LINE_OCTETS,
  MAX_COMMAND_LINE_OCTETS,
  MAX_EXTENDED_COMMAND_LINE_OCTETS,
  MAX_SASL_MECHANISM_OCTETS,
} from './line-reader.ts';
import { parseMailParams, parseRcptParams, type MailParams, type RcptParams } from './params.ts';
import { parseForwardPath, parseReversePath, pathEnd, type ForwardPath, type PathError, type ReversePath } from './path.ts';
import { asciiText, asciiUpper, CONTROL_CHARACTER, decodeUtf8, hasNonAscii, isAsciiBytes } from './text.ts';

export {
  AUTH_LINE_TOO_LONG,
  BARE_LF_IN_COMMAND,
  LINE_TOO_LONG,
  nonAsciiAddress,
  reply,
  UNRECOGNIZED_COMMAND,
  type CommandError,
} from './command-error.ts';
export type { BodyType, MailParams, NotifyEvent, OriginalRecipient, RcptParams } from './params.ts';
export type { ForwardPath, MailboxPath, NullPath, Path, PostmasterPath, ReversePath } from './path.ts';

export { MAX_SASL_MECHANISM_OCTETS };

// RFC 4422 §3.1: sasl-mech = 1*20 (upper-case letters, digits, "-", "_"); sent in any case.
const SASL_MECHANISM = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_SASL_MECHANISM_OCTETS}}$`);

export interface CommandOptions {
  /**
   * The session offers SMTPUTF8 (RFC 6531 §3.2: advertised in the EHLO reply). Without it,
   * the SMTPUTF8 parameters are refused and non-ASCII addresses get X.6.7. With it, MAIL takes
   * UTF-8 in its path only together with its own SMTPUTF8 parameter (RFC 6531 §3.4), and
   * VRFY/EXPN take UTF-8 arguments (§3.7.4.2).
   */
  readonly utf8Permitted: boolean;
  /**
   * For RCPT: the current transaction's MAIL carried SMTPUTF8. When given, UTF-8 in the path
   * and the unitext form of ORCPT need it (RFC 6531 §3.4-3.5, RFC 6533 §3). When omitted,
   * `utf8Permitted` alone decides and the server must refuse a `path.utf8` recipient in a
   * transaction without SMTPUTF8 itself (553 5.6.7: `nonAsciiAddress('RCPT')`).
   */
  readonly smtputf8Transaction?: boolean;
}

export interface EhloCommand {
  readonly verb: 'EHLO';
  /** A domain or an address literal (with brackets), as sent. */
  readonly domain: string;
}
export interface HeloCommand {
  readonly verb: 'HELO';
  readonly domain: string;
}
export interface MailCommand {
  readonly verb: 'MAIL';
  readonly path: ReversePath;
  readonly params: MailParams;
}
export interface RcptCommand {
  readonly verb: 'RCPT';
  readonly path: ForwardPath;
  readonly params: RcptParams;
}
export interface DataCommand {
  readonly verb: 'DATA';
}
export interface BdatCommand {
  readonly verb: 'BDAT';
  readonly size: number;
  readonly last: boolean;
}
export interface RsetCommand {
  readonly verb: 'RSET';
}
export interface NoopCommand {
  readonly verb: 'NOOP';
}
export interface QuitCommand {
  readonly verb: 'QUIT';
}
export interface StartTlsCommand {
  readonly verb: 'STARTTLS';
}
export interface AuthCommand {
  readonly verb: 'AUTH';
  /** Upper-cased. */
  readonly mechanism: string;
  /** Base64 text as sent ("=" for an empty response); decode with auth/sasl/wire.ts. */
  readonly initialResponse?: string;
}
export interface VrfyCommand {
  readonly verb: 'VRFY';
  readonly argument: string;
  /** RFC 6531 §3.7.4.2: the client accepts UTF-8 in the reply. */
  readonly smtputf8: boolean;
}
export interface ExpnCommand {
  readonly verb: 'EXPN';
  readonly argument: string;
  readonly smtputf8: boolean;
}
export interface HelpCommand {
  readonly verb: 'HELP';
  readonly argument?: string;
}

export type SmtpCommand =
  | EhloCommand
  | HeloCommand
  | MailCommand
  | RcptCommand
  | DataCommand
  | BdatCommand
  | RsetCommand
  | NoopCommand
  | QuitCommand
  | StartTlsCommand
  | AuthCommand
  | VrfyCommand
  | ExpnCommand
  | HelpCommand;

export type Verb = SmtpCommand['verb'];

type Parsed = Result<SmtpCommand, CommandError>;

/** Parses one command line (without its CRLF). */
export function parseCommand(line: Uint8Array, options: CommandOptions): Parsed {
  const space = line.indexOf(0x20);
  const verbBytes = space === -1 ? line : line.subarray(0, space);
  const verb = toVerb(verbBytes);
  if (verb === undefined) return err(UNRECOGNIZED_COMMAND);
  // RFC 5321 §4.5.3.1.4, raised for MAIL/RCPT parameters and AUTH initial responses.
  if (line.length + 2 > lineLimit(verb)) return err(verb === 'AUTH' ? AUTH_LINE_TOO_LONG : LINE_TOO_LONG);
  const argument = space === -1 ? undefined : line.subarray(space + 1);
  if (argument !== undefined && argument.some((byte) => byte < 0x20 || byte === 0x7f)) {
    return err(syntaxError('Control characters are not allowed in commands'));
  }
  switch (verb) {
    case 'EHLO':
    case 'HELO':
      return parseHello(verb, argument);
    case 'MAIL':
      return withText(argument, (text) => parseMail(text, options));
    case 'RCPT':
      return withText(argument, (text) => parseRcpt(text, options));
    case 'DATA':
    case 'RSET':
    case 'QUIT':
    case 'STARTTLS':
      // RFC 5321 §4.1.1.4/5/10, RFC 3207 §4: no argument.
      return argument === undefined ? ok({ verb }) : err(syntaxError(`Syntax: ${verb}`));
    case 'NOOP':
      // RFC 5321 §4.1.1.9: NOOP [ SP String ]; the string is ignored.
      return ok({ verb });
    case 'BDAT':
      return parseBdat(argument);
    case 'AUTH':
      return parseAuth(argument);
    case 'VRFY':
    case 'EXPN':
      return withText(argument, (text) => parseVerify(verb, text, options));
    case 'HELP':
      return withText(argument, (text) => ok(text === '' ? { verb } : { verb, argument: text }));
  }
}

function toVerb(bytes: Uint8Array): Verb | undefined {
  if (bytes.length < 4 || bytes.length > 8) return undefined;
  for (const byte of bytes) if (!((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a))) return undefined;
  const verb = asciiUpper(asciiText(bytes));
  switch (verb) {
    case 'EHLO':
    case 'HELO':
    case 'MAIL':
    case 'RCPT':
    case 'DATA':
    case 'BDAT':
    case 'RSET':
    case 'NOOP':
    case 'QUIT':
    case 'STARTTLS':
    case 'AUTH':
    case 'VRFY':
    case 'EXPN':
    case 'HELP':
      return verb;
    default:
      return undefined;
  }
}

/** Longest line, CRLF included, accepted for the verb. */
export function lineLimit(verb: Verb): number {
  switch (verb) {
    case 'MAIL':
    case 'RCPT':
      return MAX_EXTENDED_COMMAND_LINE_OCTETS;
    case 'AUTH':
      return MAX_AUTH_COMMAND_LINE_OCTETS;
    default:
      return MAX_COMMAND_LINE_OCTETS;
  }
}

/** Decodes the argument (absent: ""): ASCII, or strict UTF-8 (RFC 3629). */
function withText(argument: Uint8Array | undefined, parse: (text: string) => Parsed): Parsed {
  if (argument === undefined) return parse('');
  if (isAsciiBytes(argument)) return parse(asciiText(argument));
  const text = decodeUtf8(argument);
  return text === undefined ? err(syntaxError('Invalid UTF-8 in command')) : parse(text);
}

/** RFC 5321 §4.1.1.1: "EHLO" SP ( Domain / address-literal ); ASCII only (RFC 6531 §3.7.1). */
function parseHello(verb: 'EHLO' | 'HELO', argument: Uint8Array | undefined): Parsed {
  if (argument === undefined || argument.length === 0) return err(syntaxError(`Syntax: ${verb} hostname`));
  if (!isAsciiBytes(argument)) return err(syntaxError(`${verb}: the hostname must be ASCII (A-labels)`));
  const domain = asciiText(argument);
  const valid = domain.startsWith('[') ? addressLiteralKind(domain) !== undefined : isDomain(domain, { utf8: false });
  return valid ? ok({ verb, domain }) : err(syntaxError(`${verb}: invalid hostname or address literal`));
}

type SplitPath =
  | { readonly kind: 'ok'; readonly path: string; readonly params: string }
  | { readonly kind: 'no-path' }
  | { readonly kind: 'bad-params' };

/** Splits "<path>[ params]" after the "FROM:"/"TO:" prefix. */
function splitPath(text: string, prefix: number): SplitPath {
  // Deliberate deviation (path.ts): one space tolerated after the colon.
  const start = text[prefix] === ' ' ? prefix + 1 : prefix;
  const end = pathEnd(text, start);
  if (end === -1) return { kind: 'no-path' };
  if (end === text.length) return { kind: 'ok', path: text.slice(prefix, end), params: '' };
  // RFC 5321 §4.1.2: Mail-parameters and Rcpt-parameters follow a single SP.
  if (text[end] !== ' ' || end + 1 === text.length) return { kind: 'bad-params' };
  return { kind: 'ok', path: text.slice(prefix, end), params: text.slice(end + 1) };
}

/** RFC 5321 §4.1.1.2: "MAIL FROM:" Reverse-path [SP Mail-parameters]. */
function parseMail(text: string, options: CommandOptions): Parsed {
  if (!/^from:/i.test(text)) return err(syntaxError('Syntax: MAIL FROM:<address>'));
  const parts = splitPath(text, 'FROM:'.length);
  if (parts.kind === 'no-path') return err(badSender('Syntax: MAIL FROM:<address> (angle brackets required)'));
  if (parts.kind === 'bad-params') return err(syntaxError('Syntax error in parameters'));
  const params = parseMailParams(parts.params);
  if (!params.ok) return params;
  // RFC 5321 §4.1.1.11: a parameter of an extension the session does not offer is not recognized.
  if (params.value.smtputf8 === true && !options.utf8Permitted) return err(unknownParameter('SMTPUTF8 is not available'));
  // RFC 6531 §3.4: the SMTPUTF8 parameter permits UTF-8 in this command's own path.
  const path = parseReversePath(parts.path, { utf8: params.value.smtputf8 === true });
  if (!path.ok) return err(pathError('MAIL', path.error));
  return ok({ verb: 'MAIL', path: path.value, params: params.value });
}

/** RFC 5321 §4.1.1.3: "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path ) [SP Rcpt-parameters]. */
function parseRcpt(text: string, options: CommandOptions): Parsed {
  if (!/^to:/i.test(text)) return err(syntaxError('Syntax: RCPT TO:<address>'));
  const parts = splitPath(text, 'TO:'.length);
  if (parts.kind === 'no-path') return err(badRecipient('Syntax: RCPT TO:<address> (angle brackets required)'));
  if (parts.kind === 'bad-params') return err(syntaxError('Syntax error in parameters'));
  const utf8 = options.utf8Permitted && options.smtputf8Transaction !== false;
  const params = parseRcptParams(parts.params, { utf8 });
  if (!params.ok) return params;
  const path = parseForwardPath(parts.path, { utf8 });
  if (!path.ok) return err(pathError('RCPT', path.error));
  return ok({ verb: 'RCPT', path: path.value, params: params.value });
}

function pathError(command: 'MAIL' | 'RCPT', error: PathError): CommandError {
  if (error.reason === 'non-ascii') return nonAsciiAddress(command);
  // RFC 5321 §4.5.3.1.10: "501 Path too long"; otherwise a syntax error in the address.
  const text = error.reason === 'too-long' ? `Path too long: ${error.message}` : `Bad address syntax: ${error.message}`;
  return command === 'MAIL' ? badSender(text) : badRecipient(text);
}

/** RFC 3030 §2: "BDAT" SP chunk-size [ SP end-marker ]; chunk-size = 1*DIGIT; end-marker = "LAST". */
function parseBdat(argument: Uint8Array | undefined): Parsed {
  const text = argument === undefined || !isAsciiBytes(argument) ? '' : asciiText(argument);
  const match = /^([0-9]+)( [Ll][Aa][Ss][Tt])?$/.exec(text);
  const digits = match?.[1]?.replace(/^0+(?=[0-9])/, '');
  if (match === null || digits === undefined) return err(syntaxError('Syntax: BDAT chunk-size [LAST]'));
  // Bounded before converting, so no digit string is too long to compare.
  if (digits.length > String(MAX_BDAT_CHUNK_OCTETS).length || Number(digits) > MAX_BDAT_CHUNK_OCTETS) {
    return err(syntaxError(`BDAT chunk-size larger than ${MAX_BDAT_CHUNK_OCTETS}`));
  }
  return ok({ verb: 'BDAT', size: Number(digits), last: match[2] !== undefined });
}

/** RFC 4954 §4: "AUTH" SP sasl-mech [SP initial-response]; initial-response = base64 / "=". */
function parseAuth(argument: Uint8Array | undefined): Parsed {
  const text = argument === undefined || !isAsciiBytes(argument) ? '' : asciiText(argument);
  const words = text.split(' ');
  const [mechanism, initialResponse, extra] = words;
  if (mechanism === undefined || !SASL_MECHANISM.test(mechanism) || extra !== undefined) {
    return err(syntaxError('Syntax: AUTH mechanism [initial-response]'));
  }
  if (initialResponse === undefined) return ok({ verb: 'AUTH', mechanism: asciiUpper(mechanism) });
  if (!/^(?:[A-Za-z0-9+/]+={0,2}|=)$/.test(initialResponse)) {
    // RFC 4954 §4: a response that cannot be BASE64-decoded gets 501 (X.5.2).
    return err(syntaxError('Invalid base64 in the initial response'));
  }
  return ok({ verb: 'AUTH', mechanism: asciiUpper(mechanism), initialResponse });
}

/** RFC 5321 §4.1.1.6-7: "VRFY"/"EXPN" SP String; RFC 6531 §3.7.4.2: [ SP "SMTPUTF8" ]. */
function parseVerify(verb: 'VRFY' | 'EXPN', text: string, options: CommandOptions): Parsed {
  const suffix = / SMTPUTF8$/i.exec(text);
  const argument = suffix === null ? text : text.slice(0, suffix.index);
  const smtputf8 = suffix !== null;
  if (argument === '' || argument.startsWith(' ')) return err(syntaxError(`Syntax: ${verb} address`));
  if (CONTROL_CHARACTER.test(argument)) return err(syntaxError('Control characters are not allowed in commands'));
  if (smtputf8 && !options.utf8Permitted) return err(badParameter('SMTPUTF8 is not available'));
  if (hasNonAscii(argument) && !options.utf8Permitted) return err(nonAsciiAddress(verb));
  return ok({ verb, argument, smtputf8 });
}
