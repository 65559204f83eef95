// Message reads: listings by UID range or MODSEQ, message bytes, changes since a MODSEQ
// (RFC 7162 CONDSTORE/QRESYNC), and quota usage (RFC 9208). Bytes and caches are opened with
// the account's key; a blob that fails its AES-GCM check is reported, never served.

import { err, ok, type Result } from '../../core/result.ts';
import type { AccountId, Changes, MailboxId, MessageQuery, MessageRecord, Quota } from '../api.ts';
import { blobContext, cacheContext } from '../crypto/keys.ts';
import { open } from '../crypto/seal.ts';
import { mailError, type MailError } from '../mail-error.ts';
import type { StoreContext } from './context.ts';
import type { SqlValue } from './driver.ts';
import { findMailboxById, noMailbox } from './mailboxes.ts';
import { MESSAGE_COLUMNS, toMessage, type MessageRow } from './rows.ts';

export async function listMessages(
  ctx: StoreContext,
  accountId: AccountId,
  mailboxId: MailboxId,
  query: MessageQuery = {},
): Promise<Result<MessageRecord[], MailError>> {
  const conditions = ['mailbox_id = ?'];
  const params: SqlValue[] = [mailboxId];
  if (query.uidFrom !== undefined) {
    conditions.push('uid >= ?');
    params.push(query.uidFrom);
  }
  if (query.uidTo !== undefined) {
    conditions.push('uid <= ?');
    params.push(query.uidTo);
  }
  if (query.changedSince !== undefined) {
    conditions.push('modseq > ?');
    params.push(query.changedSince);
  }
  const columns = query.withCache ? `${MESSAGE_COLUMNS}, cache` : MESSAGE_COLUMNS;
  const rows = await ctx.driver.read(async (q) => {
    if (!(await findMailboxById(q, accountId, mailboxId))) return undefined;
    return q.all<MessageRow>(`SELECT ${columns} FROM messages WHERE ${conditions.join(' AND ')} ORDER BY uid`, params);
  });
  if (!rows) return err(noMailbox(mailboxId));
  if (!query.withCache) return ok(rows.map((row) => toMessage(row)));
  const keys = await ctx.keys.forAccount(accountId);
  if (!keys) return err(mailError('nonexistent', `there is no account with id ${accountId}`));
  return ok(
    rows.map((row) => {
      if (!row.cache) return toMessage(row, null);
      const opened = open(keys.encryption, cacheContext(accountId, row.blob_id), row.cache);
      return toMessage(row, opened ? Buffer.from(opened).toString('utf8') : null);
    }),
  );
}

export async function readMessage(ctx: StoreContext, accountId: AccountId, blobId: string): Promise<Result<Uint8Array, MailError>> {
  const keys = await ctx.keys.forAccount(accountId);
  if (!keys) return err(mailError('nonexistent', `there is no account with id ${accountId}`));
  const sealed = await ctx.driver.read((q) => ctx.blobs.read(q, accountId, blobId));
  if (!sealed) return err(mailError('nonexistent', `there is no message blob ${blobId}`));
  const plain = open(keys.encryption, blobContext(accountId, blobId), sealed);
  if (!plain) throw new Error(`message blob ${accountId}/${blobId} failed its integrity check`);
  return ok(plain);
}

export async function changesSince(ctx: StoreContext, accountId: AccountId, mailboxId: MailboxId, modSeq: number): Promise<Result<Changes, MailError>> {
  return ctx.driver.read(async (q) => {
    const mailbox = await findMailboxById(q, accountId, mailboxId);
    if (!mailbox) return err(noMailbox(mailboxId));
    // Sorted here, not by ORDER BY uid: with that clause SQLite walks the primary key through
    // every message of the mailbox to skip a sort, instead of the (mailbox_id, modseq) index.
    const changed = await q.all<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE mailbox_id = ? AND modseq > ?`, [mailboxId, modSeq]);
    changed.sort((a, b) => a.uid - b.uid);
    const vanished = await q.all<{ uid: number }>('SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid', [mailboxId, modSeq]);
    return ok({ changed: changed.map((row) => toMessage(row)), vanished: vanished.map((row) => row.uid), highestModSeq: mailbox.highest_modseq });
  });
}

export async function getQuota(ctx: StoreContext, accountId: AccountId): Promise<Result<Quota, MailError>> {
  const row = await ctx.driver.read((q) =>
    q.get<{ quota_bytes: number | null; used_bytes: number; message_count: number }>('SELECT quota_bytes, used_bytes, message_count FROM accounts WHERE id = ?', [accountId]),
  );
  if (!row) return err(mailError('nonexistent', `there is no account with id ${accountId}`));
  return ok({ usedBytes: row.used_bytes, limitBytes: row.quota_bytes, messages: row.message_count });
}
