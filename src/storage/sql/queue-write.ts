// New outbound queue entries: the message bytes as a blob in the system keyspace (sealed like
// every blob), one queue_messages row with the envelope facts a relay and its DSNs need
// (RFC 3461, RFC 6531, RFC 8689), and one queue_recipients row per distinct recipient with its
// DSN parameters, starting as queued and due at once.

import type { DsnNotify, OutboundMessage } from '../api.ts';
import type { StagedBlob } from '../blobs/blob-store.ts';
import { sealBlob } from '../crypto/seal-blob.ts';
import type { StoreContext } from './context.ts';
import type { SqlTransaction } from './driver.ts';
import { SYSTEM_OWNER } from './keyring.ts';

export async function stageOutbound(ctx: StoreContext, message: OutboundMessage): Promise<StagedBlob> {
  const keys = await ctx.keys.forAccount(SYSTEM_OWNER);
  if (!keys) throw new Error('the system key is missing');
  const { id, sealed } = sealBlob({ keys, owner: SYSTEM_OWNER, content: message.raw, encrypt: ctx.encrypt });
  return ctx.blobs.stage(SYSTEM_OWNER, id, message.raw.byteLength, sealed);
}

export function encodeNotify(notify: DsnNotify | undefined): string | null {
  if (notify === undefined) return null;
  return notify === 'NEVER' ? 'NEVER' : notify.join(',');
}

export async function insertOutbound(ctx: StoreContext, tx: SqlTransaction, queueId: string, message: OutboundMessage, staged: StagedBlob): Promise<number> {
  const now = ctx.clock.now();
  const envelope = message.envelope;
  await tx.run(
    'INSERT INTO queue_messages (id, blob_id, size, sender, envid, ret, body, smtputf8, requiretls, account_id, created_at, prepared, requested_pool) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      queueId,
      staged.id,
      staged.size,
      envelope.sender,
      envelope.envid ?? null,
      envelope.ret ?? null,
      envelope.body,
      envelope.smtputf8 ? 1 : 0,
      envelope.requireTls ? 1 : 0,
      envelope.accountId,
      now,
      message.prepared ? 1 : 0,
      message.prepared?.requestedPool ?? null,
    ],
  );
  await ctx.blobs.addStaged(tx, staged);
  const seen = new Set<string>();
  for (const recipient of message.recipients) {
    if (seen.has(recipient.address)) continue;
    seen.add(recipient.address);
    await tx.run(
      "INSERT INTO queue_recipients (message_id, recipient, orcpt, notify, state, attempts, next_attempt_at, last_reply, updated_at) VALUES (?, ?, ?, ?, 'queued', 0, ?, NULL, ?)",
      [queueId, recipient.address, recipient.orcpt ?? null, encodeNotify(recipient.notify), now, now],
    );
  }
  return seen.size;
}
