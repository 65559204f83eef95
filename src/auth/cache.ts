// Authentication cache, like Dovecot's auth cache: remembers recent successful password
// checks so a client that logs in again (IMAP clients open several connections) skips scrypt.
// Input it does not trust: addresses and passwords from clients. The cache never holds a
// password or a fast unsalted hash of one: an entry is keyed by HMAC-SHA-256 under a random
// per-process secret, which an attacker reading memory dumps or timing cannot precompute.
//
// An entry also records the stored hash it was verified against; a lookup only hits while
// the account's current stored hash is the same string, so a password changed by another
// process invalidates it. Bounded (LRU) with expiry on the injected Clock.
//
// Standards: RFC 2104 (HMAC), FIPS 180-4 (SHA-256).

import { createHmac, randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../core/clock.ts';
import type { AccountId } from '../storage/api.ts';

export interface AuthCacheOptions {
  /** Most entries kept (config auth.cache_size). */
  readonly size: number;
  /** Lifetime of an entry; 0 disables the cache (config auth.cache_ttl_seconds). */
  readonly ttlSeconds: number;
  readonly clock?: Clock;
}

export const DEFAULT_AUTH_CACHE_OPTIONS: AuthCacheOptions = { size: 10_000, ttlSeconds: 3600 };

interface Entry {
  readonly address: string;
  readonly accountId: AccountId;
  /** The stored hash the password was verified against. */
  readonly passwordHash: string;
  readonly expiresAt: number;
}

export class AuthCache {
  private readonly size: number;
  private readonly ttlMs: number;
  private readonly clock: Clock;
  private readonly secret = randomBytes(32);
  /** Key to entry; Map order is least recently used first. */
  private readonly entries = new Map<string, Entry>();
  /** Address to the keys of its entries, for forgetAddress. */
  private readonly keysByAddress = new Map<string, Set<string>>();

  constructor(options: Partial<AuthCacheOptions> = {}) {
    this.size = Math.max(0, Math.floor(options.size ?? DEFAULT_AUTH_CACHE_OPTIONS.size));
    this.ttlMs = Math.max(0, (options.ttlSeconds ?? DEFAULT_AUTH_CACHE_OPTIONS.ttlSeconds) * 1000);
    this.clock = options.clock ?? systemClock;
  }

  get enabled(): boolean {
    return this.ttlMs > 0 && this.size > 0;
  }

  /** Number of entries held (expired ones included until they are looked up or evicted). */
  get count(): number {
    return this.entries.size;
  }

  /** The account id when this address and password were verified against `currentStoredHash`. */
  lookup(address: string, password: string, currentStoredHash: string): AccountId | undefined {
    if (!this.enabled) return undefined;
    const key = this.key(address, password);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.clock.now() || entry.passwordHash !== currentStoredHash) {
      this.remove(key, entry);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.accountId;
  }

  /** Remembers a successful verification of `password` against `passwordHash`. */
  store(address: string, password: string, accountId: AccountId, passwordHash: string): void {
    if (!this.enabled) return;
    const key = this.key(address, password);
    const previous = this.entries.get(key);
    if (previous !== undefined) this.remove(key, previous);
    this.entries.set(key, { address, accountId, passwordHash, expiresAt: this.clock.now() + this.ttlMs });
    let keys = this.keysByAddress.get(address);
    if (keys === undefined) {
      keys = new Set();
      this.keysByAddress.set(address, keys);
    }
    keys.add(key);
    while (this.entries.size > this.size) {
      const oldest = this.entries.entries().next();
      if (oldest.done === true) break;
      this.remove(oldest.value[0], oldest.value[1]);
    }
  }

  /** Drops every entry of an address (its password changed in this process). */
  forgetAddress(address: string): void {
    const keys = this.keysByAddress.get(address);
    if (keys === undefined) return;
    for (const key of keys) this.entries.delete(key);
    this.keysByAddress.delete(address);
  }

  clear(): void {
    this.entries.clear();
    this.keysByAddress.clear();
  }

  private key(address: string, password: string): string {
    return createHmac('sha256', this.secret).update(`${address}\0${password}`, 'utf8').digest('base64');
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    const keys = this.keysByAddress.get(entry.address);
    keys?.delete(key);
    if (keys?.size === 0) this.keysByAddress.delete(entry.address);
  }
}
