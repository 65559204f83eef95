// Message writes: append (the one durable write path every protocol and delivery uses),
// flag changes, copy, move and expunge.
//
// Append follows house rule 7: the blob is sealed, written and fsync'd (with its directory)
// before the transaction; the transaction inserts the row, advances UIDNEXT and counts the
// blob reference; the promise resolves only after the durable commit. RFC 4315 (UIDPLUS),
// RFC 6851 (MOVE), RFC 7162 (CONDSTORE: every change gets a new MODSEQ).

import { err, ok, type Result } from '../../core/result.ts';
import type { AccountId, AppendedMessage, CopyResult, ExpungeResult, FlagChange, FlagUpdate, MailboxId, NewMessage } from '../api.ts';
import type { StagedBlob } from '../blobs/blob-store.ts';
import { cacheContext } from '../crypto/keys.ts';
import { seal } from '../crypto/seal.ts';
import { sealBlob } from '../crypto/seal-blob.ts';
import { DELETED_BIT, MAX_KEYWORDS_PER_MESSAGE, applyFlagChange, decodeKeywords, encodeKeywords, parseFlags, sameFlags, withinKeywordLimit } from '../flags.ts';
import { mailError, type MailError } from '../mail-error.ts';
import type { StoreContext } from './context.ts';
import { Rollback, savepointOrRollback, writeOrRollback, type SqlTransaction } from './driver.ts';
import { findMailboxById, noMailbox } from './mailboxes.ts';
import { allocate, chargeQuota, dropMessages, lockMailboxes, selectRows, type Allocation } from './message-rows.ts';
import { toMessage, type MessageRow } from './rows.ts';

const INSERT_MESSAGE = `INSERT INTO messages (mailbox_id, uid, account_id, modseq, flags, keywords, internal_date, save_date, size, blob_id, cache)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export interface PreparedAppend {
  readonly item: NewMessage;
  readonly staged: StagedBlob;
  readonly bits: number;
  readonly keywords: string;
  readonly cache: Uint8Array | null;
}

export async function prepareAppend(ctx: StoreContext, item: NewMessage): Promise<Result<PreparedAppend, MailError>> {
  const flags = parseFlags(item.flags ?? []);
  if (!flags) return err(mailError('invalid', 'a flag or keyword is not valid'));
  const keys = await ctx.keys.forAccount(item.accountId);
  if (!keys) return err(mailError('nonexistent', `there is no account with id ${item.accountId}`));
  const { id: blobId, sealed } = sealBlob({ keys, owner: item.accountId, content: item.raw, encrypt: ctx.encrypt });
  // The blob is staged (a large one's file written) while a cache still being built finishes.
  const staging = ctx.blobs.stage(item.accountId, blobId, item.raw.byteLength, sealed);
  // Handled here too: it may fail while the cache is awaited; `await staging` still throws.
  staging.catch(() => undefined);
  const text = await Promise.resolve(item.cache).catch(() => null);
  const cache = text === undefined || text === null ? null : seal(keys.encryption, cacheContext(item.accountId, blobId), Buffer.from(text, 'utf8'), ctx.encrypt);
  const staged = await staging;
  return ok({ item, staged, bits: flags.bits, keywords: encodeKeywords(flags.keywords), cache });
}

/** Why an append was refused before anything was written. */
export type AppendRefusal = 'no-account' | 'over-quota' | 'no-mailbox';

export function appendRefused(refusal: AppendRefusal, item: NewMessage): Result<AppendedMessage, MailError> {
  switch (refusal) {
    case 'no-account':
      return err(mailError('nonexistent', `there is no account with id ${item.accountId}`));
    case 'over-quota':
      return err(mailError('over-quota', 'the message does not fit the quota of the mailbox owner'));
    case 'no-mailbox':
      return err(noMailbox(item.mailboxId));
  }
}

export function appended(prepared: PreparedAppend, allocation: Allocation): Result<AppendedMessage, MailError> {
  const { item, staged } = prepared;
  return ok({
    accountId: item.accountId,
    mailboxId: item.mailboxId,
    uid: allocation.firstUid,
    uidValidity: allocation.uidValidity,
    modSeq: allocation.modSeq,
    blobId: staged.id,
    size: staged.size,
  });
}

export async function insertAppend(ctx: StoreContext, tx: SqlTransaction, prepared: PreparedAppend): Promise<Result<AppendedMessage, MailError>> {
  const now = ctx.clock.now();
  if (ctx.appendStatement) return ctx.appendStatement.run(tx, prepared, now);
  const { item, staged } = prepared;
  const charge = await chargeQuota(tx, item.accountId, staged.size, 1);
  if (charge !== 'charged') return appendRefused(charge, item);
  const allocation = await allocate(tx, item.accountId, item.mailboxId, 1);
  if (!allocation) return appendRefused('no-mailbox', item);
  await tx.run(INSERT_MESSAGE, [
    item.mailboxId,
    allocation.firstUid,
    item.accountId,
    allocation.modSeq,
    prepared.bits,
    prepared.keywords,
    item.internalDate?.getTime() ?? now,
    now,
    staged.size,
    staged.id,
    prepared.cache,
  ]);
  await ctx.blobs.addStaged(tx, staged);
  await ctx.events.publish(tx, { accountId: item.accountId, mailboxId: item.mailboxId, modSeq: allocation.modSeq, kind: 'append' });
  return appended(prepared, allocation);
}

export async function appendMessages(ctx: StoreContext, items: readonly NewMessage[]): Promise<Result<AppendedMessage, MailError>[]> {
  const settled = await Promise.allSettled(items.map((item) => prepareAppend(ctx, item)));
  const failure = settled.find((entry) => entry.status === 'rejected');
  const prepared = settled.flatMap((entry) => (entry.status === 'fulfilled' ? [entry.value] : []));
  if (failure) {
    // A blob that could not be made durable fails the whole call (house rule 7).
    for (const entry of prepared) if (entry.ok) ctx.blobs.unstage(entry.value.staged);
    throw failure.reason;
  }
  const results: Result<AppendedMessage, MailError>[] = prepared.map((p) => (p.ok ? err(mailError('unavailable', 'not stored')) : p));
  const [only] = prepared;
  try {
    if (prepared.length === 1 && only?.ok && ctx.appendStatement) {
      // One append as a transaction of its own: one round trip.
      results[0] = await ctx.appendStatement.alone(only.value, ctx.clock.now());
      return results;
    }
    await ctx.driver.write(async (tx) => {
      for (const [index, entry] of prepared.entries()) {
        if (!entry.ok) continue;
        results[index] = await savepointOrRollback(tx, async () => {
          const result = await insertAppend(ctx, tx, entry.value);
          if (!result.ok) throw new Rollback(result);
          return result;
        });
      }
    });
  } finally {
    for (const entry of prepared) if (entry.ok) ctx.blobs.unstage(entry.value.staged);
  }
  return results;
}

export async function updateFlags(
  ctx: StoreContext,
  accountId: AccountId,
  mailboxId: MailboxId,
  uids: readonly number[],
  change: FlagChange,
): Promise<Result<FlagUpdate, MailError>> {
  const wanted = parseFlags(change.flags);
  if (!wanted) return err(mailError('invalid', 'a flag or keyword is not valid'));
  return writeOrRollback(ctx.driver, async (tx) => {
    if (!(await lockMailboxes(tx, accountId, [mailboxId]))) return err(noMailbox(mailboxId));
    const rows = await selectRows(tx, mailboxId, uids);
    const modified: number[] = [];
    const changes: { row: MessageRow; bits: number; keywords: string }[] = [];
    for (const row of rows) {
      if (change.unchangedSince !== undefined && row.modseq > change.unchangedSince) {
        modified.push(row.uid);
        continue;
      }
      const current = { bits: row.flags, keywords: decodeKeywords(row.keywords) };
      const next = applyFlagChange(current, change.mode, wanted);
      if (!withinKeywordLimit(next)) throw new Rollback(err(mailError('limit', `message ${row.uid} would have more than ${MAX_KEYWORDS_PER_MESSAGE} keywords`)));
      if (!sameFlags(current, next)) changes.push({ row, bits: next.bits, keywords: encodeKeywords(next.keywords) });
    }
    if (changes.length === 0) return ok({ updated: [], modified });
    const allocation = await allocate(tx, accountId, mailboxId, 0);
    if (!allocation) return err(noMailbox(mailboxId));
    for (const { row, bits, keywords } of changes) {
      await tx.run('UPDATE messages SET flags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?', [bits, keywords, allocation.modSeq, mailboxId, row.uid]);
    }
    await ctx.events.publish(tx, { accountId, mailboxId, modSeq: allocation.modSeq, kind: 'flags' });
    const updated = changes.map(({ row, bits, keywords }) => toMessage({ ...row, flags: bits, keywords, modseq: allocation.modSeq }));
    return ok({ updated, modified });
  });
}

async function copyRows(
  ctx: StoreContext,
  tx: SqlTransaction,
  accountId: AccountId,
  from: MailboxId,
  uids: readonly number[],
  to: MailboxId,
): Promise<Result<CopyResult & { rows: MessageRow[] }, MailError>> {
  if (!(await lockMailboxes(tx, accountId, [from, to]))) {
    return err(noMailbox((await findMailboxById(tx, accountId, from)) ? to : from));
  }
  const rows = await selectRows(tx, from, uids, '', 'mailbox_id, uid, modseq, flags, keywords, internal_date, save_date, size, blob_id, cache');
  const bytes = rows.reduce((sum, row) => sum + row.size, 0);
  const charge = await chargeQuota(tx, accountId, bytes, rows.length);
  if (charge !== 'charged') return err(charge === 'over-quota' ? mailError('over-quota', 'the messages do not fit the quota') : noMailbox(from));
  const allocation = await allocate(tx, accountId, to, rows.length);
  if (!allocation) return err(noMailbox(to));
  const now = ctx.clock.now();
  const mapping: (readonly [number, number])[] = [];
  for (const [index, row] of rows.entries()) {
    const uid = allocation.firstUid + index;
    await tx.run(INSERT_MESSAGE, [to, uid, accountId, allocation.modSeq, row.flags, row.keywords, row.internal_date, now, row.size, row.blob_id, row.cache ?? null]);
    await ctx.blobs.addRefs(tx, accountId, row.blob_id, 1);
    mapping.push([row.uid, uid]);
  }
  if (rows.length > 0) await ctx.events.publish(tx, { accountId, mailboxId: to, modSeq: allocation.modSeq, kind: 'append' });
  return ok({ uidValidity: allocation.uidValidity, mapping, rows });
}

export async function copyMessages(
  ctx: StoreContext,
  accountId: AccountId,
  from: MailboxId,
  uids: readonly number[],
  to: MailboxId,
): Promise<Result<CopyResult, MailError>> {
  return writeOrRollback(ctx.driver, async (tx) => {
    const copied = await copyRows(ctx, tx, accountId, from, uids, to);
    if (!copied.ok) throw new Rollback(copied);
    return ok({ uidValidity: copied.value.uidValidity, mapping: copied.value.mapping });
  });
}

export async function moveMessages(
  ctx: StoreContext,
  accountId: AccountId,
  from: MailboxId,
  uids: readonly number[],
  to: MailboxId,
): Promise<Result<CopyResult, MailError>> {
  return writeOrRollback(ctx.driver, async (tx) => {
    const copied = await copyRows(ctx, tx, accountId, from, uids, to);
    if (!copied.ok) throw new Rollback(copied);
    const moved = copied.value.rows.map((row) => row.uid);
    if (moved.length > 0) {
      const allocation = await allocate(tx, accountId, from, 0);
      if (!allocation) throw new Rollback(err(noMailbox(from)));
      await dropMessages(ctx, tx, accountId, from, moved, { tombstoneModSeq: allocation.modSeq });
      await ctx.events.publish(tx, { accountId, mailboxId: from, modSeq: allocation.modSeq, kind: 'expunge' });
    }
    return ok({ uidValidity: copied.value.uidValidity, mapping: copied.value.mapping });
  });
}

export async function expungeMessages(
  ctx: StoreContext,
  accountId: AccountId,
  mailboxId: MailboxId,
  uids?: readonly number[],
): Promise<Result<ExpungeResult, MailError>> {
  return writeOrRollback(ctx.driver, async (tx) => {
    if (!(await lockMailboxes(tx, accountId, [mailboxId]))) return err(noMailbox(mailboxId));
    const candidates = await selectRows(tx, mailboxId, uids, `AND (flags & ${DELETED_BIT}) <> 0`, 'uid');
    const mailbox = await findMailboxById(tx, accountId, mailboxId);
    if (!mailbox) return err(noMailbox(mailboxId));
    if (candidates.length === 0) return ok({ uids: [], modSeq: mailbox.highest_modseq });
    const allocation = await allocate(tx, accountId, mailboxId, 0);
    if (!allocation) return err(noMailbox(mailboxId));
    const removed = await dropMessages(ctx, tx, accountId, mailboxId, candidates.map((row) => row.uid), {
      tombstoneModSeq: allocation.modSeq,
      onlyDeleted: true,
    });
    await ctx.events.publish(tx, { accountId, mailboxId, modSeq: allocation.modSeq, kind: 'expunge' });
    return ok({ uids: removed.map((row) => row.uid), modSeq: allocation.modSeq });
  });
}

export async function removeMessages(
  ctx: StoreContext,
  accountId: AccountId,
  mailboxId: MailboxId,
  uids: readonly number[],
): Promise<Result<ExpungeResult, MailError>> {
  return writeOrRollback(ctx.driver, async (tx) => {
    if (!(await lockMailboxes(tx, accountId, [mailboxId]))) return err(noMailbox(mailboxId));
    const existing = await selectRows(tx, mailboxId, uids, '', 'uid');
    const mailbox = await findMailboxById(tx, accountId, mailboxId);
    if (!mailbox) return err(noMailbox(mailboxId));
    if (existing.length === 0) return ok({ uids: [], modSeq: mailbox.highest_modseq });
    const allocation = await allocate(tx, accountId, mailboxId, 0);
    if (!allocation) return err(noMailbox(mailboxId));
    const removed = await dropMessages(ctx, tx, accountId, mailboxId, existing.map((row) => row.uid), { tombstoneModSeq: allocation.modSeq });
    await ctx.events.publish(tx, { accountId, mailboxId, modSeq: allocation.modSeq, kind: 'expunge' });
    return ok({ uids: removed.map((row) => row.uid), modSeq: allocation.modSeq });
  });
}
