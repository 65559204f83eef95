// Reading the outbound queue back: messages with their recipients, and a queued message's bytes
// (opened and checked like every blob).

import { err, ok, type Result } from '../../core/result.ts';
import type { DsnNotify, OutboundEnvelope, QueuedMessage, QueuedRecipient, QueueState } from '../api.ts';
import { blobContext } from '../crypto/keys.ts';
import { open } from '../crypto/seal.ts';
import { mailError, type MailError } from '../mail-error.ts';
import type { StoreContext } from './context.ts';
import type { SqlQueries } from './driver.ts';
import { SYSTEM_OWNER } from './keyring.ts';

export interface QueueMessageRow {
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
  finished_at: number | null;
  prepared: number;
  requested_pool: string | null;
}

export interface QueueRecipientRow {
  message_id: string;
  recipient: string;
  orcpt: string | null;
  notify: string | null;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_reply: string | null;
  delay_notified: number;
  updated_at: number;
}

/** Pending states: the recipient still has to be delivered. */
export const PENDING_STATES = "('queued', 'deferred')";

function decodeNotify(text: string | null): DsnNotify | undefined {
  if (text === null) return undefined;
  if (text === 'NEVER') return 'NEVER';
  return text.split(',').filter((n): n is 'SUCCESS' | 'FAILURE' | 'DELAY' => n === 'SUCCESS' || n === 'FAILURE' || n === 'DELAY');
}

function toEnvelope(row: QueueMessageRow): OutboundEnvelope {
  return {
    sender: row.sender,
    ...(row.envid === null ? {} : { envid: row.envid }),
    ...(row.ret === 'FULL' || row.ret === 'HDRS' ? { ret: row.ret } : {}),
    body: row.body === '8BITMIME' || row.body === 'BINARYMIME' ? row.body : '7BIT',
    smtputf8: Number(row.smtputf8) === 1,
    requireTls: Number(row.requiretls) === 1,
    accountId: row.account_id === null ? null : Number(row.account_id),
  };
}

export function toRecipient(row: QueueRecipientRow): QueuedRecipient {
  const notify = decodeNotify(row.notify);
  return {
    address: row.recipient,
    ...(row.orcpt === null ? {} : { orcpt: row.orcpt }),
    ...(notify === undefined ? {} : { notify }),
    state: row.state as QueueState,
    attempts: Number(row.attempts),
    nextAttemptAt: new Date(Number(row.next_attempt_at)),
    lastReply: row.last_reply,
    delayNotified: Number(row.delay_notified) === 1,
    updatedAt: new Date(Number(row.updated_at)),
  };
}

export function toQueuedMessage(row: QueueMessageRow, recipients: readonly QueueRecipientRow[]): QueuedMessage {
  return {
    id: row.id,
    envelope: toEnvelope(row),
    size: Number(row.size),
    createdAt: new Date(Number(row.created_at)),
    finishedAt: row.finished_at === null ? null : new Date(Number(row.finished_at)),
    prepared: Number(row.prepared) === 1 ? { requestedPool: row.requested_pool } : null,
    recipients: recipients.map(toRecipient),
  };
}

/** The messages with the given ids (all when omitted), with every recipient, oldest first. */
export async function readQueueRows(q: SqlQueries, where: string, params: readonly (string | number)[]): Promise<QueuedMessage[]> {
  const messages = await q.all<QueueMessageRow>(`SELECT * FROM queue_messages ${where} ORDER BY created_at, id`, params);
  if (messages.length === 0) return [];
  const recipients = await q.all<QueueRecipientRow>(
    `SELECT * FROM queue_recipients WHERE message_id IN (SELECT id FROM queue_messages ${where}) ORDER BY message_id, recipient`,
    params,
  );
  const byMessage = new Map<string, QueueRecipientRow[]>();
  for (const row of recipients) {
    const list = byMessage.get(row.message_id);
    if (list) list.push(row);
    else byMessage.set(row.message_id, [row]);
  }
  return messages.map((row) => toQueuedMessage(row, byMessage.get(row.id) ?? []));
}

export async function listQueue(ctx: StoreContext, filter: { readonly pending?: boolean } = {}): Promise<QueuedMessage[]> {
  return ctx.driver.read((q) => readQueueRows(q, filter.pending ? 'WHERE finished_at IS NULL' : '', []));
}

export async function getQueued(ctx: StoreContext, messageId: string): Promise<QueuedMessage | undefined> {
  const [message] = await ctx.driver.read((q) => readQueueRows(q, 'WHERE id = ?', [messageId]));
  return message;
}

export async function readQueuedMessage(ctx: StoreContext, queueId: string): Promise<Result<Uint8Array, MailError>> {
  const keys = await ctx.keys.forAccount(SYSTEM_OWNER);
  const found = await ctx.driver.read(async (q) => {
    const row = await q.get<{ blob_id: string }>('SELECT blob_id FROM queue_messages WHERE id = ? AND finished_at IS NULL', [queueId]);
    return row && { blobId: row.blob_id, sealed: await ctx.blobs.read(q, SYSTEM_OWNER, row.blob_id) };
  });
  if (!found || !found.sealed || !keys) return err(mailError('nonexistent', `there is no queued message ${queueId}`));
  const plain = open(keys.encryption, blobContext(SYSTEM_OWNER, found.blobId), found.sealed);
  if (!plain) throw new Error(`queued message ${queueId} failed its integrity check`);
  return ok(plain);
}
