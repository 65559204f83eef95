// A server-wide, bounded LRU of parsed message caches (mail/message-cache.ts: part index,
// ENVELOPE, BODYSTRUCTURE, header octets), keyed by account and blob id. Every session that
// fetches ENVELOPE or searches header fields (RFC 9051 §6.4.4, §6.4.5) over a mailbox needs the
// cache of each message; with this LRU the stored cache is read, decrypted and parsed once per
// server rather than once per command. A blob id names immutable content (the same id is never
// rewritten with other octets), so an entry cannot go stale; the account is part of the key so
// one account never sees another's entry. Entries are shared: callers must not mutate them.
// Decrypted header data is kept at most ENTRY_MAX_AGE_MS: an account erased by another process
// (the CLI) leaves nothing readable in this one's memory for longer than that.
// Input it does not trust: none (values come from storage, already checked by its reader).

import type { MessageCache } from '../../../mail/message-cache.ts';
import type { AccountId } from '../../../storage/api.ts';

/** Octets the parsed caches may hold together, as estimated by `estimateOctets`. */
export const MESSAGE_CACHE_OCTETS = 32 * 1024 * 1024;
/** How long an entry is served after it was stored. */
export const ENTRY_MAX_AGE_MS = 10 * 60_000;
/** Estimated octets of one entry beyond its stored text and header (objects, map slot, key, kept header values). */
export const ENTRY_OVERHEAD_OCTETS = 768;

interface Entry {
  readonly cache: MessageCache;
  readonly octets: number;
  /** The use count when the entry last moved to the recent end. */
  stamp: number;
  /** When it was stored (ms). */
  readonly storedAt: number;
}

/** The memory a parsed cache holds, estimated from the stored text it was parsed from. */
export function estimateOctets(storedText: string, cache: MessageCache): number {
  return storedText.length + cache.header.length + ENTRY_OVERHEAD_OCTETS;
}

export class MessageCaches {
  private readonly limit: number;
  /** Key to entry; Map order is least recently used first. */
  private readonly entries = new Map<string, Entry>();
  private total = 0;
  /** Lookups and insertions so far: an entry used within the last half of the entries' count stays where it is. */
  private uses = 0;

  private readonly now: () => number;

  constructor(limitOctets = MESSAGE_CACHE_OCTETS, now: () => number = Date.now) {
    this.limit = limitOctets;
    this.now = now;
  }

  get size(): number {
    return this.entries.size;
  }

  get octets(): number {
    return this.total;
  }

  get(accountId: AccountId, blobId: string): MessageCache | undefined {
    const key = `${accountId}/${blobId}`;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.storedAt >= ENTRY_MAX_AGE_MS) {
      this.entries.delete(key);
      this.total -= entry.octets;
      return undefined;
    }
    // Approximate LRU: moving an entry on every hit would cost two map updates per message.
    if (++this.uses - entry.stamp > this.entries.size >> 1) {
      entry.stamp = this.uses;
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry.cache;
  }

  set(accountId: AccountId, blobId: string, cache: MessageCache, octets: number): void {
    if (octets > this.limit) return;
    const key = `${accountId}/${blobId}`;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.total -= old.octets;
    }
    this.entries.set(key, { cache, octets, stamp: ++this.uses, storedAt: this.now() });
    this.total += octets;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.limit) break;
      this.entries.delete(oldest);
      this.total -= entry.octets;
    }
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
