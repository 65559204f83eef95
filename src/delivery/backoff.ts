// When a recipient that failed temporarily is tried again, and when it has waited long enough
// to expire. RFC 5321 §4.5.4.1: retry after a while (at least 30 minutes is usual; we start
// shorter and double), give up after 4-5 days. A little jitter spreads retries so one
// destination's failures do not come back as one burst.

export interface BackoffPolicy {
  readonly minMs: number;
  readonly maxMs: number;
  /** A message older than this expires instead of being deferred again. */
  readonly lifetimeMs: number;
}

/** Plus or minus this fraction of the delay. */
export const JITTER = 0.1;

/** The delay before attempt `attempts + 1`, after `attempts` failed ones (at least 1). */
export function retryDelay(policy: BackoffPolicy, attempts: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const base = Math.min(policy.minMs * 2 ** exponent, policy.maxMs);
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/**
 * The next attempt for a deferral now, or null when the message has expired: its age is past
 * the lifetime, or the next attempt would fall after it (then the last try has been made).
 */
export function nextAttempt(policy: BackoffPolicy, attempts: number, createdAt: number, now: number, random?: () => number): number | null {
  const expiresAt = createdAt + policy.lifetimeMs;
  if (now >= expiresAt) return null;
  return Math.min(now + retryDelay(policy, attempts, random), expiresAt);
}
