// The one durable write for an accepted message (house rule 7): the local copies (one per
// recipient account, each sealed with that account's key) and the outbound queue entry are
// staged durably, then committed in a single transaction; any failure rolls everything back,
// so a sender that gets an error can retry without creating duplicates. Queue settlements
// store their delivery status notifications through the same two steps.

import { err, ok, type Result } from '../../core/result.ts';
import type { AppendedMessage, Delivery, DeliveryReceipt } from '../api.ts';
import type { StagedBlob } from '../blobs/blob-store.ts';
import type { MailError } from '../mail-error.ts';
import type { StoreContext } from './context.ts';
import { Rollback, writeOrRollback, type SqlTransaction } from './driver.ts';
import { insertAppend, prepareAppend, type PreparedAppend } from './messages-write.ts';
import { insertOutbound, stageOutbound } from './queue-write.ts';

/** A delivery whose blobs are on disk, ready to commit. */
export interface StagedDelivery {
  readonly delivery: Delivery;
  readonly local: readonly PreparedAppend[];
  readonly outbound: StagedBlob | undefined;
  /** Every staged blob, to unstage once the transaction is over. */
  readonly blobs: readonly StagedBlob[];
}

/** Stages the blobs of `delivery`; on failure nothing stays staged. */
export async function stageDelivery(ctx: StoreContext, delivery: Delivery): Promise<Result<StagedDelivery, MailError>> {
  const blobs: StagedBlob[] = [];
  try {
    const local: PreparedAppend[] = [];
    for (const item of delivery.local) {
      const result = await prepareAppend(ctx, item);
      if (!result.ok) {
        unstageDelivery(ctx, { blobs });
        return result;
      }
      local.push(result.value);
      blobs.push(result.value.staged);
    }
    const outbound = delivery.outbound ? await stageOutbound(ctx, delivery.outbound) : undefined;
    if (outbound) blobs.push(outbound);
    return ok({ delivery, local, outbound, blobs });
  } catch (error) {
    unstageDelivery(ctx, { blobs });
    throw error;
  }
}

export function unstageDelivery(ctx: StoreContext, staged: Pick<StagedDelivery, 'blobs'>): void {
  for (const blob of staged.blobs) ctx.blobs.unstage(blob);
}

/** Inserts a staged delivery's rows; throws Rollback with the first failure. */
export async function insertDelivery(ctx: StoreContext, tx: SqlTransaction, staged: StagedDelivery): Promise<DeliveryReceipt> {
  const local: AppendedMessage[] = [];
  for (const entry of staged.local) {
    const appended = await insertAppend(ctx, tx, entry);
    if (!appended.ok) throw new Rollback(err(appended.error));
    local.push(appended.value);
  }
  const outbound = staged.delivery.outbound;
  const queued = outbound && staged.outbound ? await insertOutbound(ctx, tx, staged.delivery.queueId, outbound, staged.outbound) : 0;
  return { local, queued };
}

export async function deliver(ctx: StoreContext, delivery: Delivery): Promise<Result<DeliveryReceipt, MailError>> {
  const staged = await stageDelivery(ctx, delivery);
  if (!staged.ok) return staged;
  try {
    const [only] = staged.value.local;
    if (ctx.appendStatement && only && staged.value.local.length === 1 && !staged.value.outbound) {
      // One local copy and nothing queued: one statement, its own transaction, one round trip.
      const appended = await ctx.appendStatement.alone(only, ctx.clock.now());
      return appended.ok ? ok({ local: [appended.value], queued: 0 }) : appended;
    }
    return await writeOrRollback(ctx.driver, async (tx) => ok(await insertDelivery(ctx, tx, staged.value)));
  } finally {
    unstageDelivery(ctx, staged.value);
  }
}
