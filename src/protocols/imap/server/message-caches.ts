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
  readonly accountId: AccountId;
  readonly blobId: string;
  readonly cache: MessageCache;
  readonly octets: number;
  /** Looked up since it was last passed over for eviction (the CLOCK reference bit). */
  used: boolean;
  /** When it was stored (ms). */
  readonly storedAt: number;
}

/** The memory a parsed cache holds, estimated from the stored text it was parsed from. */
export function estimateOctets(storedText: string, cache: MessageCache): number {
  return storedText.length + cache.header.length + ENTRY_OVERHEAD_OCTETS;
}

/**
 * Eviction is CLOCK, an approximation of LRU: a lookup only sets the entry's reference bit,
 * and eviction passes over the oldest entries, giving each one with its bit set a second turn
 * at the recent end. Moving an entry on every lookup (true LRU) would cost two map updates per
 * message and, when many sessions read the same mailboxes, rebuild the tables constantly.
 */
export class MessageCaches {
  private readonly limit: number;
  /** Account to blob id to entry: a lookup hashes the blob id alone, never a joined key. */
  private readonly accounts = new Map<AccountId, Map<string, Entry>>();
  /** Every entry, oldest turn first. */
  private readonly order = new Set<Entry>();
  private total = 0;

  private readonly now: () => number;

  constructor(limitOctets = MESSAGE_CACHE_OCTETS, now: () => number = Date.now) {
    this.limit = limitOctets;
    this.now = now;
  }

  get size(): number {
    return this.order.size;
  }

  get octets(): number {
    return this.total;
  }

  get(accountId: AccountId, blobId: string): MessageCache | undefined {
    const entry = this.accounts.get(accountId)?.get(blobId);
    if (!entry) return undefined;
    if (this.now() - entry.storedAt >= ENTRY_MAX_AGE_MS) {
      this.remove(entry);
      return undefined;
    }
    entry.used = true;
    return entry.cache;
  }

  set(accountId: AccountId, blobId: string, cache: MessageCache, octets: number): void {
    if (octets > this.limit) return;
    let entries = this.accounts.get(accountId);
    if (!entries) {
      entries = new Map();
      this.accounts.set(accountId, entries);
    }
    const old = entries.get(blobId);
    if (old) this.remove(old);
    const entry: Entry = { accountId, blobId, cache, octets, used: false, storedAt: this.now() };
    entries.set(blobId, entry);
    this.order.add(entry);
    this.total += octets;
    // Terminates: an entry given a second turn has its bit cleared, so the next pass evicts it;
    // the new entry alone fits (octets <= limit).
    for (const oldest of this.order) {
      if (this.total <= this.limit) break;
      if (oldest === entry) continue;
      if (oldest.used) {
        oldest.used = false;
        this.order.delete(oldest);
        this.order.add(oldest);
      } else {
        this.remove(oldest);
      }
    }
  }

  clear(): void {
    this.accounts.clear();
    this.order.clear();
    this.total = 0;
  }

  private remove(entry: Entry): void {
    const entries = this.accounts.get(entry.accountId);
    if (entries?.get(entry.blobId) === entry) {
      entries.delete(entry.blobId);
      if (entries.size === 0) this.accounts.delete(entry.accountId);
    }
    if (this.order.delete(entry)) this.total -= entry.octets;
  }
}
