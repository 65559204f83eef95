// Row-level helpers shared by the message verbs: UID/MODSEQ allocation, removal of message
// rows with their blob references and quota, and UID-list chunking.
//
// RFC 9051 §2.3.1.1: UIDs strictly ascend and are never reused. UIDNEXT and HIGHESTMODSEQ
// advance with an UPDATE … RETURNING on the mailbox row, in the same transaction that inserts
// the messages: the row lock serializes concurrent writers (PostgreSQL), and a rolled-back or
// crashed transaction gives nothing away that a client could have seen.

import type { AccountId, MailboxId } from '../api.ts';
import { DELETED_BIT } from '../flags.ts';
import type { StoreContext } from './context.ts';
import type { SqlQueries, SqlTransaction, SqlValue } from './driver.ts';
import { MESSAGE_COLUMNS, type MessageRow } from './rows.ts';

/** Most UIDs in one SQL IN list (SQLite's default limit is 32766 parameters). */
export const MAX_UIDS_PER_QUERY = 500;

export interface Allocation {
  /** First UID of the allocated block. */
  readonly firstUid: number;
  readonly modSeq: number;
  readonly uidValidity: number;
}

/** Reserves `count` UIDs (0 for none) and one new MODSEQ in the mailbox. */
export async function allocate(tx: SqlTransaction, accountId: AccountId, mailboxId: MailboxId, count: number): Promise<Allocation | undefined> {
  const row = await tx.get<{ uid_next: number; highest_modseq: number; uid_validity: number }>(
    'UPDATE mailboxes SET uid_next = uid_next + ?, highest_modseq = highest_modseq + 1 WHERE id = ? AND account_id = ? RETURNING uid_next, highest_modseq, uid_validity',
    [count, mailboxId, accountId],
  );
  if (!row) return undefined;
  return { firstUid: row.uid_next - count, modSeq: row.highest_modseq, uidValidity: row.uid_validity };
}

export function chunks<T>(items: readonly T[], size = MAX_UIDS_PER_QUERY): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

export function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ');
}

/** The mailbox's rows for the given UIDs (all rows when omitted), in UID order. */
export async function selectRows(
  q: SqlQueries,
  mailboxId: MailboxId,
  uids: readonly number[] | undefined,
  extra = '',
  columns = MESSAGE_COLUMNS,
): Promise<MessageRow[]> {
  if (uids === undefined) {
    return q.all<MessageRow>(`SELECT ${columns} FROM messages WHERE mailbox_id = ? ${extra} ORDER BY uid`, [mailboxId]);
  }
  const unique = [...new Set(uids)].sort((a, b) => a - b);
  const rows: MessageRow[] = [];
  for (const chunk of chunks(unique)) {
    const params: SqlValue[] = [mailboxId, ...chunk];
    rows.push(...(await q.all<MessageRow>(`SELECT ${columns} FROM messages WHERE mailbox_id = ? AND uid IN (${placeholders(chunk.length)}) ${extra} ORDER BY uid`, params)));
  }
  return rows;
}

/**
 * Takes the write lock on mailboxes before their rows are read for a change, in id order so two
 * writers cannot deadlock. On PostgreSQL this is the row lock that serializes every writer of a
 * mailbox (a no-op UPDATE takes it without changing anything); SQLite has one writer anyway.
 * False when a mailbox does not belong to the account.
 */
export async function lockMailboxes(tx: SqlTransaction, accountId: AccountId, mailboxIds: readonly MailboxId[]): Promise<boolean> {
  for (const id of [...new Set(mailboxIds)].sort((a, b) => a - b)) {
    const locked = await tx.run('UPDATE mailboxes SET uid_next = uid_next WHERE id = ? AND account_id = ?', [id, accountId]);
    if (locked.changes !== 1) return false;
  }
  return true;
}

export type Charge = 'charged' | 'over-quota' | 'no-account';

/** Adds to the account's usage if it fits the quota, atomically (one conditional UPDATE). */
export async function chargeQuota(tx: SqlTransaction, accountId: AccountId, bytes: number, messages: number): Promise<Charge> {
  const charged = await tx.run(
    'UPDATE accounts SET used_bytes = used_bytes + ?, message_count = message_count + ? WHERE id = ? AND (quota_bytes IS NULL OR used_bytes + ? <= quota_bytes)',
    [bytes, messages, accountId, bytes],
  );
  if (charged.changes === 1) return 'charged';
  const exists = await tx.get('SELECT 1 AS one FROM accounts WHERE id = ?', [accountId]);
  return exists ? 'over-quota' : 'no-account';
}

interface DroppedRow {
  uid: number;
  size: number;
  blob_id: string;
}

/**
 * Deletes message rows (the given UIDs, or all of the mailbox when omitted), releasing their
 * blob references and quota; the caller holds the mailbox lock. With `tombstoneModSeq`, each
 * UID is recorded as expunged at that MODSEQ for QRESYNC (RFC 7162 §3.2.10). `onlyDeleted`
 * keeps messages without \Deleted. Returns the rows actually deleted, in UID order.
 */
export async function dropMessages(
  ctx: StoreContext,
  tx: SqlTransaction,
  accountId: AccountId,
  mailboxId: MailboxId,
  uids: readonly number[] | undefined,
  options: { readonly tombstoneModSeq?: number; readonly onlyDeleted?: boolean } = {},
): Promise<DroppedRow[]> {
  const filter = options.onlyDeleted ? `AND (flags & ${DELETED_BIT}) <> 0` : '';
  const dropped: DroppedRow[] = [];
  if (uids === undefined) {
    dropped.push(...(await tx.all<DroppedRow>(`DELETE FROM messages WHERE mailbox_id = ? ${filter} RETURNING uid, size, blob_id`, [mailboxId])));
  } else {
    for (const chunk of chunks([...new Set(uids)])) {
      const sql = `DELETE FROM messages WHERE mailbox_id = ? AND uid IN (${placeholders(chunk.length)}) ${filter} RETURNING uid, size, blob_id`;
      dropped.push(...(await tx.all<DroppedRow>(sql, [mailboxId, ...chunk])));
    }
  }
  if (dropped.length === 0) return dropped;
  dropped.sort((a, b) => a.uid - b.uid);
  if (options.tombstoneModSeq !== undefined) {
    for (const row of dropped) {
      await tx.run('INSERT INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)', [mailboxId, row.uid, options.tombstoneModSeq]);
    }
  }
  const refs = new Map<string, number>();
  for (const row of dropped) refs.set(row.blob_id, (refs.get(row.blob_id) ?? 0) + 1);
  for (const [blobId, count] of refs) await ctx.blobs.dropRefs(tx, accountId, blobId, count);
  const bytes = dropped.reduce((sum, row) => sum + row.size, 0);
  await tx.run('UPDATE accounts SET used_bytes = used_bytes - ?, message_count = message_count - ? WHERE id = ?', [bytes, dropped.length, accountId]);
  return dropped;
}
