// The outbound queue's part of the storage API (api.ts re-exports it). One row per message and
// one per recipient, each recipient with its own state, attempts, next attempt and last reply.
// Workers claim due recipients atomically (PostgreSQL FOR UPDATE SKIP LOCKED; SQLite's single
// writer), so several processes sharing one PostgreSQL queue never deliver a recipient twice
// at once; a claim expires, so a worker that dies gives its recipients back.

import type { Result } from '../core/result.ts';
import type { Delivery, OutboundEnvelope, OutboundRecipient, WirePreparation } from './api.ts';
import type { MailError } from './mail-error.ts';

/** queued and deferred are pending; delivered, bounced and expired are final. */
export type QueueState = 'queued' | 'deferred' | 'delivered' | 'bounced' | 'expired';

export type FinalQueueState = 'delivered' | 'bounced' | 'expired';

export interface QueuedRecipient extends OutboundRecipient {
  readonly state: QueueState;
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  /** The remote server's (or our own) last reply, e.g. "451 4.7.1 try later". */
  readonly lastReply: string | null;
  /** A delay notice (RFC 3464 action "delayed") was sent for it. */
  readonly delayNotified: boolean;
  readonly updatedAt: Date;
}

export interface QueuedMessage {
  readonly id: string;
  readonly envelope: OutboundEnvelope;
  readonly size: number;
  readonly createdAt: Date;
  /** When its last recipient reached a final state; its bytes are gone from then on. */
  readonly finishedAt: Date | null;
  /** Set when the stored bytes are already what goes on the wire (prepared at enqueue). */
  readonly prepared: WirePreparation | null;
  readonly recipients: readonly QueuedRecipient[];
}

/** A message with the recipients one worker claimed from it. */
export interface QueueClaim {
  readonly message: QueuedMessage;
  readonly claimed: readonly QueuedRecipient[];
}

export interface ClaimRequest {
  /** Names the claiming worker (process and worker); outcomes are taken only from it. */
  readonly owner: string;
  /** Most recipients to claim. */
  readonly limit: number;
  /** How long the claim holds if the worker never settles it. */
  readonly leaseMs: number;
}

export type RecipientOutcome =
  | { readonly address: string; readonly state: FinalQueueState; readonly reply: string }
  | { readonly address: string; readonly state: 'deferred'; readonly reply: string; readonly nextAttemptAt: Date; readonly delayNotified?: boolean };

/** The results of one delivery attempt, and the notices (DSNs) they cause, committed together. */
export interface Settlement {
  readonly owner: string;
  readonly messageId: string;
  readonly outcomes: readonly RecipientOutcome[];
  /** Delivery status notifications to store with the outcomes (RFC 3464), local or queued. */
  readonly notices: readonly Delivery[];
}

export interface QueueStore {
  /** Queued messages, oldest first; `pending` keeps those with a recipient still to deliver. */
  listQueue(filter?: { readonly pending?: boolean }): Promise<QueuedMessage[]>;
  getQueued(messageId: string): Promise<QueuedMessage | undefined>;
  /** The bytes of a queued message (nonexistent once it is finished or removed). */
  readQueuedMessage(queueId: string): Promise<Result<Uint8Array, MailError>>;
  /** Claims pending recipients that are due and not claimed by a live worker, earliest first. */
  claimQueue(request: ClaimRequest): Promise<QueueClaim[]>;
  /**
   * Records outcomes for recipients the owner still holds (others are left alone), releases
   * the claims, stores the notices, and finishes the message when no recipient is pending: all
   * in one transaction.
   */
  settleQueue(settlement: Settlement): Promise<Result<void, MailError>>;
  /** Extends the owner's claims by `leaseMs` from now (a heartbeat while it works); returns how many. */
  renewClaims(owner: string, leaseMs: number): Promise<number>;
  /** Frees claims: the owner's, or every claim (a single-process store starting up); returns how many. */
  releaseClaims(owner?: string): Promise<number>;
  /** Makes pending recipients due now (of one message, or all); returns how many. */
  retryQueue(messageId?: string): Promise<number>;
  /** Deletes a queued message and its recipients without notices. */
  removeQueued(messageId: string): Promise<Result<void, MailError>>;
  /** The earliest next attempt of a pending, unclaimed recipient. */
  nextQueueDue(): Promise<Date | null>;
  /** Forgets finished messages older than `before`; returns how many. */
  purgeQueue(before: Date): Promise<number>;
}
