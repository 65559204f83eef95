// The selected mailbox of one session: its message sequence numbers (RFC 9051 §2.3.1.2),
// the flags and MODSEQs this client has been told, and the synchronisation that turns changes
// made elsewhere (other sessions, SMTP deliveries, other processes on PostgreSQL) into untagged
// EXISTS, RECENT, EXPUNGE or VANISHED, and FETCH (FLAGS) responses at the moments the RFC
// allows (§7.5.1: no EXPUNGE during FETCH, STORE or SEARCH, where sequence numbers must hold).
// The change source is storage.changesSince: message MODSEQs plus expunge tombstones.

import type { AccountId, Mailbox, MailboxId, MessageRecord, Storage } from '../../../storage/api.ts';
import type { SequenceSet } from '../wire/types.ts';

export interface SyncOptions {
  /** EXPUNGE/VANISHED may be sent now (not during FETCH, STORE, SEARCH by sequence number). */
  readonly expunges: boolean;
}

/** What a sync found, for the session to turn into untagged responses. */
export interface SyncResult {
  /** Sequence numbers to announce as expunged, in the order to send them. */
  readonly expunged: readonly number[];
  /** UIDs expunged (for VANISHED when QRESYNC is enabled). */
  readonly vanished: readonly number[];
  /** Messages whose flags changed, as they are now. */
  readonly changed: readonly { readonly seq: number; readonly record: MessageRecord }[];
  /** The new message count, when messages arrived. */
  readonly exists?: number;
  /** The new \Recent count, when it changed (IMAP4rev1). */
  readonly recent?: number;
}

export class SelectedMailbox {
  readonly accountId: AccountId;
  readonly mailboxId: MailboxId;
  readonly readOnly: boolean;
  readonly uidValidity: number;
  name: string;
  /** UIDs by sequence number - 1. */
  private uids: number[];
  private readonly records = new Map<number, MessageRecord>();
  /** UIDs expunged elsewhere that this client has not been told about yet. */
  private readonly pendingExpunge = new Set<number>();
  /** Messages with UID >= this are \Recent for this session. */
  private recentFrom: number;
  private recentUids = new Set<number>();
  /** The highest MODSEQ whose changes this session has taken in. */
  knownModSeq: number;
  uidNext: number;
  /** Set when a change event for this mailbox arrived since the last sync. */
  dirty = false;

  private constructor(mailbox: Mailbox, readOnly: boolean, records: readonly MessageRecord[], recentFrom: number) {
    this.accountId = mailbox.accountId;
    this.mailboxId = mailbox.id;
    this.name = mailbox.name;
    this.readOnly = readOnly;
    this.uidValidity = mailbox.uidValidity;
    this.knownModSeq = mailbox.highestModSeq;
    this.uidNext = mailbox.uidNext;
    this.uids = records.map((record) => record.uid);
    for (const record of records) this.records.set(record.uid, record);
    this.recentFrom = recentFrom;
    for (const uid of this.uids) if (uid >= recentFrom) this.recentUids.add(uid);
  }

  /** Loads the mailbox for SELECT (read-write, claims \Recent) or EXAMINE (read-only). */
  static async open(storage: Storage, mailbox: Mailbox, readOnly: boolean): Promise<SelectedMailbox | undefined> {
    const listed = await storage.listMessages(mailbox.accountId, mailbox.id);
    if (!listed.ok) return undefined;
    const fresh = (await storage.getMailboxById(mailbox.accountId, mailbox.id)) ?? mailbox;
    // RFC 3501 §6.3.2: EXAMINE does not change \Recent; SELECT takes the new ones for this session.
    // A claim up to UID 0 takes nothing: it only tells where the recent messages start.
    const claimed = await storage.claimRecent(mailbox.accountId, mailbox.id, readOnly ? 0 : fresh.uidNext);
    const recentFrom = claimed.ok ? claimed.value : Number.POSITIVE_INFINITY;
    const selected = new SelectedMailbox(fresh, readOnly, listed.value, recentFrom);
    // Records listed after the mailbox row may be newer than its HIGHESTMODSEQ: take the larger.
    for (const record of listed.value) selected.knownModSeq = Math.max(selected.knownModSeq, record.modSeq);
    return selected;
  }

  get exists(): number {
    return this.uids.length;
  }

  get recent(): number {
    return this.recentUids.size;
  }

  get highestModSeq(): number {
    return this.knownModSeq;
  }

  isRecent(uid: number): boolean {
    return this.recentUids.has(uid);
  }

  isExpungedElsewhere(uid: number): boolean {
    return this.pendingExpunge.has(uid);
  }

  uidAt(seq: number): number | undefined {
    return this.uids[seq - 1];
  }

  record(uid: number): MessageRecord | undefined {
    return this.records.get(uid);
  }

  /** Binary search: the sequence number of a UID, or undefined. */
  seqOf(uid: number): number | undefined {
    let low = 0;
    let high = this.uids.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const value = this.uids[middle] ?? 0;
      if (value === uid) return middle + 1;
      if (value < uid) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  allUids(): readonly number[] {
    return this.uids;
  }

  /** The highest UID present (for "*" in UID sets), 0 when empty. */
  get maxUid(): number {
    return this.uids.at(-1) ?? 0;
  }

  /**
   * The UIDs a sequence set names, ascending and unique. By sequence number, "*" is the last
   * message; by UID, "*" is the highest UID (RFC 9051 §6.4.8 / §9 seq-number: a range ending
   * in "*" always includes the last message). `saved` is the SEARCHRES result (RFC 5182).
   */
  resolve(set: SequenceSet, byUid: boolean, saved: readonly number[] | undefined): number[] {
    if (set.kind === 'saved') {
      return (saved ?? []).filter((uid) => this.seqOf(uid) !== undefined);
    }
    const chosen = new Set<number>();
    if (byUid) {
      const top = this.maxUid;
      for (const range of set.ranges) {
        let from = Number.isFinite(range.from) ? range.from : top;
        let to = Number.isFinite(range.to) ? range.to : top;
        if (from > to) [from, to] = [to, from];
        for (const uid of this.uidsBetween(from, to)) chosen.add(uid);
      }
    } else {
      const top = this.uids.length;
      for (const range of set.ranges) {
        let from = Number.isFinite(range.from) ? range.from : top;
        let to = Number.isFinite(range.to) ? range.to : top;
        if (from > to) [from, to] = [to, from];
        for (let seq = Math.max(1, from); seq <= Math.min(to, top); seq++) chosen.add(this.uids[seq - 1] ?? 0);
      }
    }
    return [...chosen].filter((uid) => uid > 0).sort((a, b) => a - b);
  }

  /** True when a sequence set names a message number that does not exist (RFC 9051 §9: an error). */
  outOfRange(set: SequenceSet): boolean {
    if (set.kind === 'saved') return false;
    const top = this.uids.length;
    return set.ranges.some((range) => (Number.isFinite(range.from) && range.from > top) || (Number.isFinite(range.to) && range.to > top));
  }

  private *uidsBetween(from: number, to: number): Generator<number> {
    let low = 0;
    let high = this.uids.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.uids[middle] ?? 0) < from) low = middle + 1;
      else high = middle;
    }
    for (let i = low; i < this.uids.length && (this.uids[i] ?? 0) <= to; i++) yield this.uids[i] ?? 0;
  }

  /** Records a change this session made itself (STORE), so a later sync does not repeat it. */
  noteOwnChange(record: MessageRecord): void {
    if (this.records.has(record.uid)) this.records.set(record.uid, record);
  }

  /** Takes in changes made since the last sync. */
  async sync(storage: Storage, options: SyncOptions): Promise<SyncResult | undefined> {
    this.dirty = false;
    const changes = await storage.changesSince(this.accountId, this.mailboxId, this.knownModSeq);
    if (!changes.ok) return undefined;
    for (const uid of changes.value.vanished) if (this.records.has(uid)) this.pendingExpunge.add(uid);
    const changed: { seq: number; record: MessageRecord }[] = [];
    const arrived: MessageRecord[] = [];
    for (const record of changes.value.changed) {
      const known = this.records.get(record.uid);
      if (!known) {
        if (record.uid > this.maxUid && !this.pendingExpunge.has(record.uid)) arrived.push(record);
        continue;
      }
      this.records.set(record.uid, record);
      if (!sameFlags(known.flags, record.flags) || known.modSeq !== record.modSeq) changed.push({ seq: 0, record });
    }
    this.knownModSeq = Math.max(this.knownModSeq, changes.value.highestModSeq, ...changes.value.changed.map((r) => r.modSeq));
    const expunged: number[] = [];
    const vanished: number[] = [];
    if (options.expunges && this.pendingExpunge.size > 0) {
      // Highest sequence number first: each EXPUNGE leaves the lower numbers unchanged.
      const gone = [...this.pendingExpunge].sort((a, b) => b - a);
      for (const uid of gone) {
        const seq = this.seqOf(uid);
        if (seq === undefined) continue;
        expunged.push(seq);
        vanished.push(uid);
        this.uids.splice(seq - 1, 1);
        this.records.delete(uid);
        this.recentUids.delete(uid);
      }
      this.pendingExpunge.clear();
      vanished.sort((a, b) => a - b);
    }
    const recentBefore = this.recentUids.size;
    for (const record of arrived.sort((a, b) => a.uid - b.uid)) {
      this.uids.push(record.uid);
      this.records.set(record.uid, record);
      this.uidNext = Math.max(this.uidNext, record.uid + 1);
    }
    if (arrived.length > 0 && !this.readOnly) {
      const claimed = await storage.claimRecent(this.accountId, this.mailboxId, this.uidNext);
      if (claimed.ok) {
        this.recentFrom = Math.min(this.recentFrom, claimed.value);
        for (const record of arrived) if (record.uid >= claimed.value) this.recentUids.add(record.uid);
      }
    }
    const withSeq = changed
      .map(({ record }) => ({ seq: this.seqOf(record.uid) ?? 0, record }))
      .filter((entry) => entry.seq > 0)
      .sort((a, b) => a.seq - b.seq);
    return {
      expunged,
      vanished,
      changed: withSeq,
      // RFC 9051 §7.4.1: EXISTS never reduces the count; only EXPUNGE does.
      ...(arrived.length > 0 ? { exists: this.uids.length } : {}),
      ...(this.recentUids.size !== recentBefore ? { recent: this.recentUids.size } : {}),
    };
  }

  /** After this session's own EXPUNGE: the removed UIDs leave the map (responses are the caller's). */
  removeOwn(uids: readonly number[]): number[] {
    const seqs: number[] = [];
    for (const uid of [...uids].sort((a, b) => b - a)) {
      const seq = this.seqOf(uid);
      if (seq === undefined) continue;
      seqs.push(seq);
      this.uids.splice(seq - 1, 1);
      this.records.delete(uid);
      this.recentUids.delete(uid);
      this.pendingExpunge.delete(uid);
    }
    return seqs;
  }
}

function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const lower = new Set(a.map((flag) => flag.toLowerCase()));
  return b.every((flag) => lower.has(flag.toLowerCase()));
}
