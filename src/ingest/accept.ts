// The one way a message enters Postwarden (DESIGN.md, house rule 7): SMTP, DSNs and APIs all
// call accept(). It adds the trace fields (Received: from the caller, Return-Path: for final
// delivery, RFC 5321 §4.4), places a copy in each local recipient's INBOX and queues the
// message for its remote recipients, all in one durable commit (storage.deliver). It returns
// only after that commit, so a positive protocol reply can follow.

import { randomOctets } from '../core/random-octets.ts';
import { err, ok, type Result } from '../core/result.ts';
import type { Account, Delivery, DeliveryReceipt, DsnNotify, NewMessage, OutboundEnvelope, OutboundMessage, Storage } from '../storage/api.ts';
import { messageCacheOf } from '../mail/message-cache-offload.ts';
import { mailError, type MailError } from '../storage/mail-error.ts';

export interface LocalRecipient {
  readonly account: Account;
}

export interface RemoteRecipient {
  readonly address: string;
  readonly orcpt?: string;
  readonly notify?: DsnNotify;
}

export interface Submission {
  readonly queueId: string;
  /**
   * The message as received (CRLF line endings), without our trace fields, in the pieces it
   * arrived in: they are joined once, behind the trace fields (a 100 KB message is not copied
   * twice on its way to storage).
   */
  readonly message: readonly Uint8Array[];
  /** Trace fields to prepend, each a complete field ending in CRLF (the Received: field). */
  readonly trace: readonly string[];
  readonly envelope: OutboundEnvelope;
  readonly local: readonly LocalRecipient[];
  readonly remote: readonly RemoteRecipient[];
}

/** Mail for remote recipients in its wire form, made as it is queued. */
export interface SignedForQueue {
  readonly data: Uint8Array;
  /** The IP pool the submitting account asked for (the header that said so is removed). */
  readonly requestedPool: string | null;
}

/** Signs outgoing mail at enqueue (DKIM, delivery/signer.ts); undefined leaves it to delivery. */
export interface OutboundSigner {
  signForQueue(envelope: OutboundEnvelope, raw: Uint8Array, queueId: string): Promise<SignedForQueue | undefined>;
}

const QUEUE_ID_ALPHABET = '0123456789BCDFGHJKLMNPQRSTVWXYZ';

/** A queue id: 14 characters from a 31-letter alphabet without vowels (about 69 bits). */
export function newQueueId(): string {
  let id = '';
  for (const byte of randomOctets(14)) id += QUEUE_ID_ALPHABET[byte % QUEUE_ID_ALPHABET.length];
  return id;
}

/** RFC 5321 §4.4: the Return-Path a final delivery adds; <> for the null sender. */
export function returnPathField(sender: string): string {
  return `Return-Path: <${sender}>\r\n`;
}

/**
 * The durable write a submission becomes, not yet committed: queue settlements commit the
 * delivery status notifications they cause together with their outcomes.
 */
export async function prepareDelivery(storage: Storage, submission: Submission, signer?: OutboundSigner): Promise<Result<Delivery, MailError>> {
  const trace = Buffer.from(submission.trace.join(''), 'utf8');
  // Each copy is made only when something needs it (large messages: less to allocate and collect).
  const relayed = submission.remote.length > 0 ? Buffer.concat([trace, ...submission.message]) : undefined;
  const delivered = submission.local.length > 0 ? Buffer.concat([Buffer.from(returnPathField(submission.envelope.sender), 'utf8'), trace, ...submission.message]) : undefined;
  const seen = new Set<number>();
  const local: NewMessage[] = [];
  if (delivered) {
    // Large messages: built on a thread while storage seals the message and writes its file.
    const cache = messageCacheOf(delivered);
    for (const { account } of submission.local) {
      if (seen.has(account.id)) continue;
      seen.add(account.id);
      const inbox = await storage.inboxId(account.id);
      // INBOX cannot be deleted: it is missing only with its account (deleted meanwhile). Refuse, lose nothing.
      if (inbox === undefined) return err(mailError('unavailable', `${account.address} has no INBOX`));
      local.push({ accountId: account.id, mailboxId: inbox, raw: delivered, cache });
    }
  }
  return ok({ queueId: submission.queueId, local, ...(relayed ? { outbound: await outbound(submission, relayed, signer) } : {}) });
}

/** The queue entry: signed now when the signer can, so delivery sends it as stored. */
async function outbound(submission: Submission, relayed: Uint8Array, signer: OutboundSigner | undefined): Promise<OutboundMessage> {
  const message = { raw: relayed, envelope: submission.envelope, recipients: submission.remote };
  const signed = await signer?.signForQueue(submission.envelope, relayed, submission.queueId);
  return signed ? { ...message, raw: signed.data, prepared: { requestedPool: signed.requestedPool } } : message;
}

export async function accept(storage: Storage, submission: Submission, signer?: OutboundSigner): Promise<Result<DeliveryReceipt, MailError>> {
  const delivery = await prepareDelivery(storage, submission, signer);
  return delivery.ok ? storage.deliver(delivery.value) : delivery;
}
