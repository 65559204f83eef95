// Mailboxes and subscriptions of one account. Every query is scoped by account id.
// RFC 9051 §6.3.4 CREATE, §6.3.5 DELETE, §6.3.6 RENAME (children follow; renaming INBOX moves
// its messages to a new mailbox and leaves INBOX empty), §6.3.7 SUBSCRIBE.

import { err, ok, type Result } from '../../core/result.ts';
import type { AccountId, Mailbox, MailboxId, MailboxStatus, SpecialUse } from '../api.ts';
import { DELETED_BIT, SEEN_BIT } from '../flags.ts';
import { mailError, type MailError } from '../mail-error.ts';
import { HIERARCHY_DELIMITER, isInbox, normalizeMailboxName } from '../mailbox-name.ts';
import type { StoreContext } from './context.ts';
import { writeOrRollback, type SqlQueries, type SqlTransaction } from './driver.ts';
import { dropMessages, lockMailboxes } from './message-rows.ts';
import { MAILBOX_COLUMNS, toMailbox, type MailboxRow } from './rows.ts';
import { nextUidValidity } from './uid-validity.ts';

const SPECIAL_USES: ReadonlySet<string> = new Set(['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash']);

function checkedName(name: string): Result<string, MailError> {
  const normalized = normalizeMailboxName(name);
  return normalized.ok ? normalized : err(mailError('invalid', normalized.error));
}

export async function findMailbox(q: SqlQueries, accountId: AccountId, name: string): Promise<MailboxRow | undefined> {
  return q.get<MailboxRow>(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE account_id = ? AND name = ?`, [accountId, name]);
}

export async function findMailboxById(q: SqlQueries, accountId: AccountId, id: MailboxId): Promise<MailboxRow | undefined> {
  return q.get<MailboxRow>(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE account_id = ? AND id = ?`, [accountId, id]);
}

export function noMailbox(what: string | number): MailError {
  return mailError('nonexistent', typeof what === 'number' ? `there is no mailbox with id ${what}` : `there is no mailbox "${what}"`);
}

export async function listMailboxes(ctx: StoreContext, accountId: AccountId): Promise<Mailbox[]> {
  const rows = await ctx.driver.read((q) =>
    q.all<MailboxRow>(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE account_id = ? ORDER BY name`, [accountId]),
  );
  return rows.map(toMailbox);
}

export async function getMailbox(ctx: StoreContext, accountId: AccountId, name: string): Promise<Mailbox | undefined> {
  const normalized = normalizeMailboxName(name);
  if (!normalized.ok) return undefined;
  const row = await ctx.driver.read((q) => findMailbox(q, accountId, normalized.value));
  return row && toMailbox(row);
}

export async function getMailboxById(ctx: StoreContext, accountId: AccountId, id: MailboxId): Promise<Mailbox | undefined> {
  const row = await ctx.driver.read((q) => findMailboxById(q, accountId, id));
  return row && toMailbox(row);
}

async function insertMailbox(ctx: StoreContext, tx: SqlTransaction, accountId: AccountId, name: string, specialUse: SpecialUse | null): Promise<MailboxRow | undefined> {
  const now = ctx.clock.now();
  return tx.get<MailboxRow>(
    `INSERT INTO mailboxes (account_id, name, special_use, uid_validity, uid_next, highest_modseq, created_at)
     VALUES (?, ?, ?, ?, 1, 1, ?) ON CONFLICT (account_id, name) DO NOTHING RETURNING ${MAILBOX_COLUMNS}`,
    [accountId, name, specialUse, await nextUidValidity(tx, now), now],
  );
}

export async function createMailbox(
  ctx: StoreContext,
  accountId: AccountId,
  input: string,
  specialUse: SpecialUse | null = null,
): Promise<Result<Mailbox, MailError>> {
  const name = checkedName(input);
  if (!name.ok) return name;
  if (specialUse !== null && !SPECIAL_USES.has(specialUse)) return err(mailError('invalid', `${specialUse} is not a special-use attribute`));
  return writeOrRollback(ctx.driver, async (tx) => {
    const account = await tx.get('SELECT 1 AS one FROM accounts WHERE id = ?', [accountId]);
    if (!account) return err(mailError('nonexistent', `there is no account with id ${accountId}`));
    const row = await insertMailbox(ctx, tx, accountId, name.value, specialUse);
    if (!row) return err(mailError('already-exists', `the mailbox "${name.value}" exists already`));
    await ctx.events.publish(tx, { accountId, mailboxId: row.id, modSeq: row.highest_modseq, kind: 'mailbox' });
    return ok(toMailbox(row));
  });
}

export async function renameMailbox(ctx: StoreContext, accountId: AccountId, fromInput: string, toInput: string): Promise<Result<void, MailError>> {
  const from = checkedName(fromInput);
  if (!from.ok) return from;
  const to = checkedName(toInput);
  if (!to.ok) return to;
  if (from.value === to.value) return err(mailError('already-exists', `the mailbox "${to.value}" exists already`));
  if (to.value.startsWith(from.value + HIERARCHY_DELIMITER)) {
    return err(mailError('invalid', `a mailbox cannot be renamed into its own child "${to.value}"`));
  }
  return writeOrRollback(ctx.driver, async (tx) => {
    const source = await findMailbox(tx, accountId, from.value);
    if (!source) return err(noMailbox(from.value));
    if (isInbox(source.name)) return renameInbox(ctx, tx, accountId, source, to.value);
    const all = await tx.all<{ id: number; name: string }>('SELECT id, name FROM mailboxes WHERE account_id = ?', [accountId]);
    const existing = new Set(all.map((m) => m.name));
    const prefix = from.value + HIERARCHY_DELIMITER;
    const moves = all
      .filter((m) => m.name === from.value || m.name.startsWith(prefix))
      .map((m) => ({ id: m.id, oldName: m.name, newName: to.value + m.name.slice(from.value.length) }));
    for (const move of moves) {
      if (existing.has(move.newName)) return err(mailError('already-exists', `the mailbox "${move.newName}" exists already`));
      const valid = normalizeMailboxName(move.newName);
      if (!valid.ok) return err(mailError('invalid', valid.error));
    }
    for (const move of moves) {
      await tx.run('UPDATE mailboxes SET name = ? WHERE id = ? AND account_id = ?', [move.newName, move.id, accountId]);
      const subscribed = await tx.run('DELETE FROM subscriptions WHERE account_id = ? AND name = ?', [accountId, move.oldName]);
      if (subscribed.changes > 0) {
        await tx.run('INSERT INTO subscriptions (account_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING', [accountId, move.newName]);
      }
      await ctx.events.publish(tx, { accountId, mailboxId: move.id, modSeq: source.highest_modseq, kind: 'mailbox' });
    }
    return ok(undefined);
  });
}

/** RFC 9051 §6.3.6: INBOX's messages move to a new mailbox; INBOX stays, empty, same UIDVALIDITY. */
async function renameInbox(ctx: StoreContext, tx: SqlTransaction, accountId: AccountId, unlocked: MailboxRow, to: string): Promise<Result<void, MailError>> {
  await lockMailboxes(tx, accountId, [unlocked.id]);
  const inbox = (await findMailboxById(tx, accountId, unlocked.id)) ?? unlocked;
  const target = await insertMailbox(ctx, tx, accountId, to, null);
  if (!target) return err(mailError('already-exists', `the mailbox "${to}" exists already`));
  const bump = await tx.get<{ highest_modseq: number }>(
    'UPDATE mailboxes SET highest_modseq = highest_modseq + 1 WHERE id = ? RETURNING highest_modseq',
    [inbox.id],
  );
  const modSeq = bump?.highest_modseq ?? inbox.highest_modseq + 1;
  await tx.run('INSERT INTO expunged (mailbox_id, uid, modseq) SELECT ?, uid, ? FROM messages WHERE mailbox_id = ?', [inbox.id, modSeq, inbox.id]);
  await tx.run('UPDATE messages SET mailbox_id = ? WHERE mailbox_id = ?', [target.id, inbox.id]);
  await tx.run('UPDATE mailboxes SET uid_next = ?, highest_modseq = ? WHERE id = ?', [inbox.uid_next, modSeq, target.id]);
  await ctx.events.publish(tx, { accountId, mailboxId: inbox.id, modSeq, kind: 'expunge' });
  await ctx.events.publish(tx, { accountId, mailboxId: target.id, modSeq, kind: 'mailbox' });
  return ok(undefined);
}

export async function deleteMailbox(ctx: StoreContext, accountId: AccountId, input: string): Promise<Result<void, MailError>> {
  const name = checkedName(input);
  if (!name.ok) return name;
  if (isInbox(name.value)) return err(mailError('cannot', 'INBOX cannot be deleted'));
  return writeOrRollback(ctx.driver, async (tx) => {
    const mailbox = await findMailbox(tx, accountId, name.value);
    if (!mailbox || !(await lockMailboxes(tx, accountId, [mailbox.id]))) return err(noMailbox(name.value));
    await dropMessages(ctx, tx, accountId, mailbox.id, undefined);
    await tx.run('DELETE FROM mailboxes WHERE id = ? AND account_id = ?', [mailbox.id, accountId]);
    await ctx.events.publish(tx, { accountId, mailboxId: mailbox.id, modSeq: mailbox.highest_modseq + 1, kind: 'mailbox' });
    return ok(undefined);
  });
}

export async function mailboxStatus(ctx: StoreContext, accountId: AccountId, mailboxId: MailboxId): Promise<Result<MailboxStatus, MailError>> {
  return ctx.driver.read(async (q) => {
    const mailbox = await findMailboxById(q, accountId, mailboxId);
    if (!mailbox) return err(noMailbox(mailboxId));
    const first = await q.get<{ first_recent_uid: number }>('SELECT first_recent_uid FROM mailboxes WHERE id = ?', [mailboxId]);
    const counts = await q.get<{ messages: number; recent: number | null; unseen: number | null; deleted: number | null; size: number | null }>(
      `SELECT COUNT(*) AS messages,
              SUM(CASE WHEN uid >= ${Number(first?.first_recent_uid ?? 1)} THEN 1 ELSE 0 END) AS recent,
              SUM(CASE WHEN (flags & ${SEEN_BIT}) = 0 THEN 1 ELSE 0 END) AS unseen,
              SUM(CASE WHEN (flags & ${DELETED_BIT}) <> 0 THEN 1 ELSE 0 END) AS deleted,
              SUM(size) AS size
       FROM messages WHERE mailbox_id = ?`,
      [mailboxId],
    );
    return ok({
      messages: Number(counts?.messages ?? 0),
      recent: Number(counts?.recent ?? 0),
      unseen: Number(counts?.unseen ?? 0),
      deleted: Number(counts?.deleted ?? 0),
      size: Number(counts?.size ?? 0),
      uidNext: mailbox.uid_next,
      uidValidity: mailbox.uid_validity,
      highestModSeq: mailbox.highest_modseq,
    });
  });
}

export async function listSubscriptions(ctx: StoreContext, accountId: AccountId): Promise<string[]> {
  const rows = await ctx.driver.read((q) => q.all<{ name: string }>('SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name', [accountId]));
  return rows.map((row) => row.name);
}

export async function setSubscribed(ctx: StoreContext, accountId: AccountId, input: string, subscribed: boolean): Promise<Result<void, MailError>> {
  const name = checkedName(input);
  if (!name.ok) return name;
  return writeOrRollback(ctx.driver, async (tx) => {
    const account = await tx.get('SELECT 1 AS one FROM accounts WHERE id = ?', [accountId]);
    if (!account) return err(mailError('nonexistent', `there is no account with id ${accountId}`));
    if (subscribed) {
      await tx.run('INSERT INTO subscriptions (account_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING', [accountId, name.value]);
    } else {
      await tx.run('DELETE FROM subscriptions WHERE account_id = ? AND name = ?', [accountId, name.value]);
    }
    return ok(undefined);
  });
}

export async function claimRecent(ctx: StoreContext, accountId: AccountId, mailboxId: MailboxId, uidNext: number): Promise<Result<number, MailError>> {
  return writeOrRollback(ctx.driver, async (tx) => {
    // The row lock makes read-then-update atomic: two sessions never both get the same messages as recent.
    if (!(await lockMailboxes(tx, accountId, [mailboxId]))) return err(noMailbox(mailboxId));
    const before = await tx.get<{ first_recent_uid: number }>('SELECT first_recent_uid FROM mailboxes WHERE id = ? AND account_id = ?', [mailboxId, accountId]);
    if (!before) return err(noMailbox(mailboxId));
    if (uidNext > before.first_recent_uid) {
      await tx.run('UPDATE mailboxes SET first_recent_uid = ? WHERE id = ? AND account_id = ? AND first_recent_uid < ?', [uidNext, mailboxId, accountId, uidNext]);
    }
    return ok(before.first_recent_uid);
  });
}
