// Work on the outbound queue: claiming due recipients, settling an attempt's outcomes with the
// notices they cause, and the operator's verbs (retry, remove, purge).
//
// A claim is (claimed_by, claim_until) on the recipient row, taken in one write transaction
// with the rows locked against other claimers (PostgreSQL FOR UPDATE SKIP LOCKED, so two
// processes sharing the queue never take the same recipient; SQLite's single writer). A
// settlement only changes rows its owner still holds; a worker that died leaves claims that
// expire and are claimed again.

import { err, ok, type Result } from '../../core/result.ts';
import type { ClaimRequest, QueueClaim, Settlement } from '../api.ts';
import { mailError, type MailError } from '../mail-error.ts';
import type { StoreContext } from './context.ts';
import { insertDelivery, stageDelivery, unstageDelivery, type StagedDelivery } from './delivery.ts';
import { Rollback, writeOrRollback, type SqlTransaction } from './driver.ts';
import { SYSTEM_OWNER } from './keyring.ts';
import { PENDING_STATES, readQueueRows } from './queue-read.ts';

const placeholders = (count: number): string => new Array<string>(count).fill('?').join(', ');

export async function claimQueue(ctx: StoreContext, request: ClaimRequest): Promise<QueueClaim[]> {
  const now = ctx.clock.now();
  return ctx.driver.write(async (tx) => {
    const due = await tx.all<{ message_id: string; recipient: string }>(
      `SELECT message_id, recipient FROM queue_recipients
       WHERE state IN ${PENDING_STATES} AND next_attempt_at <= ? AND (claim_until IS NULL OR claim_until <= ?)
       ORDER BY next_attempt_at, message_id LIMIT ?${ctx.driver.claimClause}`,
      [now, now, request.limit],
    );
    if (due.length === 0) return [];
    const byMessage = new Map<string, string[]>();
    for (const row of due) {
      const list = byMessage.get(row.message_id);
      if (list) list.push(row.recipient);
      else byMessage.set(row.message_id, [row.recipient]);
    }
    for (const [messageId, recipients] of byMessage) {
      await tx.run(
        `UPDATE queue_recipients SET claimed_by = ?, claim_until = ? WHERE message_id = ? AND recipient IN (${placeholders(recipients.length)})`,
        [request.owner, now + request.leaseMs, messageId, ...recipients],
      );
    }
    const ids = [...byMessage.keys()];
    const messages = await readQueueRows(tx, `WHERE id IN (${placeholders(ids.length)})`, ids);
    return messages.map((message) => {
      const claimed = new Set(byMessage.get(message.id));
      return { message, claimed: message.recipients.filter((r) => claimed.has(r.address)) };
    });
  });
}

async function finishIfDone(ctx: StoreContext, tx: SqlTransaction, messageId: string, now: number): Promise<void> {
  const pending = await tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM queue_recipients WHERE message_id = ? AND state IN ${PENDING_STATES}`, [messageId]);
  if (Number(pending?.n ?? 0) > 0) return;
  const row = await tx.get<{ blob_id: string }>('UPDATE queue_messages SET finished_at = ? WHERE id = ? AND finished_at IS NULL RETURNING blob_id', [now, messageId]);
  if (row) await ctx.blobs.dropRefs(tx, SYSTEM_OWNER, row.blob_id, 1);
}

export async function settleQueue(ctx: StoreContext, settlement: Settlement): Promise<Result<void, MailError>> {
  const staged: StagedDelivery[] = [];
  try {
    for (const notice of settlement.notices) {
      const result = await stageDelivery(ctx, notice);
      if (!result.ok) return result;
      staged.push(result.value);
    }
    return await writeOrRollback(ctx.driver, async (tx) => {
      const now = ctx.clock.now();
      // Locks the message row first, so settlements of one message by two workers run one
      // after the other and the second sees the first's outcomes when it counts what is pending
      // (PostgreSQL READ COMMITTED; SQLite's writer is single anyway).
      await tx.run('UPDATE queue_messages SET finished_at = finished_at WHERE id = ?', [settlement.messageId]);
      for (const outcome of settlement.outcomes) {
        const next = outcome.state === 'deferred' ? outcome.nextAttemptAt.getTime() : now;
        const notified = outcome.state === 'deferred' && outcome.delayNotified ? 1 : 0;
        await tx.run(
          `UPDATE queue_recipients SET state = ?, attempts = attempts + 1, next_attempt_at = ?, last_reply = ?,
             delay_notified = CASE WHEN ? = 1 THEN 1 ELSE delay_notified END, claimed_by = NULL, claim_until = NULL, updated_at = ?
           WHERE message_id = ? AND recipient = ? AND claimed_by = ? AND state IN ${PENDING_STATES}`,
          [outcome.state, next, outcome.reply, notified, now, settlement.messageId, outcome.address, settlement.owner],
        );
      }
      await tx.run('UPDATE queue_recipients SET claimed_by = NULL, claim_until = NULL WHERE message_id = ? AND claimed_by = ?', [settlement.messageId, settlement.owner]);
      await finishIfDone(ctx, tx, settlement.messageId, now);
      for (const notice of staged) await insertDelivery(ctx, tx, notice);
      return ok(undefined);
    });
  } finally {
    for (const notice of staged) unstageDelivery(ctx, notice);
  }
}

export async function renewClaims(ctx: StoreContext, owner: string, leaseMs: number): Promise<number> {
  const until = ctx.clock.now() + leaseMs;
  const result = await ctx.driver.write((tx) => tx.run('UPDATE queue_recipients SET claim_until = ? WHERE claimed_by = ?', [until, owner]));
  return result.changes;
}

export async function releaseClaims(ctx: StoreContext, owner?: string): Promise<number> {
  const result = await ctx.driver.write((tx) =>
    owner === undefined
      ? tx.run('UPDATE queue_recipients SET claimed_by = NULL, claim_until = NULL WHERE claimed_by IS NOT NULL')
      : tx.run('UPDATE queue_recipients SET claimed_by = NULL, claim_until = NULL WHERE claimed_by = ?', [owner]),
  );
  return result.changes;
}

export async function retryQueue(ctx: StoreContext, messageId?: string): Promise<number> {
  const now = ctx.clock.now();
  const scope = messageId === undefined ? '' : ' AND message_id = ?';
  const result = await ctx.driver.write((tx) =>
    tx.run(`UPDATE queue_recipients SET next_attempt_at = ?, updated_at = ? WHERE state IN ${PENDING_STATES}${scope}`, messageId === undefined ? [now, now] : [now, now, messageId]),
  );
  return result.changes;
}

async function deleteMessage(ctx: StoreContext, tx: SqlTransaction, row: { id: string; blob_id: string; finished_at: number | null }): Promise<void> {
  await tx.run('DELETE FROM queue_recipients WHERE message_id = ?', [row.id]);
  await tx.run('DELETE FROM queue_messages WHERE id = ?', [row.id]);
  if (row.finished_at === null) await ctx.blobs.dropRefs(tx, SYSTEM_OWNER, row.blob_id, 1);
}

export async function removeQueued(ctx: StoreContext, messageId: string): Promise<Result<void, MailError>> {
  return writeOrRollback(ctx.driver, async (tx) => {
    const row = await tx.get<{ id: string; blob_id: string; finished_at: number | null }>('SELECT id, blob_id, finished_at FROM queue_messages WHERE id = ?', [messageId]);
    if (!row) throw new Rollback(err(mailError('nonexistent', `there is no queued message ${messageId}`)));
    await deleteMessage(ctx, tx, row);
    return ok(undefined);
  });
}

export async function nextQueueDue(ctx: StoreContext): Promise<Date | null> {
  const now = ctx.clock.now();
  const row = await ctx.driver.read((q) =>
    q.get<{ due: number | null }>(
      `SELECT MIN(CASE WHEN claim_until IS NOT NULL AND claim_until > ? AND claim_until > next_attempt_at THEN claim_until ELSE next_attempt_at END) AS due
       FROM queue_recipients WHERE state IN ${PENDING_STATES}`,
      [now],
    ),
  );
  return row?.due === null || row?.due === undefined ? null : new Date(Number(row.due));
}

export async function purgeQueue(ctx: StoreContext, before: Date): Promise<number> {
  return ctx.driver.write(async (tx) => {
    const rows = await tx.all<{ id: string; blob_id: string; finished_at: number | null }>(
      'SELECT id, blob_id, finished_at FROM queue_messages WHERE finished_at IS NOT NULL AND finished_at < ?',
      [before.getTime()],
    );
    for (const row of rows) await deleteMessage(ctx, tx, row);
    return rows.length;
  });
}
