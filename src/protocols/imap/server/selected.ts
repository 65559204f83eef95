// The selected mailbox of one session: its message sequence numbers (RFC 9051 §2.3.1.2),
// the flags and MODSEQs this client has been told, and the synchronisation that turns changes
// made elsewhere (other sessions, SMTP deliveries, other processes on PostgreSQL) into untagged
// EXISTS, RECENT, EXPUNGE or VANISHED, and FETCH (FLAGS) responses at the moments the RFC
// allows (§7.5.1: no EXPUNGE during FETCH, STORE or SEARCH, where sequence numbers must hold).
// The change source is storage.changesSince: message MODSEQs plus expunge tombstones.
// The message list is held compactly (message-table.ts): an idle session costs little.

import type { AccountId, Mailbox, MailboxId, MessageRecord, Storage } from '../../../storage/api.ts';
import type { SequenceSet } from '../wire/types.ts';
import { fromSnapshot, keepSnapshot, type StartingList } from './mailbox-snapshots.ts';
import { MessageTable } from './message-table.ts';

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
  /** The messages by sequence number - 1, with the flags and MODSEQs this client was told. */
  private readonly table: MessageTable;
  /** UIDs expunged elsewhere that this client has not been told about yet. */
  private readonly pendingExpunge = new Set<number>();
  /** The highest MODSEQ whose changes this session has taken in. */
  knownModSeq: number;
  uidNext: number;
  /** Set when a change event for this mailbox arrived since the last sync. */
  dirty = false;

  private constructor(mailbox: Mailbox, readOnly: boolean, list: StartingList) {
    this.accountId = mailbox.accountId;
    this.mailboxId = mailbox.id;
    this.name = mailbox.name;
    this.readOnly = readOnly;
    this.uidValidity = mailbox.uidValidity;
    // Records listed after the mailbox row may be newer than its HIGHESTMODSEQ: take the larger.
    this.knownModSeq = Math.max(mailbox.highestModSeq, list.modSeq);
    this.uidNext = mailbox.uidNext;
    this.table = list.table;
  }

  /** Loads the mailbox for SELECT (read-write, claims \Recent) or EXAMINE (read-only). */
  static async open(storage: Storage, mailbox: Mailbox, readOnly: boolean): Promise<SelectedMailbox | undefined> {
    const list = (await fromSnapshot(storage, mailbox)) ?? (await listAll(storage, mailbox));
    if (!list) return undefined;
    const fresh = (await storage.getMailboxById(mailbox.accountId, mailbox.id)) ?? mailbox;
    // RFC 3501 §6.3.2: EXAMINE does not change \Recent; SELECT takes the new ones for this session.
    // A claim up to UID 0 takes nothing: it only tells where the recent messages start.
    const claimed = await storage.claimRecent(mailbox.accountId, mailbox.id, readOnly ? 0 : fresh.uidNext);
    // Messages with UID >= recentFrom are \Recent for this session.
    if (claimed.ok) list.table.setRecentFrom(claimed.value);
    return new SelectedMailbox(fresh, readOnly, list);
  }

  get exists(): number {
    return this.table.length;
  }

  get recent(): number {
    return this.table.recentCount;
  }

  get highestModSeq(): number {
    return this.knownModSeq;
  }

  isRecent(uid: number): boolean {
    const index = this.table.indexOf(uid);
    return index >= 0 && this.table.recentAt(index);
  }

  isExpungedElsewhere(uid: number): boolean {
    return this.pendingExpunge.has(uid);
  }

  uidAt(seq: number): number | undefined {
    return this.table.uidAt(seq - 1);
  }

  /** The message as this session knows it (a new object on each call). */
  record(uid: number): MessageRecord | undefined {
    return this.table.recordAt(this.table.indexOf(uid));
  }

  /** The flags this session knows a message by (undefined when it has no such UID). */
  flagsOf(uid: number): readonly string[] | undefined {
    const index = this.table.indexOf(uid);
    return index < 0 ? undefined : this.table.flagsAt(index);
  }

  /** The MODSEQ this session knows a message by (undefined when it has no such UID). */
  modSeqOf(uid: number): number | undefined {
    const index = this.table.indexOf(uid);
    return index < 0 ? undefined : this.table.modSeqAt(index);
  }

  /** Binary search: the sequence number of a UID, or undefined. */
  seqOf(uid: number): number | undefined {
    const index = this.table.indexOf(uid);
    return index < 0 ? undefined : index + 1;
  }

  /** Every UID in sequence order (a new array). */
  allUids(): number[] {
    return this.table.uidList();
  }

  /** The keywords in use (RFC 9051 §7.3.5 FLAGS), in order of first use by sequence number. */
  keywords(): string[] {
    const keywords = new Set<string>();
    for (let index = 0; index < this.table.length; index++) for (const flag of this.table.flagsAt(index)) if (!flag.startsWith('\\')) keywords.add(flag);
    return [...keywords];
  }

  /** The sequence number of the first message without \Seen (RFC 3501 §7.1 UNSEEN), or undefined. */
  firstUnseen(): number | undefined {
    for (let index = 0; index < this.table.length; index++) if (!this.table.flagsAt(index).includes('\\Seen')) return index + 1;
    return undefined;
  }

  /** The highest UID present (for "*" in UID sets), 0 when empty. */
  get maxUid(): number {
    return this.table.uidAt(this.table.length - 1) ?? 0;
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
      const top = this.table.length;
      for (const range of set.ranges) {
        let from = Number.isFinite(range.from) ? range.from : top;
        let to = Number.isFinite(range.to) ? range.to : top;
        if (from > to) [from, to] = [to, from];
        for (let seq = Math.max(1, from); seq <= Math.min(to, top); seq++) chosen.add(this.table.uidAt(seq - 1) ?? 0);
      }
    }
    return [...chosen].filter((uid) => uid > 0).sort((a, b) => a - b);
  }

  /** True when a sequence set names a message number that does not exist (RFC 9051 §9: an error). */
  outOfRange(set: SequenceSet): boolean {
    if (set.kind === 'saved') return false;
    const top = this.table.length;
    return set.ranges.some((range) => (Number.isFinite(range.from) && range.from > top) || (Number.isFinite(range.to) && range.to > top));
  }

  private *uidsBetween(from: number, to: number): Generator<number> {
    for (let i = this.table.lowerBound(from); i < this.table.length && (this.table.uidAt(i) ?? 0) <= to; i++) yield this.table.uidAt(i) ?? 0;
  }

  /** Records a change this session made itself (STORE), so a later sync does not repeat it. */
  noteOwnChange(record: MessageRecord): void {
    const index = this.table.indexOf(record.uid);
    if (index >= 0) this.table.update(index, record);
  }

  /** Takes in changes made since the last sync. */
  async sync(storage: Storage, options: SyncOptions): Promise<SyncResult | undefined> {
    this.dirty = false;
    const changes = await storage.changesSince(this.accountId, this.mailboxId, this.knownModSeq);
    if (!changes.ok) return undefined;
    const table = this.table;
    for (const uid of changes.value.vanished) if (table.indexOf(uid) >= 0) this.pendingExpunge.add(uid);
    const changed: MessageRecord[] = [];
    const arrived: MessageRecord[] = [];
    const maxUid = this.maxUid;
    let highest = Math.max(this.knownModSeq, changes.value.highestModSeq);
    for (const record of changes.value.changed) {
      highest = Math.max(highest, record.modSeq);
      const index = table.indexOf(record.uid);
      if (index < 0) {
        if (record.uid > maxUid && !this.pendingExpunge.has(record.uid)) arrived.push(record);
        continue;
      }
      const differs = !sameFlags(table.flagsAt(index), record.flags) || table.modSeqAt(index) !== record.modSeq;
      table.update(index, record);
      if (differs) changed.push(record);
    }
    this.knownModSeq = highest;
    const expunged: number[] = [];
    const vanished: number[] = [];
    if (options.expunges && this.pendingExpunge.size > 0) {
      // Highest sequence number first: each EXPUNGE leaves the lower numbers unchanged.
      const gone = [...this.pendingExpunge].sort((a, b) => b - a);
      const indexes: number[] = [];
      for (const uid of gone) {
        const index = table.indexOf(uid);
        if (index < 0) continue;
        expunged.push(index + 1);
        vanished.push(uid);
        indexes.push(index);
      }
      table.remove(indexes);
      this.pendingExpunge.clear();
      vanished.sort((a, b) => a - b);
    }
    const recentBefore = table.recentCount;
    arrived.sort((a, b) => a.uid - b.uid);
    for (const record of arrived) {
      table.append(record, false);
      this.uidNext = Math.max(this.uidNext, record.uid + 1);
    }
    if (arrived.length > 0 && !this.readOnly) {
      const claimed = await storage.claimRecent(this.accountId, this.mailboxId, this.uidNext);
      if (claimed.ok) for (const record of arrived) if (record.uid >= claimed.value) table.setRecent(table.indexOf(record.uid));
    }
    const withSeq = changed
      .map((record) => ({ seq: this.seqOf(record.uid) ?? 0, record }))
      .filter((entry) => entry.seq > 0)
      .sort((a, b) => a.seq - b.seq);
    return {
      expunged,
      vanished,
      changed: withSeq,
      // RFC 9051 §7.4.1: EXISTS never reduces the count; only EXPUNGE does.
      ...(arrived.length > 0 ? { exists: table.length } : {}),
      ...(table.recentCount !== recentBefore ? { recent: table.recentCount } : {}),
    };
  }

  /** After this session's own EXPUNGE: the removed UIDs leave the list (responses are the caller's). */
  removeOwn(uids: readonly number[]): number[] {
    const seqs: number[] = [];
    const indexes: number[] = [];
    // Highest first, so each sequence number is the one the client has before that EXPUNGE.
    for (const uid of [...new Set(uids)].sort((a, b) => b - a)) {
      this.pendingExpunge.delete(uid);
      const index = this.table.indexOf(uid);
      if (index < 0) continue;
      seqs.push(index + 1);
      indexes.push(index);
    }
    this.table.remove(indexes);
    return seqs;
  }
}

function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const lower = new Set(a.map((flag) => flag.toLowerCase()));
  return b.every((flag) => lower.has(flag.toLowerCase()));
}

/** Every message of the mailbox from storage; the list is kept as the mailbox's snapshot. */
async function listAll(storage: Storage, mailbox: Mailbox): Promise<StartingList | undefined> {
  const listed = await storage.listMessages(mailbox.accountId, mailbox.id);
  if (!listed.ok) return undefined;
  const table = new MessageTable(mailbox.id, listed.value.length);
  let modSeq = 0;
  for (const record of listed.value) {
    table.append(record, false);
    modSeq = Math.max(modSeq, record.modSeq);
  }
  const list = { table, modSeq };
  keepSnapshot(storage, mailbox, list);
  return list;
}
