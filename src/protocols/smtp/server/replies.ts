// SMTP replies the server sends (RFC 5321 §4.2, enhanced status codes per RFC 3463 and the
// RFC 5248 registry), and the one table that maps storage's protocol-neutral errors to them
// (house rule 5).

import type { MailError, MailErrorCode } from '../../../storage/mail-error.ts';

export interface Reply {
  readonly code: number;
  readonly enhanced?: string;
  readonly lines: readonly string[];
}

export function reply(code: number, enhanced: string, ...lines: string[]): Reply {
  return { code, enhanced, lines: lines.length > 0 ? lines : [''] };
}

export const OK = reply(250, '2.0.0', 'Ok');
export const BAD_SEQUENCE = (what: string) => reply(503, '5.5.1', `Bad sequence of commands: ${what}`);
export const TOO_MANY_ERRORS = reply(421, '4.7.0', 'Too many errors; closing the connection');
export const TIMEOUT = reply(421, '4.4.2', 'Timeout; closing the connection');
export const IMPROPER_PIPELINING = reply(554, '5.5.0', 'Improper command pipelining; closing the connection (RFC 2920)');
export const EARLY_TALKER = reply(554, '5.5.0', 'You talked before my greeting; closing the connection (RFC 5321 §4.3.1)');
export const SHUTTING_DOWN = reply(421, '4.3.2', 'Service shutting down; try again later');
export const TEMPORARY_FAILURE = reply(451, '4.3.0', 'Temporary failure; try again later');

/** After a message: what each storage error means to the sender. */
const MAIL_ERROR_REPLIES: Readonly<Record<MailErrorCode, Reply>> = {
  'over-quota': reply(452, '4.2.2', 'Mailbox full; try again later'),
  limit: reply(452, '4.3.1', 'Insufficient system storage; try again later'),
  nonexistent: reply(451, '4.3.0', 'Recipient mailbox unavailable; try again later'),
  unavailable: reply(451, '4.3.0', 'Temporary local problem; try again later'),
  invalid: reply(554, '5.6.0', 'Message refused'),
  'already-exists': reply(451, '4.3.0', 'Temporary local problem; try again later'),
  'in-use': reply(451, '4.3.0', 'Temporary local problem; try again later'),
  cannot: reply(451, '4.3.0', 'Temporary local problem; try again later'),
  modified: reply(451, '4.3.0', 'Temporary local problem; try again later'),
};

export function mailErrorReply(error: MailError): Reply {
  return MAIL_ERROR_REPLIES[error.code];
}
