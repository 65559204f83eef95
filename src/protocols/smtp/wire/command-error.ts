// The replies a command parse error carries, so the server answers every malformed command
// the same way. Pure data. Reply texts never echo client input.
//
// Standards: RFC 5321 §4.2.4 (500 unrecognized, 501 syntax error in parameters or arguments,
// 555 MAIL/RCPT parameters not recognized: §4.1.1.11), RFC 3463 §3.6 (X.5.1 invalid command,
// X.5.2 syntax error, X.5.4 invalid command arguments) and §3.2 (X.1.3 bad destination
// mailbox address syntax, X.1.7 bad sender's mailbox address syntax), RFC 5248 registry
// (X.5.6 is reserved to the AUTH exchange by RFC 4954 §4), RFC 6531 §3.5 (X.6.7 with 550 for
// MAIL and 553 for RCPT).

export interface CommandError {
  readonly code: number;
  readonly enhanced: string;
  readonly text: string;
}

export function reply(code: number, enhanced: string, text: string): CommandError {
  return { code, enhanced, text };
}

/** RFC 5321 §4.2.4 / RFC 3463 X.5.1: the verb is not one we know. */
export const UNRECOGNIZED_COMMAND = reply(500, '5.5.1', 'Command not recognized');

/**
 * RFC 5321 §4.5.3.1.10 "500 Line too long". The registry has no general "line too long"
 * detail (RFC 5248: X.5.6 is the AUTH exchange's), so RFC 3463 X.5.2 "Syntax error".
 */
export const LINE_TOO_LONG = reply(500, '5.5.2', 'Line too long');

/** RFC 4954 §4: an AUTH command or SASL response line over the limit, 500 with X.5.6. */
export const AUTH_LINE_TOO_LONG = reply(500, '5.5.6', 'Authentication Exchange line is too long');

/** RFC 5321 §2.3.8: a command line ended by LF alone. */
export const BARE_LF_IN_COMMAND = reply(500, '5.5.2', 'Command lines must end with CRLF');

export function syntaxError(text: string): CommandError {
  return reply(501, '5.5.2', text);
}

/** RFC 5321 §4.1.1.11: 555 when a MAIL or RCPT parameter is not recognized. */
export function unknownParameter(text: string): CommandError {
  return reply(555, '5.5.4', text);
}

/** A recognized parameter with a bad, missing or repeated value. */
export function badParameter(text: string): CommandError {
  return reply(501, '5.5.4', text);
}

/** RFC 3463 §3.2 X.1.7: bad sender's mailbox address syntax. */
export function badSender(text: string): CommandError {
  return reply(501, '5.1.7', text);
}

/** RFC 3463 §3.2 X.1.3: bad destination mailbox address syntax. */
export function badRecipient(text: string): CommandError {
  return reply(501, '5.1.3', text);
}

/** RFC 6531 §3.5: 550 X.6.7 for MAIL, 553 X.6.7 for RCPT (and for VRFY/EXPN arguments). */
export function nonAsciiAddress(command: 'MAIL' | 'RCPT' | 'VRFY' | 'EXPN'): CommandError {
  return reply(command === 'MAIL' ? 550 : 553, '5.6.7', 'Non-ASCII addresses not permitted without SMTPUTF8');
}
