// Storage errors as IMAP tagged responses (house rule 5, one table): RFC 5530 response codes
// and RFC 7162 MODIFIED. Every storage error becomes NO with its code; nothing reaches a client
// as an exception (a bug is answered NO [SERVERBUG], RFC 5530 §3).

import type { MailError, MailErrorCode } from '../../../storage/mail-error.ts';

export interface TaggedNo {
  readonly code: string;
  readonly text: string;
}

const CODES: Readonly<Record<MailErrorCode, string>> = {
  nonexistent: 'NONEXISTENT',
  'already-exists': 'ALREADYEXISTS',
  'over-quota': 'OVERQUOTA',
  invalid: 'CANNOT',
  'in-use': 'INUSE',
  cannot: 'CANNOT',
  modified: 'CANNOT',
  limit: 'LIMIT',
  unavailable: 'UNAVAILABLE',
};

export function mailErrorResponse(error: MailError): TaggedNo {
  return { code: CODES[error.code], text: error.message };
}

export const SERVER_BUG: TaggedNo = { code: 'SERVERBUG', text: 'Internal error; the command was not completed' };
