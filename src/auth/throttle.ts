// Login throttling: remembers failed logins per client IP (IPv6 by /64) and per account name,
// answers how long to hold back a failure answer, and locks an IP or account out after too
// many failures. Input it does not trust: IP strings and account names (attacker-chosen, so
// they only key Maps, and memory is bounded by MAX_TRACKED per kind, oldest evicted first).
//
// Standards: NIST SP 800-63B §5.2.2 (rate limiting: limit consecutive failed attempts on a
// single account); the shape follows Dovecot's auth_penalty (a rising delay) plus a lockout.
// Time comes from the injected Clock.

import { systemClock, type Clock } from '../core/clock.ts';
import { ipGroupKey } from './ip-group.ts';

export interface ThrottleOptions {
  /** Failures answered without delay (config auth.throttle_free_failures). */
  readonly freeFailures: number;
  /** Failures that lock the IP or account out (config auth.lockout_failures). */
  readonly lockoutFailures: number;
  /** Lockout length, and how long a failure is remembered (config auth.lockout_seconds). */
  readonly lockoutSeconds: number;
}

export const DEFAULT_THROTTLE_OPTIONS: ThrottleOptions = { freeFailures: 3, lockoutFailures: 10, lockoutSeconds: 900 };

/** Most IP groups, and separately most account names, remembered at once. */
export const MAX_TRACKED = 100_000;
/** Delay of the first failure past the free ones; each further failure doubles it. */
export const BASE_DELAY_MS = 250;
export const MAX_DELAY_MS = 8000;

export type ThrottleDecision =
  | { readonly allowed: true; readonly delayMs: number }
  | { readonly allowed: false; readonly retryAfterMs: number };

export interface LoginThrottleOptions extends Partial<ThrottleOptions> {
  readonly clock?: Clock;
  /** Defaults to MAX_TRACKED. */
  readonly maxTracked?: number;
}

interface Failure {
  readonly at: number;
  /** The account name tried, so its owner's success can forgive it on the IP record. */
  readonly account: string | undefined;
}

interface FailureRecord {
  failures: Failure[];
  lockedUntil: number;
}

export class LoginThrottle {
  private readonly clock: Clock;
  private readonly options: ThrottleOptions;
  private readonly maxTracked: number;
  private readonly byIp = new Map<string, FailureRecord>();
  private readonly byAccount = new Map<string, FailureRecord>();

  constructor(options: LoginThrottleOptions = {}) {
    const { clock = systemClock, maxTracked = MAX_TRACKED, ...limits } = options;
    this.options = { ...DEFAULT_THROTTLE_OPTIONS, ...limits };
    this.clock = clock;
    this.maxTracked = maxTracked;
  }

  /**
   * Whether a login may be tried now. When allowed, delayMs is how long to wait before
   * answering if this attempt fails (0 while failures are still free).
   */
  check(ip: string, account?: string): ThrottleDecision {
    const now = this.clock.now();
    const records = this.records(ip, account, now);
    const lockedUntil = Math.max(0, ...records.map((record) => record.lockedUntil));
    if (lockedUntil > now) return { allowed: false, retryAfterMs: lockedUntil - now };
    const failures = Math.max(0, ...records.map((record) => record.failures.length));
    return { allowed: true, delayMs: this.delayFor(failures) };
  }

  recordFailure(ip: string, account?: string): void {
    const now = this.clock.now();
    this.addFailure(this.byIp, ipGroupKey(ip), { at: now, account }, now);
    if (account !== undefined) this.addFailure(this.byAccount, account, { at: now, account }, now);
  }

  /** Forgets the account's failures, and those from this IP that were for this account. */
  recordSuccess(ip: string, account: string): void {
    this.byAccount.delete(account);
    const key = ipGroupKey(ip);
    const record = this.byIp.get(key);
    if (record === undefined || record.lockedUntil > this.clock.now()) return;
    record.failures = record.failures.filter((failure) => failure.account !== account);
    if (record.failures.length === 0) this.byIp.delete(key);
  }

  /** Number of IP groups and account names remembered (for tests and metrics). */
  get size(): { ips: number; accounts: number } {
    return { ips: this.byIp.size, accounts: this.byAccount.size };
  }

  private delayFor(failures: number): number {
    if (failures < this.options.freeFailures) return 0;
    const exponent = Math.min(failures - this.options.freeFailures, 16);
    return Math.min(BASE_DELAY_MS * 2 ** exponent, MAX_DELAY_MS);
  }

  private records(ip: string, account: string | undefined, now: number): FailureRecord[] {
    const records = [this.current(this.byIp, ipGroupKey(ip), now)];
    if (account !== undefined) records.push(this.current(this.byAccount, account, now));
    return records.filter((record): record is FailureRecord => record !== undefined);
  }

  /** The record with failures older than the window dropped; undefined when nothing is left. */
  private current(map: Map<string, FailureRecord>, key: string, now: number): FailureRecord | undefined {
    const record = map.get(key);
    if (record === undefined) return undefined;
    const windowStart = now - this.options.lockoutSeconds * 1000;
    record.failures = record.failures.filter((failure) => failure.at > windowStart);
    if (record.failures.length === 0 && record.lockedUntil <= now) {
      map.delete(key);
      return undefined;
    }
    return record;
  }

  private addFailure(map: Map<string, FailureRecord>, key: string, failure: Failure, now: number): void {
    const record = this.current(map, key, now) ?? { failures: [], lockedUntil: 0 };
    // Keep only what the lockout decision needs.
    record.failures = [...record.failures, failure].slice(-this.options.lockoutFailures);
    if (record.failures.length >= this.options.lockoutFailures) {
      record.lockedUntil = now + this.options.lockoutSeconds * 1000;
    }
    // Re-insert so Map order is least recently failed first, then evict from the front.
    map.delete(key);
    map.set(key, record);
    while (map.size > this.maxTracked) {
      const oldest = map.keys().next();
      if (oldest.done === true) break;
      map.delete(oldest.value);
    }
  }
}
