// Which sending IP pool a message leaves from, and which address of the pool a connection
// binds. A pool is dedicated to the sender domains it lists or shared by every other sender.
// The choice, in order: the pool an authenticated sender names in the pool header (when it may
// use it), the pool dedicated to the sender's domain, the first shared pool, or none (the
// system's own address and hostname). Within a pool, addresses take turns; an address a
// destination blocked rests for that destination and the pool's other addresses carry its mail.
// Rests are kept in this process's memory: they are short, and a restart only costs one more
// refused attempt.

import type { Clock } from '../core/clock.ts';

export interface PoolSettings {
  readonly addresses: readonly string[];
  readonly helo: string;
  readonly dedicated_to: readonly string[];
}

export interface Pool {
  readonly name: string;
  readonly addresses: readonly string[];
  /** EHLO name for connections from this pool. */
  readonly helo: string;
  /** Sender domains that own the pool; empty: shared. */
  readonly dedicatedTo: ReadonlySet<string>;
}

/** Where a connection comes from: a pool address, or the system default (address undefined). */
export interface Source {
  readonly pool: string | null;
  readonly address: string | undefined;
  readonly helo: string;
}

export type SourceChoice = { readonly kind: 'source'; readonly source: Source } | { readonly kind: 'rested'; readonly until: number };

export class PoolRouter {
  private readonly pools: readonly Pool[];
  private readonly hostname: string;
  private readonly restMs: number;
  private readonly clock: Clock;
  private readonly turns = new Map<string, number>();
  /** "pool address|destination" to the end of its rest. */
  private readonly rests = new Map<string, number>();

  constructor(settings: Readonly<Record<string, PoolSettings>>, hostname: string, restMs: number, clock: Clock) {
    this.pools = Object.entries(settings).map(([name, pool]) => ({
      name,
      addresses: pool.addresses,
      helo: pool.helo || hostname,
      dedicatedTo: new Set(pool.dedicated_to.map((d) => d.toLowerCase())),
    }));
    this.hostname = hostname;
    this.restMs = restMs;
    this.clock = clock;
  }

  private mayUse(pool: Pool, senderDomain: string): boolean {
    return pool.dedicatedTo.size === 0 || pool.dedicatedTo.has(senderDomain);
  }

  /** The pool for a sender domain and the pool the sender asked for (null: the system default). */
  choosePool(senderDomain: string, requested?: string): Pool | null {
    const domain = senderDomain.toLowerCase();
    const named = requested === undefined ? undefined : this.pools.find((p) => p.name === requested);
    if (named && named.addresses.length > 0 && this.mayUse(named, domain)) return named;
    const dedicated = this.pools.find((p) => p.dedicatedTo.has(domain) && p.addresses.length > 0);
    if (dedicated) return dedicated;
    return this.pools.find((p) => p.dedicatedTo.size === 0 && p.addresses.length > 0) ?? null;
  }

  /** The next address of the pool not resting for `destination`. */
  pickSource(pool: Pool | null, destination: string): SourceChoice {
    if (pool === null) return { kind: 'source', source: { pool: null, address: undefined, helo: this.hostname } };
    const now = this.clock.now();
    const start = this.turns.get(pool.name) ?? 0;
    let earliest = Infinity;
    for (let i = 0; i < pool.addresses.length; i++) {
      const index = (start + i) % pool.addresses.length;
      const address = pool.addresses[index] as string;
      const until = this.rests.get(restKey(address, destination)) ?? 0;
      if (until > now) {
        earliest = Math.min(earliest, until);
        continue;
      }
      this.turns.set(pool.name, index + 1);
      return { kind: 'source', source: { pool: pool.name, address, helo: pool.helo } };
    }
    return { kind: 'rested', until: earliest };
  }

  /** The destination refused this address: rest it there. */
  rest(source: Source, destination: string): void {
    if (source.address === undefined || this.restMs <= 0) return;
    this.rests.set(restKey(source.address, destination), this.clock.now() + this.restMs);
  }
}

function restKey(address: string, destination: string): string {
  return `${address}|${destination.toLowerCase()}`;
}
