// A session's view of its maildrop (the INBOX): the snapshot taken at login, numbered 1..n in
// UID order, with the marks DELE sets and RSET clears and the record of what RETR retrieved.
// Pure: storage is read before (the snapshot) and written after (UPDATE) by the handlers.
// Input it does not trust: message numbers, already parsed and bounded by the wire layer.
//
// Standards: RFC 1939 §5 (message numbers stay fixed for the session; messages marked deleted
// are not counted by STAT or listed by LIST and may not be referred to), §7 UIDL (a unique-id
// is 1 to 70 characters 0x21-0x7E, the same for a message across sessions), RFC 2449 §6.7
// (EXPIRE 0: retrieved messages are removed at QUIT as though deleted).

import type { AccountId, MailboxId, MessageRecord } from '../../../storage/api.ts';

export interface MaildropMessage {
  readonly number: number;
  readonly uid: number;
  /** Stored size: the exact octet count of the CRLF form the message is stored in. */
  readonly size: number;
  readonly blobId: string;
  deleted: boolean;
  retrieved: boolean;
}

export type Lookup = { readonly ok: true; readonly message: MaildropMessage } | { readonly ok: false; readonly reason: 'no-such-message' | 'deleted' };

export class Maildrop {
  readonly accountId: AccountId;
  readonly mailboxId: MailboxId;
  readonly uidValidity: number;
  readonly #messages: MaildropMessage[];

  constructor(accountId: AccountId, mailbox: { readonly id: MailboxId; readonly uidValidity: number }, records: readonly Pick<MessageRecord, 'uid' | 'size' | 'blobId'>[]) {
    this.accountId = accountId;
    this.mailboxId = mailbox.id;
    this.uidValidity = mailbox.uidValidity;
    this.#messages = [...records]
      .sort((a, b) => a.uid - b.uid)
      .map((record, index) => ({ number: index + 1, uid: record.uid, size: record.size, blobId: record.blobId, deleted: false, retrieved: false }));
  }

  /** Messages in the snapshot, deleted or not. */
  get count(): number {
    return this.#messages.length;
  }

  /** RFC 1939 §5: a message that exists in the snapshot and is not marked deleted. */
  lookup(number: number): Lookup {
    const message = this.#messages[number - 1];
    if (message === undefined) return { ok: false, reason: 'no-such-message' };
    return message.deleted ? { ok: false, reason: 'deleted' } : { ok: true, message };
  }

  /** Messages not marked deleted, in number order. */
  listed(): MaildropMessage[] {
    return this.#messages.filter((message) => !message.deleted);
  }

  /** RFC 1939 §5 STAT: count and octets of the messages not marked deleted. */
  stat(): { readonly messages: number; readonly octets: number } {
    const listed = this.listed();
    return { messages: listed.length, octets: listed.reduce((sum, message) => sum + message.size, 0) };
  }

  /** RFC 1939 §7: "<uidvalidity>.<uid>", stable while the INBOX keeps its UIDVALIDITY (forever). */
  uniqueId(message: MaildropMessage): string {
    return `${this.uidValidity}.${message.uid}`;
  }

  /** RFC 1939 §5 RSET: unmarks every message. */
  reset(): void {
    for (const message of this.#messages) message.deleted = false;
  }

  /** The UIDs UPDATE removes: the messages marked deleted, and with EXPIRE 0 those retrieved. */
  toRemove(expireRetrieved: boolean): number[] {
    return this.#messages.filter((message) => message.deleted || (expireRetrieved && message.retrieved)).map((message) => message.uid);
  }

  get retrievedCount(): number {
    return this.#messages.filter((message) => message.retrieved).length;
  }
}
