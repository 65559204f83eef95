// The outbound queue's scheduler: claims due recipients (storage.claimQueue), prepares each
// message once (pool header, DKIM, ARC), sorts the recipients into lanes by destination domain
// and sending pool, and opens connections as the traffic shaper allows, each carrying up to
// `messages_per_connection` transactions (one per recipient: each has its own VERP return
// path). When every claimed recipient of a message has a result, the message is settled in one
// commit with its DSN. Claims are renewed while the work runs and freed when the scheduler
// stops; a process that dies leaves claims that expire (CLAIM_LEASE_MS) and are taken again.

import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { OutgoingMessage } from '../protocols/smtp/client/deliver.ts';
import type { QueueClaim, QueuedRecipient, Storage } from '../storage/api.ts';
import type { MessagePreparer } from './prepare.ts';
import type { Pool, PoolRouter } from './pools.ts';
import { returnPath } from './return-path.ts';
import type { TrafficShaper } from './shaper.ts';
import { transmit, type RecipientResult, type TransmitContext } from './transmit.ts';
import { MessageWork, type SettleContext } from './work.ts';

/** How long a claim holds without a heartbeat. */
export const CLAIM_LEASE_MS = 60_000;
/** Longest sleep between two looks at the queue (other processes may have queued mail). */
export const POLL_MS = 5_000;
/** Shortest sleep when nothing could be claimed, so a race never becomes a busy loop. */
const MIN_IDLE_MS = 100;
/** Most recipients claimed at once. */
const CLAIM_BATCH = 500;
/** A destination paused for longer than this gets its waiting recipients deferred instead of held. */
const HOLD_MS = 60_000;
/** Finished queue entries are kept this long (late bounces to their VERP addresses), then purged. */
export const FINISHED_RETENTION_MS = 7 * 24 * 3_600_000;
const PURGE_EVERY_MS = 3_600_000;
/**
 * Messages read and prepared at once: reading a queued message is a few thread-pool round
 * trips (the file), and signing, for mail queued unsigned, runs on the thread pool too.
 */
const ADMIT_CONCURRENCY = 64;
/** How long the scheduler trusts what it learned about a sender domain being ours. */
const DOMAIN_CACHE_MS = 60_000;
/** A connection beside a lane's running one opens only for at least this many transactions. */
const FULL_BATCH = 10;

export interface SchedulerSettings {
  readonly owner: string;
  readonly hostname: string;
  readonly verpSecret: Uint8Array;
  readonly messagesPerConnection: number;
  /** Most recipients in work at once. */
  readonly maxInFlight: number;
}

export interface SchedulerParts {
  readonly storage: Storage;
  readonly preparer: MessagePreparer;
  readonly pools: PoolRouter;
  readonly shaper: TrafficShaper;
  readonly transmit: TransmitContext;
  readonly settle: SettleContext;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface Job {
  readonly work: MessageWork;
  readonly recipients: readonly QueuedRecipient[];
  /** Whether the envelope sender's domain is ours (VERP return paths use it then). */
  readonly senderLocal: boolean;
}

interface Lane {
  readonly key: string;
  readonly domain: string;
  readonly pool: Pool | null;
  readonly jobs: Job[];
  /** Connections open for this lane. */
  active: number;
  timer: NodeJS.Timeout | undefined;
  /** Its last dispatch found no connection allowed to open (the shaper's limits). */
  waitingForSlot: boolean;
}

interface Transaction {
  readonly job: Job;
  readonly recipients: readonly QueuedRecipient[];
  readonly message: OutgoingMessage;
}

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

export class DeliveryScheduler {
  private readonly parts: SchedulerParts;
  private readonly settings: SchedulerSettings;
  private readonly lanes = new Map<string, Lane>();
  private readonly tasks = new Set<Promise<void>>();
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wakeLoop: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private lastPurge = 0;
  private readonly ourDomains = new Map<string, { at: number; ours: boolean }>();
  /** Claims are being admitted: lanes are filling, and are sent once that is done. */
  private admitting = false;

  constructor(parts: SchedulerParts, settings: SchedulerSettings) {
    this.parts = parts;
    this.settings = settings;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.heartbeat = setInterval(() => {
      this.parts.storage.renewClaims(this.settings.owner, CLAIM_LEASE_MS).catch((error: unknown) => this.parts.logger.warn({ err: error }, 'renewing queue claims failed'));
    }, CLAIM_LEASE_MS / 3);
    this.loopDone = this.loop();
  }

  /** New mail was queued: look now. */
  wake(): void {
    this.wakeLoop?.();
  }

  /** Stops claiming, lets running sessions finish within `graceMs`, then frees every claim left. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loopDone;
    for (const lane of this.lanes.values()) clearTimeout(lane.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.tasks]), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    clearInterval(this.heartbeat);
    await this.parts.storage.releaseClaims(this.settings.owner).catch(() => 0);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      const room = this.settings.maxInFlight - this.inFlight;
      try {
        if (room > 0) {
          const claims = await this.parts.storage.claimQueue({ owner: this.settings.owner, limit: Math.min(room, CLAIM_BATCH), leaseMs: CLAIM_LEASE_MS });
          claimed = claims.length;
          this.admitting = true;
          try {
            await this.admitAll(claims);
          } finally {
            this.admitting = false;
          }
          for (const lane of [...this.lanes.values()]) this.dispatch(lane, true);
        }
        await this.purge();
      } catch (error) {
        this.parts.logger.error({ err: error }, 'the delivery scheduler could not read the queue');
      }
      if (!this.running) break;
      if (claimed > 0 && room > 0) continue;
      await this.sleep(room > 0 ? await this.idleDelay() : POLL_MS);
    }
  }

  private async idleDelay(): Promise<number> {
    const due = await this.parts.storage.nextQueueDue().catch(() => null);
    const delay = due === null ? POLL_MS : due.getTime() - this.parts.clock.now();
    return Math.min(Math.max(delay, MIN_IDLE_MS), POLL_MS);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeLoop = () => {
        this.wakeLoop = undefined;
        done();
      };
    });
  }

  private async purge(): Promise<void> {
    const now = this.parts.clock.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    const removed = await this.parts.storage.purgeQueue(new Date(now - FINISHED_RETENTION_MS));
    if (removed > 0) this.parts.logger.info({ removed }, 'purged finished queue entries');
  }

  /** Admits claims a few at a time (signing runs on the thread pool); full lanes start at once. */
  private async admitAll(claims: readonly QueueClaim[]): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < claims.length) {
        const claim = claims[next++] as QueueClaim;
        let lanes: Lane[];
        try {
          lanes = await this.admit(claim);
        } catch (error) {
          // Never left claimed (the heartbeat would renew it forever): deferred to a later try.
          this.parts.logger.error({ err: error, queueId: claim.message.id }, 'preparing a claimed message failed; deferred');
          this.deferClaim(claim, 'the message could not be prepared for delivery');
          continue;
        }
        for (const lane of lanes) this.dispatch(lane, false);
      }
    };
    await Promise.all(Array.from({ length: ADMIT_CONCURRENCY }, worker));
  }

  /** Settles every claimed recipient of a message as deferred (a temporary local failure). */
  private deferClaim(claim: QueueClaim, reply: string): void {
    const work = new MessageWork(claim, new Uint8Array(), new Uint8Array());
    const result: RecipientResult = { status: 'temporary', enhanced: '4.3.0', reply, dsnPassed: false };
    for (const recipient of claim.claimed) work.record(recipient.address, result);
    this.inFlight += claim.claimed.length;
    this.track(this.complete(work));
  }

  /** Reads and prepares a claimed message, and puts its recipients in their lanes (returned). */
  private async admit(claim: QueueClaim): Promise<Lane[]> {
    const { storage, preparer, pools, logger } = this.parts;
    const raw = await storage.readQueuedMessage(claim.message.id);
    if (!raw.ok) {
      // Removed meanwhile (nothing left to settle) or unreadable: try again later, never lose it.
      logger.warn({ queueId: claim.message.id, error: raw.error.message }, 'a claimed message could not be read; deferred');
      this.deferClaim(claim, 'the queued message could not be read');
      return [];
    }
    let prepared: { data: Uint8Array; requestedPool: string | undefined };
    try {
      prepared = await preparer.prepare(claim.message, raw.value);
    } catch (error) {
      logger.error({ err: error, queueId: claim.message.id }, 'preparing the message failed; it goes out unsigned');
      prepared = { data: raw.value, requestedPool: undefined };
    }
    const sender = claim.message.envelope.sender;
    const senderDomain = sender === '' ? this.settings.hostname : domainOf(sender);
    const senderLocal = sender !== '' && (await this.isOurDomain(senderDomain));
    // Nothing below can fail: from here the work is counted and in its lanes.
    const work = new MessageWork(claim, raw.value, prepared.data);
    this.inFlight += claim.claimed.length;
    const pool = pools.choosePool(senderDomain, prepared.requestedPool);
    const byDomain = new Map<string, QueuedRecipient[]>();
    for (const recipient of claim.claimed) {
      const domain = domainOf(recipient.address);
      const list = byDomain.get(domain);
      if (list) list.push(recipient);
      else byDomain.set(domain, [recipient]);
    }
    const lanes: Lane[] = [];
    for (const [domain, recipients] of byDomain) {
      const lane = this.lane(domain, pool);
      lane.jobs.push({ work, recipients, senderLocal });
      lanes.push(lane);
    }
    return lanes;
  }

  /** Whether a domain is ours, asked of storage at most once a minute per domain. */
  private async isOurDomain(domain: string): Promise<boolean> {
    const now = this.parts.clock.now();
    const known = this.ourDomains.get(domain);
    if (known && now - known.at < DOMAIN_CACHE_MS) return known.ours;
    const ours = (await this.parts.storage.getDomain(domain)) !== undefined;
    this.ourDomains.set(domain, { at: now, ours });
    return ours;
  }

  private lane(domain: string, pool: Pool | null): Lane {
    const key = `${domain}\n${pool?.name ?? ''}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { key, domain, pool, jobs: [], active: 0, timer: undefined, waitingForSlot: false };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /**
   * Opens as many connections for the lane as the shaper allows now. A further connection
   * opens only for a batch worth one (FULL_BATCH): the lane's running connection takes the
   * rest when it ends. `flush`: send what waits even when no batch is full (nothing is open).
   */
  private dispatch(lane: Lane, flush: boolean): void {
    const { shaper, clock } = this.parts;
    const full = Math.min(FULL_BATCH, this.settings.messagesPerConnection);
    while (lane.jobs.length > 0 && this.running) {
      if (lane.jobs.length < full && (lane.active > 0 || !flush)) break;
      const now = clock.now();
      const blocked = shaper.blockedUntil(lane.domain);
      // No connection may open now (total or per-domain limit): a closing one dispatches again.
      lane.waitingForSlot = blocked === Infinity;
      if (lane.waitingForSlot) return;
      if (blocked > now) {
        if (blocked - now > HOLD_MS) {
          this.deferLane(lane, blocked);
          break;
        }
        lane.timer ??= setTimeout(() => {
          lane.timer = undefined;
          this.dispatch(lane, true);
        }, blocked - now);
        return;
      }
      const allowance = Math.max(1, shaper.messageAllowance(lane.domain, this.settings.messagesPerConnection));
      const batch: Transaction[] = [];
      while (lane.jobs.length > 0 && batch.length < allowance) batch.push(...this.transactions(lane.jobs.shift() as Job));
      shaper.opened(lane.domain, batch.length);
      lane.active++;
      const task: Promise<void> = this.run(lane, batch).finally(() => this.tasks.delete(task));
      this.tasks.add(task);
    }
    if (lane.jobs.length === 0 && lane.active === 0 && lane.timer === undefined) this.lanes.delete(lane.key);
  }

  /** A paused destination: its waiting recipients are deferred to the end of the pause. */
  private deferLane(lane: Lane, until: number): void {
    const jobs = lane.jobs.splice(0);
    const result: RecipientResult = { status: 'temporary', enhanced: '4.7.0', reply: `${lane.domain} asked us to slow down; waiting`, dsnPassed: false, notBefore: until };
    for (const job of jobs) {
      for (const recipient of job.recipients) job.work.record(recipient.address, result);
      this.track(this.complete(job.work));
    }
  }

  private track(task: Promise<void>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  /** One transaction per recipient (its own VERP return path); the null sender's recipients share one. */
  private transactions(job: Job): Transaction[] {
    const message = job.work.claim.message;
    const envelope = message.envelope;
    const outgoing = (sender: string, recipients: readonly QueuedRecipient[]): OutgoingMessage => ({
      sender,
      recipients: recipients.map((r) => ({ address: r.address, ...(r.notify === undefined ? {} : { notify: r.notify }), ...(r.orcpt === undefined ? {} : { orcpt: r.orcpt }) })),
      ...(envelope.envid === undefined ? {} : { envid: envelope.envid }),
      ...(envelope.ret === undefined ? {} : { ret: envelope.ret }),
      body: envelope.body,
      smtputf8: envelope.smtputf8,
      requireTls: envelope.requireTls,
      data: job.work.data,
    });
    if (envelope.sender === '') return [{ job, recipients: job.recipients, message: outgoing('', job.recipients) }];
    return job.recipients.map((recipient) => {
      const index = message.recipients.findIndex((r) => r.address === recipient.address);
      const path = returnPath(envelope.sender, job.senderLocal, this.settings.hostname, message.id, index, this.settings.verpSecret);
      return { job, recipients: [recipient], message: outgoing(path, [recipient]) };
    });
  }

  private async run(lane: Lane, batch: readonly Transaction[]): Promise<void> {
    let rateLimited = false;
    try {
      // A message the remote accepted is settled at once: a crash later in the session then
      // repeats only what was in flight, not everything the connection carried before it.
      const early = (index: number, results: readonly RecipientResult[]) => {
        const tx = batch[index];
        if (!tx) return;
        tx.recipients.forEach((r, j) => {
          const result = results[j];
          if (result) tx.job.work.record(r.address, result);
        });
        this.track(this.complete(tx.job.work));
      };
      const sent = await transmit(this.parts.transmit, lane.domain, lane.pool, batch, early);
      rateLimited = sent.rateLimited;
      batch.forEach((tx, i) => tx.recipients.forEach((r, j) => tx.job.work.record(r.address, sent.results[i]?.[j] ?? { status: 'temporary', enhanced: '4.0.0', reply: 'no result', dsnPassed: false })));
    } catch (error) {
      this.parts.logger.error({ err: error, domain: lane.domain }, 'delivery attempt failed');
      const result: RecipientResult = { status: 'temporary', enhanced: '4.3.0', reply: 'internal error during delivery', dsnPassed: false };
      for (const tx of batch) for (const r of tx.recipients) tx.job.work.record(r.address, result);
    } finally {
      this.parts.shaper.closed(lane.domain, rateLimited);
      lane.active--;
    }
    for (const work of new Set(batch.map((tx) => tx.job.work))) await this.complete(work);
    // This lane sends what waits, unless more is being admitted (the queue loop sends it all
    // then, in fuller sessions); another lane only if it waits for a free connection.
    this.dispatch(lane, !this.admitting);
    for (const other of [...this.lanes.values()]) if (other !== lane && other.waitingForSlot) this.dispatch(other, true);
    this.wake();
  }

  /** Settles a message once all its claimed recipients have results. */
  private async complete(work: MessageWork): Promise<void> {
    if (!work.readyToSettle()) return;
    this.inFlight -= work.claim.claimed.length;
    try {
      await work.settle(this.parts.settle);
    } catch (error) {
      this.parts.logger.error({ err: error, queueId: work.id }, 'settling a delivery failed; its claims will expire and it will be tried again');
    }
  }
}
