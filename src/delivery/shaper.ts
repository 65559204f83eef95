// Traffic shaping for outbound mail: how many connections may be open at once in total, to
// one destination domain and to one MX address; how many messages a destination gets per
// minute; and a pause for a destination that answered with a rate-limit reply (RFC 5321
// §4.2.2 421/450/451 with "too many", RFC 3463 X.7.0/X.4.5 class hints), during which its
// concurrency also drops to one and then climbs back. Pure bookkeeping with an injected clock:
// the scheduler asks before it opens a connection and reports back when it is done.

import type { Clock } from '../core/clock.ts';

export interface ShapingLimits {
  readonly total: number;
  readonly perDomain: number;
  readonly perMx: number;
  /** Messages per minute per destination domain; 0: unlimited. */
  readonly ratePerDomain: number;
}

/** How long a destination that asked us to slow down is left alone. */
export const RATE_LIMIT_PAUSE_MS = 5 * 60_000;
const MINUTE = 60_000;

interface DomainState {
  open: number;
  /** Concurrency allowed now (lowered after a rate-limit reply, restored on success). */
  allowed: number;
  pausedUntil: number;
  /** Send times of the last minute's messages (for the rate limit). */
  sent: number[];
}

export class TrafficShaper {
  private readonly limits: ShapingLimits;
  private readonly clock: Clock;
  private readonly domains = new Map<string, DomainState>();
  private readonly mxOpen = new Map<string, number>();
  private readonly mxWaiters = new Map<string, (() => void)[]>();
  private open = 0;

  constructor(limits: ShapingLimits, clock: Clock) {
    this.limits = limits;
    this.clock = clock;
  }

  private state(domain: string): DomainState {
    let state = this.domains.get(domain);
    if (!state) {
      state = { open: 0, allowed: this.limits.perDomain, pausedUntil: 0, sent: [] };
      this.domains.set(domain, state);
    }
    return state;
  }

  /** Connections open now. */
  get active(): number {
    return this.open;
  }

  /**
   * Whether a connection to `domain` may open now; 0 means yes, otherwise the time (ms since
   * the epoch) to ask again, or Infinity when only a closing connection can make room.
   */
  blockedUntil(domain: string): number {
    const now = this.clock.now();
    const state = this.state(domain);
    if (state.pausedUntil > now) return state.pausedUntil;
    if (this.open >= this.limits.total || state.open >= state.allowed) return Infinity;
    if (this.limits.ratePerDomain > 0) {
      state.sent = state.sent.filter((t) => t > now - MINUTE);
      if (state.sent.length >= this.limits.ratePerDomain) return (state.sent[0] as number) + MINUTE;
    }
    return 0;
  }

  /** How many messages one connection to `domain` may carry now under the rate limit. */
  messageAllowance(domain: string, wanted: number): number {
    if (this.limits.ratePerDomain <= 0) return wanted;
    const state = this.state(domain);
    return Math.max(0, Math.min(wanted, this.limits.ratePerDomain - state.sent.length));
  }

  /** A connection to `domain` opens, to carry `messages` messages. */
  opened(domain: string, messages: number): void {
    const state = this.state(domain);
    state.open++;
    this.open++;
    const now = this.clock.now();
    for (let i = 0; i < messages && this.limits.ratePerDomain > 0; i++) state.sent.push(now);
  }

  /** Waits (first come, first served) until a connection to this MX address may open, and takes the slot. */
  async acquireMx(address: string): Promise<void> {
    if ((this.mxOpen.get(address) ?? 0) < this.limits.perMx) {
      this.mxOpen.set(address, (this.mxOpen.get(address) ?? 0) + 1);
      return;
    }
    await new Promise<void>((resolve) => {
      const waiting = this.mxWaiters.get(address);
      if (waiting) waiting.push(resolve);
      else this.mxWaiters.set(address, [resolve]);
    });
  }

  /** Gives the slot back; the next waiter for this address (if any) gets it. */
  releaseMx(address: string): void {
    const waiting = this.mxWaiters.get(address);
    const next = waiting?.shift();
    if (waiting?.length === 0) this.mxWaiters.delete(address);
    if (next) {
      next(); // The slot passes on: the count stays.
      return;
    }
    const left = (this.mxOpen.get(address) ?? 1) - 1;
    if (left <= 0) this.mxOpen.delete(address);
    else this.mxOpen.set(address, left);
  }

  /** The connection closed; `rateLimited` when the destination asked us to slow down. */
  closed(domain: string, rateLimited: boolean): void {
    const state = this.state(domain);
    state.open = Math.max(0, state.open - 1);
    this.open = Math.max(0, this.open - 1);
    if (rateLimited) {
      state.pausedUntil = this.clock.now() + RATE_LIMIT_PAUSE_MS;
      state.allowed = 1;
    } else if (state.allowed < this.limits.perDomain) {
      state.allowed++;
    }
    if (state.open === 0 && state.allowed === this.limits.perDomain && state.pausedUntil <= this.clock.now() && state.sent.length === 0) this.domains.delete(domain);
  }
}
