// INBOX's mailbox id per account, remembered once read. Deliveries need it for every message
// (on PostgreSQL each lookup was a round trip), and it cannot change while the account exists:
// INBOX cannot be deleted, renaming it moves its messages to a new mailbox and keeps INBOX
// (RFC 9051 §6.3.6, mailboxes.ts), and mailbox ids are never reused (AUTOINCREMENT, identity
// columns). An entry for an account deleted by another process stays until evicted; appends to
// that mailbox are refused (its account is gone), as they would be without the entry.

import type { AccountId, MailboxId } from '../api.ts';
import type { StoreContext } from './context.ts';
import { getMailbox } from './mailboxes.ts';

/** Accounts remembered; the oldest entry goes first. */
export const MAX_REMEMBERED_INBOXES = 10_000;

export class InboxIds {
  private readonly known = new Map<AccountId, MailboxId>();

  async get(ctx: StoreContext, accountId: AccountId): Promise<MailboxId | undefined> {
    const known = this.known.get(accountId);
    if (known !== undefined) return known;
    const inbox = await getMailbox(ctx, accountId, 'INBOX');
    if (!inbox) return undefined;
    if (this.known.size >= MAX_REMEMBERED_INBOXES) this.known.delete(this.known.keys().next().value as AccountId);
    this.known.set(accountId, inbox.id);
    return inbox.id;
  }

  forget(accountId: AccountId): void {
    this.known.delete(accountId);
  }
}
