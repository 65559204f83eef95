// The outbound queue as stored: one row per message (envelope facts and a blob in the system
// keyspace) and one row per recipient with its own state, attempts and last reply (RFC 3461 DSN
// parameters kept for later notifications). The delivery workers of the outbound issue claim
// recipients from here; this module writes new entries and reads them back.

import { err, ok, type Result } from '../../core/result.ts';
import type { DsnNotify, OutboundEnvelope, OutboundMessage, QueuedMessage, QueueState } from '../api.ts';
import type { StagedBlob } from '../blobs/blob-store.ts';
import { blobContext, blobIdOf } from '../crypto/keys.ts';
import { open, seal } from '../crypto/seal.ts';
import { mailError, type MailError } from '../mail-error.ts';
import type { StoreContext } from './context.ts';
import type { SqlTransaction } from './driver.ts';
import { SYSTEM_OWNER } from './keyring.ts';

interface QueueMessageRow {
  id: string;
  blob_id: string;
  size: number;
  sender: string;
  envid: string | null;
  ret: string | null;
  body: string;
  smtputf8: number;
  requiretls: number;
  account_id: number | null;
  created_at: number;
}

interface QueueRecipientRow {
  message_id: string;
  recipient: string;
  orcpt: string | null;
  notify: string | null;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_reply: string | null;
}

export async function stageOutbound(ctx: StoreContext, message: OutboundMessage): Promise<StagedBlob> {
  const keys = await ctx.keys.forAccount(SYSTEM_OWNER);
  if (!keys) throw new Error('the system key is missing');
  const blobId = blobIdOf(keys, message.raw);
  const sealed = seal(keys.encryption, blobContext(SYSTEM_OWNER, blobId), message.raw, ctx.encrypt);
  return ctx.blobs.stage(SYSTEM_OWNER, blobId, message.raw.byteLength, sealed);
}

function encodeNotify(notify: DsnNotify | undefined): string | null {
  if (notify === undefined) return null;
  return notify === 'NEVER' ? 'NEVER' : notify.join(',');
}

function decodeNotify(text: string | null): DsnNotify | undefined {
  if (text === null) return undefined;
  if (text === 'NEVER') return 'NEVER';
  return text.split(',').filter((n): n is 'SUCCESS' | 'FAILURE' | 'DELAY' => n === 'SUCCESS' || n === 'FAILURE' || n === 'DELAY');
}

export async function insertOutbound(ctx: StoreContext, tx: SqlTransaction, queueId: string, message: OutboundMessage, staged: StagedBlob): Promise<number> {
  const now = ctx.clock.now();
  const envelope = message.envelope;
  await tx.run(
    'INSERT INTO queue_messages (id, blob_id, size, sender, envid, ret, body, smtputf8, requiretls, account_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [queueId, staged.id, staged.size, envelope.sender, envelope.envid ?? null, envelope.ret ?? null, envelope.body, envelope.smtputf8 ? 1 : 0, envelope.requireTls ? 1 : 0, envelope.accountId, now],
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

function toEnvelope(row: QueueMessageRow): OutboundEnvelope {
  return {
    sender: row.sender,
    ...(row.envid === null ? {} : { envid: row.envid }),
    ...(row.ret === 'FULL' || row.ret === 'HDRS' ? { ret: row.ret } : {}),
    body: row.body === '8BITMIME' || row.body === 'BINARYMIME' ? row.body : '7BIT',
    smtputf8: row.smtputf8 === 1,
    requireTls: row.requiretls === 1,
    accountId: row.account_id,
  };
}

export async function listQueue(ctx: StoreContext): Promise<QueuedMessage[]> {
  return ctx.driver.read(async (q) => {
    const messages = await q.all<QueueMessageRow>('SELECT * FROM queue_messages ORDER BY created_at, id');
    const recipients = await q.all<QueueRecipientRow>('SELECT * FROM queue_recipients ORDER BY message_id, recipient');
    const byMessage = new Map<string, QueueRecipientRow[]>();
    for (const row of recipients) byMessage.set(row.message_id, [...(byMessage.get(row.message_id) ?? []), row]);
    return messages.map((row) => ({
      id: row.id,
      envelope: toEnvelope(row),
      size: row.size,
      createdAt: new Date(row.created_at),
      recipients: (byMessage.get(row.id) ?? []).map((r) => {
        const notify = decodeNotify(r.notify);
        return {
          address: r.recipient,
          ...(r.orcpt === null ? {} : { orcpt: r.orcpt }),
          ...(notify === undefined ? {} : { notify }),
          state: r.state as QueueState,
          attempts: r.attempts,
          nextAttemptAt: new Date(r.next_attempt_at),
          lastReply: r.last_reply,
        };
      }),
    }));
  });
}

export async function readQueuedMessage(ctx: StoreContext, queueId: string): Promise<Result<Uint8Array, MailError>> {
  const keys = await ctx.keys.forAccount(SYSTEM_OWNER);
  const found = await ctx.driver.read(async (q) => {
    const row = await q.get<{ blob_id: string }>('SELECT blob_id FROM queue_messages WHERE id = ?', [queueId]);
    return row && { blobId: row.blob_id, sealed: await ctx.blobs.read(q, SYSTEM_OWNER, row.blob_id) };
  });
  if (!found || !found.sealed || !keys) return err(mailError('nonexistent', `there is no queued message ${queueId}`));
  const plain = open(keys.encryption, blobContext(SYSTEM_OWNER, found.blobId), found.sealed);
  if (!plain) throw new Error(`queued message ${queueId} failed its integrity check`);
  return ok(plain);
}
