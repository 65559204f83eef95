// The POP3 replies the server sends, and the one table that maps storage's protocol-neutral
// errors to them (house rule 5). Texts never echo client input.
//
// Standards: RFC 1939 §3 (+OK / -ERR), RFC 2449 §8 (response codes: §8.1.1 LOGIN-DELAY,
// §8.1.2 IN-USE), RFC 3206 §4 (SYS/TEMP, SYS/PERM) and §5 (AUTH), RFC 2595 §4 (STLS replies).

import type { MailError, MailErrorCode } from '../../../storage/mail-error.ts';
import type { ResponseCode, Status } from '../wire/response.ts';

export interface Reply {
  readonly status: Status;
  /** The encoded body of a multi-line response, its termination line included. */
  readonly body?: Uint8Array;
}

export function ok(text: string, body?: Uint8Array): Reply {
  return body === undefined ? { status: { ok: true, text } } : { status: { ok: true, text }, body };
}

export function error(text: string, code?: ResponseCode): Reply {
  return { status: code === undefined ? { ok: false, text } : { ok: false, code, text } };
}

export const GREETING = ok('Postwarden POP3 server ready');
export const SIGNING_OFF = ok('Postwarden POP3 server signing off');
export const WRONG_STATE = error('Command not valid in this state');
export const INTERNAL_ERROR = error('Internal error; try again later', 'SYS/TEMP');
export const SHUTTING_DOWN = error('Server shutting down; try again later', 'SYS/TEMP');
export const TOO_MANY_CONNECTIONS = error('Too many connections from your network; try again later', 'SYS/TEMP');
export const TOO_MANY_INVALID_COMMANDS = error('Too many invalid commands; closing the connection');
export const BARE_LF = error('Command lines must end with CRLF');
/** RFC 3206 §5 [AUTH] (as Dovecot words it): no credentials in the clear. */
export const TLS_REQUIRED = error('Plaintext authentication is not allowed without TLS; use STLS first', 'AUTH');
/** RFC 2595 §4. */
export const TLS_ACTIVE = error('Command not permitted when TLS active');
export const BEGIN_TLS = ok('Begin TLS negotiation');
/** RFC 3206 §5: an unknown user and a wrong password get this same reply. */
export const AUTH_FAILED = error('Authentication failed', 'AUTH');
/** RFC 3206 §4: lockouts and storage trouble during a login. */
export const AUTH_TEMPORARY = error('Temporary authentication failure; try again later', 'SYS/TEMP');
/** RFC 2449 §8.1.2. */
export const IN_USE = error('Maildrop locked: do you have another POP session running?', 'IN-USE');
export const LOCK_LOST = error('The maildrop lock was lost; nothing was deleted', 'SYS/TEMP');
export const NO_SUCH_MESSAGE = error('No such message');
export const MESSAGE_DELETED = error('Message is marked deleted');
export const MESSAGE_GONE = error('Message was removed by another client');

/** RFC 2449 §8.1.1. */
export function loginDelay(seconds: number): Reply {
  return error(`Logins are allowed once every ${seconds} seconds`, 'LOGIN-DELAY');
}

/** What each storage error means to a POP3 client. */
const MAIL_ERROR_REPLIES: Readonly<Record<MailErrorCode, Reply>> = {
  nonexistent: error('The maildrop or message no longer exists', 'SYS/PERM'),
  unavailable: error('Temporary storage failure; try again later', 'SYS/TEMP'),
  'over-quota': error('Temporary local problem; try again later', 'SYS/TEMP'),
  limit: error('Temporary local problem; try again later', 'SYS/TEMP'),
  invalid: error('Temporary local problem; try again later', 'SYS/TEMP'),
  'already-exists': error('Temporary local problem; try again later', 'SYS/TEMP'),
  'in-use': error('Temporary local problem; try again later', 'SYS/TEMP'),
  cannot: error('Temporary local problem; try again later', 'SYS/TEMP'),
  modified: error('Temporary local problem; try again later', 'SYS/TEMP'),
};

export function mailErrorReply(failure: MailError): Reply {
  return MAIL_ERROR_REPLIES[failure.code];
}
