// One claimed message while its recipients are being delivered: the bytes to send, the results
// as they come in from each destination, and, once every claimed recipient has one, the
// settlement: delivered, bounced (a permanent failure), deferred to the next attempt of the
// backoff schedule, or expired (RFC 5321 §4.5.4.1: given up after the queue lifetime), with
// the DSN the sender asked for stored in the same commit (RFC 3461, RFC 3464).

import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { QueueClaim, QueuedRecipient, RecipientOutcome, Storage } from '../storage/api.ts';
import { nextAttempt, type BackoffPolicy } from './backoff.ts';
import { noticeFor, type NoticeContext, type RecipientReport } from './notices.ts';
import type { RecipientResult } from './transmit.ts';

export interface SettleContext {
  readonly storage: Storage;
  readonly owner: string;
  readonly backoff: BackoffPolicy;
  /** A delay notice is due once a recipient waited this long; 0: never. */
  readonly delayWarningMs: number;
  readonly notices: NoticeContext;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface Settled {
  readonly outcome: RecipientOutcome;
  readonly report: RecipientReport | undefined;
}

export class MessageWork {
  readonly claim: QueueClaim;
  /** The bytes as they go out (signed); the original stays in the queue. */
  readonly original: Uint8Array;
  readonly data: Uint8Array;
  private readonly results = new Map<string, RecipientResult>();
  private settling = false;

  constructor(claim: QueueClaim, original: Uint8Array, data: Uint8Array) {
    this.claim = claim;
    this.original = original;
    this.data = data;
  }

  get id(): string {
    return this.claim.message.id;
  }

  /** Recipients still waiting for a result. */
  get open(): number {
    return this.claim.claimed.length - this.results.size;
  }

  /** True once, when every claimed recipient has a result: the caller settles it. */
  readyToSettle(): boolean {
    if (this.settling || this.open > 0) return false;
    this.settling = true;
    return true;
  }

  record(address: string, result: RecipientResult): void {
    this.results.set(address, result);
  }

  private settleOne(ctx: SettleContext, recipient: QueuedRecipient, result: RecipientResult, now: number): Settled {
    const message = this.claim.message;
    const base = { recipient, status: result.enhanced, diagnostic: result.reply, ...(result.remoteMta ? { remoteMta: result.remoteMta } : {}) };
    if (result.status === 'delivered') {
      // RFC 3461 §5.2.2: a server that took NOTIFY reports success itself; otherwise we say "relayed".
      return { outcome: { address: recipient.address, state: 'delivered', reply: result.reply }, report: result.dsnPassed ? undefined : { ...base, action: 'relayed' } };
    }
    if (result.status === 'permanent') return { outcome: { address: recipient.address, state: 'bounced', reply: result.reply }, report: { ...base, action: 'failed' } };
    const created = message.createdAt.getTime();
    let next = nextAttempt(ctx.backoff, recipient.attempts + 1, created, now);
    if (next !== null && result.notBefore !== undefined) next = Math.min(Math.max(next, result.notBefore), created + ctx.backoff.lifetimeMs);
    if (next === null) {
      const reply = `delivery time expired; last reply: ${result.reply}`;
      // RFC 3463 §3.5: X.4.7 delivery time expired.
      return { outcome: { address: recipient.address, state: 'expired', reply }, report: { ...base, status: '5.4.7', diagnostic: reply, action: 'failed' } };
    }
    const warn = ctx.delayWarningMs > 0 && !recipient.delayNotified && now - created >= ctx.delayWarningMs;
    return {
      outcome: { address: recipient.address, state: 'deferred', reply: result.reply, nextAttemptAt: new Date(next), ...(warn ? { delayNotified: true } : {}) },
      report: warn ? { ...base, action: 'delayed', willRetryUntil: new Date(created + ctx.backoff.lifetimeMs) } : undefined,
    };
  }

  /** Commits every claimed recipient's outcome and the DSN; a DSN that cannot be stored does not hold the outcomes back. */
  async settle(ctx: SettleContext): Promise<void> {
    const now = ctx.clock.now();
    const settled: Settled[] = [];
    for (const recipient of this.claim.claimed) {
      const result = this.results.get(recipient.address) ?? { status: 'temporary', enhanced: '4.0.0', reply: 'not attempted', dsnPassed: false };
      const one = this.settleOne(ctx, recipient, result, now);
      settled.push(one);
      ctx.logger.info({ queueId: this.id, to: recipient.address, status: one.outcome.state, relay: result.remoteMta, reply: result.reply, attempts: recipient.attempts + 1, delaySeconds: Math.round((now - this.claim.message.createdAt.getTime()) / 1000) }, 'delivery');
    }
    const reports = settled.flatMap((s) => (s.report ? [s.report] : []));
    const notice = reports.length > 0 ? await noticeFor(ctx.notices, this.claim.message, this.original, reports) : undefined;
    const outcomes = settled.map((s) => s.outcome);
    const stored = await ctx.storage.settleQueue({ owner: ctx.owner, messageId: this.id, outcomes, notices: notice ? [notice] : [] });
    if (stored.ok || !notice) {
      if (!stored.ok) ctx.logger.error({ queueId: this.id, reason: stored.error.message }, 'the delivery outcomes could not be stored; the claim will expire and the recipients be tried again');
      return;
    }
    ctx.logger.warn({ queueId: this.id, reason: stored.error.message }, 'the delivery status notification could not be stored; the outcomes are stored without it');
    const bare = await ctx.storage.settleQueue({ owner: ctx.owner, messageId: this.id, outcomes, notices: [] });
    if (!bare.ok) ctx.logger.error({ queueId: this.id, reason: bare.error.message }, 'the delivery outcomes could not be stored');
  }
}
