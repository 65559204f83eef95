// Delivery status notifications for one settlement: the recipients whose sender asked to hear
// about what happened (RFC 3461 §4.1 NOTIFY; failures when NOTIFY is absent), reported in one
// RFC 3464 DSN per message and attempt, addressed to the envelope sender through ingest like
// any other message (local INBOX or the outbound queue), sent from the null reverse-path. A
// message from the null sender never gets one (RFC 5321 §6.1), so bounces cannot loop.

import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { newQueueId, prepareDelivery } from '../ingest/accept.ts';
import { resolveAddress } from '../ingest/recipients.ts';
import { buildDsn, dsnWanted, type DsnAction } from '../mail/dsn.ts';
import type { Delivery, QueuedMessage, QueuedRecipient, Storage } from '../storage/api.ts';

export interface RecipientReport {
  readonly recipient: QueuedRecipient;
  readonly action: DsnAction;
  /** RFC 3463 status, e.g. 5.1.1. */
  readonly status: string;
  /** The host that answered, when one did. */
  readonly remoteMta?: string;
  /** The remote reply or our own explanation. */
  readonly diagnostic: string;
  readonly willRetryUntil?: Date;
}

export interface NoticeContext {
  readonly storage: Storage;
  readonly hostname: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

function isEightBit(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte > 0x7f) return true;
  return false;
}

/** The DSN for what this attempt did to `message`'s recipients, or undefined when none is due. */
export async function noticeFor(ctx: NoticeContext, message: QueuedMessage, original: Uint8Array, reports: readonly RecipientReport[]): Promise<Delivery | undefined> {
  const sender = message.envelope.sender;
  if (sender === '') return undefined;
  const wanted = reports.filter((r) => dsnWanted(r.recipient.notify, r.action));
  if (wanted.length === 0) return undefined;
  const now = new Date(ctx.clock.now());
  const dsn = buildDsn({
    hostname: ctx.hostname,
    sender,
    recipients: wanted.map((r) => ({
      address: r.recipient.address,
      ...(r.recipient.orcpt === undefined ? {} : { orcpt: r.recipient.orcpt }),
      action: r.action,
      status: r.status,
      ...(r.remoteMta === undefined ? {} : { remoteMta: r.remoteMta }),
      diagnostic: r.diagnostic,
      lastAttempt: now,
      ...(r.willRetryUntil === undefined ? {} : { willRetryUntil: r.willRetryUntil }),
    })),
    ...(message.envelope.envid === undefined ? {} : { envid: message.envelope.envid }),
    ...(message.envelope.ret === undefined ? {} : { ret: message.envelope.ret }),
    message: original,
    arrivalDate: message.createdAt,
    date: now,
    messageIdDomain: ctx.hostname,
    smtputf8: message.envelope.smtputf8,
  });
  if (!dsn.ok) {
    ctx.logger.warn({ queueId: message.id, sender, reason: dsn.error }, 'no delivery status notification: it cannot be made');
    return undefined;
  }
  const resolution = await resolveAddress(ctx.storage, sender);
  if (resolution.kind === 'unknown' || resolution.kind === 'invalid') {
    ctx.logger.warn({ queueId: message.id, sender }, 'no delivery status notification: the sender does not exist');
    return undefined;
  }
  const local = resolution.kind === 'local' ? resolution.accounts.map((account) => ({ account })) : [];
  const remote = resolution.kind === 'local' ? resolution.remote.map((address) => ({ address })) : [{ address: sender }];
  const prepared = await prepareDelivery(ctx.storage, {
    queueId: newQueueId(),
    message: [dsn.value],
    trace: [],
    // RFC 5321 §4.5.5: notifications are sent with the null reverse-path.
    envelope: { sender: '', body: isEightBit(dsn.value) ? '8BITMIME' : '7BIT', smtputf8: message.envelope.smtputf8, requireTls: false, accountId: null },
    local,
    remote,
  });
  if (!prepared.ok) {
    ctx.logger.warn({ queueId: message.id, sender, reason: prepared.error.message }, 'no delivery status notification: it cannot be stored');
    return undefined;
  }
  return prepared.value;
}
