// The one durable write for an accepted message (house rule 7): the local copies (one per
// recipient account, each sealed with that account's key) and the outbound queue entry are
// staged durably, then committed in a single transaction; any failure rolls everything back,
// so a sender that gets an error can retry without creating duplicates.

import { err, ok, type Result } from '../../core/result.ts';
import type { AppendedMessage, Delivery, DeliveryReceipt } from '../api.ts';
import type { StagedBlob } from '../blobs/blob-store.ts';
import type { MailError } from '../mail-error.ts';
import type { StoreContext } from './context.ts';
import { Rollback, writeOrRollback } from './driver.ts';
import { insertAppend, prepareAppend, type PreparedAppend } from './messages-write.ts';
import { insertOutbound, stageOutbound } from './queue.ts';

export async function deliver(ctx: StoreContext, delivery: Delivery): Promise<Result<DeliveryReceipt, MailError>> {
  const staged: StagedBlob[] = [];
  try {
    const prepared: PreparedAppend[] = [];
    for (const item of delivery.local) {
      const result = await prepareAppend(ctx, item);
      if (!result.ok) return result;
      prepared.push(result.value);
      staged.push(result.value.staged);
    }
    const outboundBlob = delivery.outbound ? await stageOutbound(ctx, delivery.outbound) : undefined;
    if (outboundBlob) staged.push(outboundBlob);
    return await writeOrRollback(ctx.driver, async (tx) => {
      const local: AppendedMessage[] = [];
      for (const entry of prepared) {
        const appended = await insertAppend(ctx, tx, entry);
        if (!appended.ok) throw new Rollback(err(appended.error));
        local.push(appended.value);
      }
      const queued = delivery.outbound && outboundBlob ? await insertOutbound(ctx, tx, delivery.queueId, delivery.outbound, outboundBlob) : 0;
      return ok({ local, queued });
    });
  } finally {
    for (const blob of staged) ctx.blobs.unstage(blob);
  }
}
