// The messages of one selected mailbox as this session knows them, held compactly: one typed
// array per field instead of one object per message (about 73 octets a message instead of
// about 480), because every idle session with a mailbox selected holds its whole list (RFC 9051
// §2.3.1.2: sequence numbers are per session). Records are rebuilt when a command asks for one.
// Flag lists are interned per table (a mailbox has few distinct combinations) and blob ids in
// their usual form (hex SHA-256, EMAILID derived from it) are kept as 32 octets; any other id
// is kept as given. UIDs are 32-bit unsigned (RFC 9051 §2.3.1.1), MODSEQs are below 2^53.

import type { MailboxId, MessageRecord } from '../../../storage/api.ts';

/** Octets of a packed blob id (a hex SHA-256). */
const BLOB_OCTETS = 32;
const HEX_BLOB_ID = /^[0-9a-f]{64}$/;
/** Room a growing table starts with. */
export const MIN_CAPACITY = 16;
/** Interned flag lists beyond this many more than the messages trigger a rebuild of the table. */
export const FLAG_TABLE_SLACK = 64;

interface OddIds {
  readonly blobId: string;
  readonly emailId: string;
}

/** True when the ids have the form the packed column holds (storage/sql/rows.ts emailIdOf). */
function packable(record: MessageRecord): boolean {
  return HEX_BLOB_ID.test(record.blobId) && record.emailId === `M${record.blobId.slice(0, 24)}`;
}

export class MessageTable {
  private readonly mailboxId: MailboxId;
  private count = 0;
  private uids: Uint32Array;
  private modSeqs: Float64Array;
  private flagRefs: Uint32Array;
  private recents: Uint8Array;
  private internalDates: Float64Array;
  private saveDates: Float64Array;
  private sizes: Float64Array;
  /** A Buffer, so an id is read as hex without a view object per read. */
  private blobIds: Buffer;
  /** Ids not in the packed form, by UID. */
  private readonly oddIds = new Map<number, OddIds>();
  private flagSets: (readonly string[])[] = [];
  private flagIndex = new Map<string, number>();
  private recentTotal = 0;

  constructor(mailboxId: MailboxId, capacity: number) {
    this.mailboxId = mailboxId;
    const room = Math.max(capacity, 0);
    this.uids = new Uint32Array(room);
    this.modSeqs = new Float64Array(room);
    this.flagRefs = new Uint32Array(room);
    this.recents = new Uint8Array(room);
    this.internalDates = new Float64Array(room);
    this.saveDates = new Float64Array(room);
    this.sizes = new Float64Array(room);
    this.blobIds = Buffer.alloc(room * BLOB_OCTETS);
  }

  get length(): number {
    return this.count;
  }

  /** Messages marked \Recent for this session (RFC 3501 §2.3.2). */
  get recentCount(): number {
    return this.recentTotal;
  }

  uidAt(index: number): number | undefined {
    return index >= 0 && index < this.count ? this.uids[index] : undefined;
  }

  /** The first index whose UID is at least `uid` (the length when none is). */
  lowerBound(uid: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.uids[middle] ?? 0) < uid) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The index of a UID, or -1. */
  indexOf(uid: number): number {
    const index = this.lowerBound(uid);
    return index < this.count && this.uids[index] === uid ? index : -1;
  }

  flagsAt(index: number): readonly string[] {
    return this.flagSets[this.flagRefs[index] ?? 0] ?? [];
  }

  modSeqAt(index: number): number {
    return this.modSeqs[index] ?? 0;
  }

  recentAt(index: number): boolean {
    return this.recents[index] === 1;
  }

  setRecent(index: number): void {
    if (index < 0 || index >= this.count || this.recents[index] === 1) return;
    this.recents[index] = 1;
    this.recentTotal++;
  }

  /** Marks \Recent every message whose UID is at least `uid` (RFC 3501 §2.3.2). */
  setRecentFrom(uid: number): void {
    for (let index = this.lowerBound(uid); index < this.count; index++) this.setRecent(index);
  }

  /** A copy holding no recent marks; it shares nothing that changes (interned flag lists are frozen). */
  clone(): MessageTable {
    const copy = new MessageTable(this.mailboxId, this.count);
    const n = this.count;
    copy.count = n;
    copy.uids.set(this.uids.subarray(0, n));
    copy.modSeqs.set(this.modSeqs.subarray(0, n));
    copy.flagRefs.set(this.flagRefs.subarray(0, n));
    copy.internalDates.set(this.internalDates.subarray(0, n));
    copy.saveDates.set(this.saveDates.subarray(0, n));
    copy.sizes.set(this.sizes.subarray(0, n));
    copy.blobIds.set(this.blobIds.subarray(0, n * BLOB_OCTETS));
    for (const [uid, ids] of this.oddIds) copy.oddIds.set(uid, ids);
    copy.flagSets = [...this.flagSets];
    copy.flagIndex = new Map(this.flagIndex);
    return copy;
  }

  /** The UIDs in order, as a plain array. */
  uidList(): number[] {
    return Array.from(this.uids.subarray(0, this.count));
  }

  /** The record at an index, rebuilt (a new object each time). */
  recordAt(index: number): MessageRecord | undefined {
    const uid = this.uidAt(index);
    if (uid === undefined) return undefined;
    const odd = this.oddIds.get(uid);
    const blobId = odd ? odd.blobId : this.blobIds.toString('hex', index * BLOB_OCTETS, (index + 1) * BLOB_OCTETS);
    return {
      mailboxId: this.mailboxId,
      uid,
      modSeq: this.modSeqAt(index),
      flags: this.flagsAt(index),
      internalDate: new Date(this.internalDates[index] ?? 0),
      saveDate: new Date(this.saveDates[index] ?? 0),
      size: this.sizes[index] ?? 0,
      blobId,
      emailId: odd ? odd.emailId : `M${blobId.slice(0, 24)}`,
    };
  }

  /** Adds a message after the last one (its UID must be higher). */
  append(record: MessageRecord, recent: boolean): void {
    // Grows by an eighth: an idle session that gets a few new messages stays near its size.
    if (this.count === this.uids.length) this.grow(this.count + Math.max(MIN_CAPACITY, this.count >> 3));
    const index = this.count;
    // Interned first: a rebuild of the flag table looks only at the messages already counted.
    this.update(index, record);
    this.uids[index] = record.uid;
    this.internalDates[index] = record.internalDate.getTime();
    this.saveDates[index] = record.saveDate.getTime();
    this.sizes[index] = record.size;
    if (packable(record)) this.blobIds.write(record.blobId, index * BLOB_OCTETS, BLOB_OCTETS, 'hex');
    else this.oddIds.set(record.uid, { blobId: record.blobId, emailId: record.emailId });
    this.recents[index] = recent ? 1 : 0;
    if (recent) this.recentTotal++;
    this.count++;
  }

  /** Takes in a message's new flags and MODSEQ (the other fields never change). */
  update(index: number, record: MessageRecord): void {
    this.modSeqs[index] = record.modSeq;
    this.flagRefs[index] = this.intern(record.flags);
  }

  /** Removes the messages at the given indexes (any order, no repeats). */
  remove(indexes: readonly number[]): void {
    if (indexes.length === 0) return;
    const gone = new Uint8Array(this.count);
    for (const index of indexes) if (index >= 0 && index < this.count) gone[index] = 1;
    let kept = 0;
    for (let index = 0; index < this.count; index++) {
      if (gone[index] === 1) {
        if (this.recents[index] === 1) this.recentTotal--;
        this.oddIds.delete(this.uids[index] ?? 0);
        continue;
      }
      if (kept !== index) this.move(index, kept);
      kept++;
    }
    this.count = kept;
  }

  private move(from: number, to: number): void {
    this.uids[to] = this.uids[from] ?? 0;
    this.modSeqs[to] = this.modSeqs[from] ?? 0;
    this.flagRefs[to] = this.flagRefs[from] ?? 0;
    this.recents[to] = this.recents[from] ?? 0;
    this.internalDates[to] = this.internalDates[from] ?? 0;
    this.saveDates[to] = this.saveDates[from] ?? 0;
    this.sizes[to] = this.sizes[from] ?? 0;
    this.blobIds.copyWithin(to * BLOB_OCTETS, from * BLOB_OCTETS, (from + 1) * BLOB_OCTETS);
  }

  private grow(capacity: number): void {
    const widen = <T extends Uint8Array | Uint32Array | Float64Array>(old: T, make: (n: number) => T, factor = 1): T => {
      const next = make(capacity * factor);
      next.set(old.subarray(0, this.count * factor));
      return next;
    };
    this.uids = widen(this.uids, (n) => new Uint32Array(n));
    this.modSeqs = widen(this.modSeqs, (n) => new Float64Array(n));
    this.flagRefs = widen(this.flagRefs, (n) => new Uint32Array(n));
    this.recents = widen(this.recents, (n) => new Uint8Array(n));
    this.internalDates = widen(this.internalDates, (n) => new Float64Array(n));
    this.saveDates = widen(this.saveDates, (n) => new Float64Array(n));
    this.sizes = widen(this.sizes, (n) => new Float64Array(n));
    this.blobIds = widen(this.blobIds, (n) => Buffer.alloc(n), BLOB_OCTETS);
  }

  /** The index of a flag list in the interned table (the same list, case and order kept). */
  private intern(flags: readonly string[]): number {
    const key = flags.join('\0');
    const known = this.flagIndex.get(key);
    if (known !== undefined) return known;
    if (this.flagSets.length >= this.count + FLAG_TABLE_SLACK) this.compactFlags();
    const index = this.flagSets.length;
    this.flagSets.push(Object.freeze([...flags]));
    this.flagIndex.set(key, index);
    return index;
  }

  /** Drops interned flag lists no message refers to any more. */
  private compactFlags(): void {
    const sets: (readonly string[])[] = [];
    const index = new Map<string, number>();
    const renumbered = new Map<number, number>();
    for (let i = 0; i < this.count; i++) {
      const old = this.flagRefs[i] ?? 0;
      let ref = renumbered.get(old);
      if (ref === undefined) {
        const flags = this.flagSets[old] ?? [];
        ref = sets.length;
        sets.push(flags);
        index.set(flags.join('\0'), ref);
        renumbered.set(old, ref);
      }
      this.flagRefs[i] = ref;
    }
    this.flagSets = sets;
    this.flagIndex = index;
  }
}
