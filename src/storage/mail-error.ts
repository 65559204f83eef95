// Protocol-neutral storage errors (house rule 5). Storage returns these as values; each
// protocol maps them to its replies in one table (IMAP response codes per RFC 5530, SMTP
// enhanced status codes per RFC 3463, POP3 response codes per RFC 2449/3206).

export type MailErrorCode =
  /** The named domain, account, mailbox or message does not exist. */
  | 'nonexistent'
  /** A domain, account, alias or mailbox with that name exists already. */
  | 'already-exists'
  /** The operation would take the account over its quota. */
  | 'over-quota'
  /** The name or value is not acceptable (syntax, reserved name). */
  | 'invalid'
  /** The object cannot be removed or renamed while it has dependants (children, accounts). */
  | 'in-use'
  /** The operation is not allowed on this object (e.g. deleting INBOX). */
  | 'cannot'
  /** A limit would be exceeded (keywords per message, and the like). */
  | 'limit'
  /** A CONDSTORE/QRESYNC precondition failed: the object changed since the given modseq. */
  | 'modified'
  /** A transient failure (database unavailable, lock timeout); retrying later may succeed. */
  | 'unavailable';

export interface MailError {
  readonly code: MailErrorCode;
  /** A human-readable sentence for logs and protocol replies; never contains secrets. */
  readonly message: string;
}

export function mailError(code: MailErrorCode, message: string): MailError {
  return { code, message };
}
