// Messages of the selected mailbox as FETCH and SEARCH see them: the record (flags, dates,
// size), the parse cache stored at delivery (part index, ENVELOPE, BODYSTRUCTURE, header octets)
// and, only when a command needs it, the decrypted message octets. A missing or outdated cache
// is rebuilt from the octets. SearchableMessage is implemented on top, lazily.

import { computeMessageCache, parseMessageCache, type MessageCache } from '../../../mail/message-cache.ts';
import { addressEntries, bodyText, headerText, headerValues, sentDate } from '../../../mail/mime/mime.ts';
import type { MessageRecord, Storage } from '../../../storage/api.ts';
import type { AddressEntry, SearchableMessage } from '../search/message.ts';
import type { SelectedMailbox } from './selected.ts';

export interface LoadedMessage {
  readonly record: MessageRecord;
  readonly cache: MessageCache;
  /** The message octets, when they were asked for. */
  readonly raw: Uint8Array | undefined;
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

/** Loads the messages with the given UIDs (ascending) that still exist, with what is asked for. */
export async function loadMessages(storage: Storage, selected: SelectedMailbox, uids: readonly number[], options: LoadOptions): Promise<Map<number, LoadedMessage>> {
  const loaded = new Map<number, LoadedMessage>();
  if (uids.length === 0) return loaded;
  const wanted = new Set(uids);
  const listed = options.cache
    ? await storage.listMessages(selected.accountId, selected.mailboxId, { uidFrom: uids[0] ?? 1, uidTo: uids.at(-1) ?? 1, withCache: true })
    : undefined;
  const records = listed?.ok ? listed.value : uids.map((uid) => selected.record(uid)).filter((r): r is MessageRecord => r !== undefined);
  for (const record of records) {
    if (!wanted.has(record.uid)) continue;
    let raw: Uint8Array | undefined;
    let cache = options.cache ? parseMessageCache(record.cache) : undefined;
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
    loaded.set(record.uid, { record, cache: cache ?? EMPTY_CACHE, raw });
  }
  return loaded;
}

const EMPTY_CACHE: MessageCache = computeMessageCache(new Uint8Array(0));

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
    return headerValues(this.cache.header, this.cache.index, name);
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
