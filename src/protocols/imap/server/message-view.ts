// Messages of the selected mailbox as FETCH and SEARCH see them: the record (flags, dates,
// size), the parse cache stored at delivery (part index, ENVELOPE, BODYSTRUCTURE, header octets)
// and, only when a command needs it, the decrypted message octets. A missing or outdated cache
// is rebuilt from the octets. Parsed caches are shared between sessions (message-caches.ts).
// SearchableMessage is implemented on top, lazily.

import { computeMessageCache, parseMessageCache, type MessageCache } from '../../../mail/message-cache.ts';
import { addressEntries, bodyText, headerText, headerValues, sentDate } from '../../../mail/mime/mime.ts';
import type { MessageRecord, Storage } from '../../../storage/api.ts';
import type { AddressEntry, SearchableMessage } from '../search/message.ts';
import { estimateOctets, type MessageCaches } from './message-caches.ts';
import type { SelectedMailbox } from './selected.ts';

export interface LoadedMessage {
  readonly record: MessageRecord;
  readonly cache: MessageCache;
  /** The message octets, when they were asked for. */
  readonly raw: Uint8Array | undefined;
  /** The record is the session's own (as SelectedMailbox.record gave it), not one read from storage. */
  readonly own: boolean;
}

export interface LoadOptions {
  readonly cache: boolean;
  readonly raw: boolean;
  /** Recently read message octets of this session (clients fetch large messages in pieces). */
  readonly recent?: RecentBlobs;
}

/** Most messages kept decrypted per session, and most octets they may hold together. */
export const RECENT_BLOBS = 2;
export const RECENT_BLOB_OCTETS = 16 * 1024 * 1024;

/** A small LRU of decrypted messages, so `BODY[]<0.65536>`, `<65536.65536>` … decrypt once. */
export class RecentBlobs {
  private readonly entries = new Map<string, Uint8Array>();

  get(blobId: string): Uint8Array | undefined {
    const raw = this.entries.get(blobId);
    if (raw) {
      this.entries.delete(blobId);
      this.entries.set(blobId, raw);
    }
    return raw;
  }

  clear(): void {
    this.entries.clear();
  }

  set(blobId: string, raw: Uint8Array): void {
    if (raw.length > RECENT_BLOB_OCTETS) return;
    this.entries.set(blobId, raw);
    let total = 0;
    for (const value of this.entries.values()) total += value.length;
    for (const [key, value] of this.entries) {
      if (this.entries.size <= RECENT_BLOBS && total <= RECENT_BLOB_OCTETS) break;
      this.entries.delete(key);
      total -= value.length;
    }
  }
}

/** What loading needs from the server: the store and the shared parsed caches. */
export interface LoadContext {
  readonly storage: Storage;
  readonly caches: MessageCaches;
}

/** Loads the messages with the given UIDs (ascending) that still exist, with what is asked for. */
export async function loadMessages(ctx: LoadContext, selected: SelectedMailbox, uids: readonly number[], options: LoadOptions): Promise<Map<number, LoadedMessage>> {
  if (uids.length === 0) return new Map();
  const shared = options.cache ? await fromSharedCaches(ctx, selected, uids) : undefined;
  if (shared) return withOctets(ctx.storage, selected, shared, options);
  const listed = options.cache
    ? await ctx.storage.listMessages(selected.accountId, selected.mailboxId, { uidFrom: uids[0] ?? 1, uidTo: uids.at(-1) ?? 1, withCache: true })
    : undefined;
  const wanted = new Set(uids);
  const own = !listed?.ok;
  const records = listed?.ok ? listed.value : uids.map((uid) => selected.record(uid)).filter((r): r is MessageRecord => r !== undefined);
  const found: Found[] = [];
  for (const record of records) {
    if (!wanted.has(record.uid)) continue;
    found.push({ record, cache: options.cache ? cacheOf(ctx.caches, selected, record) : undefined, own });
  }
  return withOctets(ctx.storage, selected, found, options);
}

interface Found {
  readonly record: MessageRecord;
  readonly cache: MessageCache | undefined;
  readonly own: boolean;
}

/** The parsed cache of a listed record: from the shared caches, or parsed and shared. */
function cacheOf(caches: MessageCaches, selected: SelectedMailbox, record: MessageRecord): MessageCache | undefined {
  const known = caches.get(selected.accountId, record.blobId);
  if (known || !record.cache) return known;
  const parsed = parseMessageCache(record.cache);
  if (parsed) caches.set(selected.accountId, record.blobId, parsed, estimateOctets(record.cache, parsed));
  return parsed;
}

/**
 * The messages when every cache is in the shared caches: the records are this session's, with
 * what changed in storage since its last sync laid over them, and without the messages expunged
 * meanwhile, as a listing would give them (RFC 7162 §3.1: changes are found by MODSEQ, removals
 * by their expunge records). Undefined when a cache is missing, so the caller lists instead.
 */
async function fromSharedCaches(ctx: LoadContext, selected: SelectedMailbox, uids: readonly number[]): Promise<Found[] | undefined> {
  const found: Found[] = [];
  for (const uid of uids) {
    if (selected.isExpungedElsewhere(uid)) continue;
    const record = selected.record(uid);
    if (!record) continue;
    const cache = ctx.caches.get(selected.accountId, record.blobId);
    if (!cache) return undefined;
    found.push({ record, cache, own: true });
  }
  const changes = await ctx.storage.changesSince(selected.accountId, selected.mailboxId, selected.knownModSeq);
  if (!changes.ok) return undefined;
  if (changes.value.changed.length === 0 && changes.value.vanished.length === 0) return found;
  const gone = new Set(changes.value.vanished);
  const fresh = new Map(changes.value.changed.map((record) => [record.uid, record]));
  const current: Found[] = [];
  for (const entry of found) {
    if (gone.has(entry.record.uid)) continue;
    const record = fresh.get(entry.record.uid);
    current.push(record ? { record, cache: entry.cache, own: false } : entry);
  }
  return current;
}

/** Adds the message octets where they are needed (asked for, or no usable cache). */
async function withOctets(storage: Storage, selected: SelectedMailbox, found: readonly Found[], options: LoadOptions): Promise<Map<number, LoadedMessage>> {
  const loaded = new Map<number, LoadedMessage>();
  for (const { record, cache: stored, own } of found) {
    let raw: Uint8Array | undefined;
    let cache = stored;
    if (options.raw || (options.cache && !cache)) {
      raw = options.recent?.get(record.blobId);
      if (!raw) {
        const read = await storage.readMessage(selected.accountId, record.blobId);
        if (!read.ok) continue; // Expunged meanwhile.
        raw = read.value;
        options.recent?.set(record.blobId, raw);
      }
      cache ??= computeMessageCache(raw);
    }
    loaded.set(record.uid, { record, cache: cache ?? EMPTY_CACHE, raw, own });
  }
  return loaded;
}

const EMPTY_CACHE: MessageCache = computeMessageCache(new Uint8Array(0));

/**
 * Fields the SEARCH keys name directly (RFC 9051 §6.4.4 SUBJECT, FROM, TO, CC, BCC; the SENT*
 * keys read Date): their decoded values are kept beside a cache, so the sessions sharing it
 * decode them once. A fixed set: a client naming other fields adds nothing to what is kept.
 */
const KEPT_FIELDS = new Set(['subject', 'from', 'to', 'cc', 'bcc', 'date']);
const KEPT_VALUES = new WeakMap<MessageCache, Map<string, readonly string[]>>();

const ADDRESS_FIELDS = { from: 'from', to: 'to', cc: 'cc', bcc: 'bcc', sender: 'sender', 'reply-to': 'reply-to' } as const;

/** A message for the SEARCH, SORT and THREAD engines (search/message.ts). */
export class MessageView implements SearchableMessage {
  readonly seq: number;
  readonly uid: number;
  readonly modSeq: number;
  readonly flags: readonly string[];
  readonly recent: boolean;
  readonly internalDate: Date;
  readonly saveDate: Date | null;
  readonly size: number;
  readonly emailId: string;
  readonly threadId: string | null = null;
  private readonly cache: MessageCache;
  private readonly raw: Uint8Array | undefined;
  private text: string | undefined;

  constructor(seq: number, recent: boolean, message: LoadedMessage) {
    const record = message.record;
    this.seq = seq;
    this.uid = record.uid;
    this.modSeq = record.modSeq;
    this.flags = record.flags;
    this.recent = recent;
    this.internalDate = record.internalDate;
    this.saveDate = record.saveDate;
    this.size = record.size;
    this.emailId = record.emailId;
    this.cache = message.cache;
    this.raw = message.raw;
  }

  header(name: string): readonly string[] {
    const field = name.toLowerCase();
    if (!KEPT_FIELDS.has(field)) return headerValues(this.cache.header, this.cache.index, field);
    let kept = KEPT_VALUES.get(this.cache);
    if (!kept) {
      kept = new Map();
      KEPT_VALUES.set(this.cache, kept);
    }
    let values = kept.get(field);
    if (!values) {
      values = Object.freeze(headerValues(this.cache.header, this.cache.index, field));
      kept.set(field, values);
    }
    return values;
  }

  addresses(field: keyof typeof ADDRESS_FIELDS): readonly AddressEntry[] {
    return addressEntries(this.cache.header, this.cache.index, ADDRESS_FIELDS[field]);
  }

  bodyText(): string {
    if (!this.raw) return '';
    this.text ??= bodyText(this.raw, this.cache.index);
    return this.text;
  }

  fullText(): string {
    return `${headerText(this.cache.header, this.cache.index)}\n${this.bodyText()}`;
  }

  sentDate(): Date | null {
    const date = sentDate(this.cache.header, this.cache.index);
    return date ? new Date(date.time) : null;
  }
}
