// Server-wide snapshots of mailbox message lists, so a SELECT or EXAMINE (RFC 9051 §6.3.2,
// §6.3.3) of a mailbox another session listed recently copies that list and reads only what
// changed since, by MODSEQ and expunge records (RFC 7162 §3.1, the same source as a session's
// sync), instead of listing every message again. A snapshot holds no \Recent marks (those are
// per session, RFC 3501 §2.3.2) and no message content: UIDs, flags, MODSEQs, dates, sizes and
// blob ids. When the changes cannot be laid over the copy (a new UID below the highest one, too
// many changes, a snapshot too old) the caller lists the mailbox as before.
// Input it does not trust: none (values come from storage, already checked by its reader).

import type { Mailbox, MessageRecord, Storage } from '../../../storage/api.ts';
import type { MessageTable } from './message-table.ts';

/** Snapshots kept per store; the oldest goes first. */
export const MAX_SNAPSHOTS = 256;
/** How long a snapshot is reused after it was taken. */
export const SNAPSHOT_MAX_AGE_MS = 10 * 60_000;
/** More changes than this since a snapshot: list the mailbox instead. */
export const MAX_REPLAYED_CHANGES = 2048;
/** More changes than this replayed: the result replaces the snapshot. */
export const REFRESH_AFTER_CHANGES = 64;

interface Snapshot {
  readonly uidValidity: number;
  readonly table: MessageTable;
  /** Every change up to this MODSEQ is in the table. */
  readonly modSeq: number;
  readonly takenAt: number;
}

/** A session's starting list: the table and the MODSEQ up to which it is complete. */
export interface StartingList {
  readonly table: MessageTable;
  readonly modSeq: number;
}

const BY_STORAGE = new WeakMap<Storage, Map<string, Snapshot>>();

const keyOf = (mailbox: Mailbox) => `${mailbox.accountId}/${mailbox.id}`;

function snapshotsOf(storage: Storage): Map<string, Snapshot> {
  let snapshots = BY_STORAGE.get(storage);
  if (!snapshots) {
    snapshots = new Map();
    BY_STORAGE.set(storage, snapshots);
  }
  return snapshots;
}

/** Keeps a copy of a session's freshly listed table (no \Recent marks) for later SELECTs. */
export function keepSnapshot(storage: Storage, mailbox: Mailbox, list: StartingList, now = Date.now()): void {
  const snapshots = snapshotsOf(storage);
  const key = keyOf(mailbox);
  snapshots.delete(key);
  snapshots.set(key, { uidValidity: mailbox.uidValidity, table: list.table.clone(), modSeq: list.modSeq, takenAt: now });
  for (const oldest of snapshots.keys()) {
    if (snapshots.size <= MAX_SNAPSHOTS) break;
    snapshots.delete(oldest);
  }
}

/** Forgets every snapshot of a store (tests, shutdown). */
export function dropSnapshots(storage: Storage): void {
  BY_STORAGE.delete(storage);
}

/**
 * A copy of the mailbox's snapshot with the changes since it laid over, or undefined when there
 * is no usable snapshot. Replaying is idempotent: a change already in the snapshot (its MODSEQ
 * equal to the snapshot's) is applied again with the same result.
 */
export async function fromSnapshot(storage: Storage, mailbox: Mailbox, now = Date.now()): Promise<StartingList | undefined> {
  const snapshots = BY_STORAGE.get(storage);
  const key = keyOf(mailbox);
  const snapshot = snapshots?.get(key);
  if (!snapshots || !snapshot) return undefined;
  if (snapshot.uidValidity !== mailbox.uidValidity || now - snapshot.takenAt >= SNAPSHOT_MAX_AGE_MS) {
    snapshots.delete(key);
    return undefined;
  }
  const changes = await storage.changesSince(mailbox.accountId, mailbox.id, snapshot.modSeq);
  if (!changes.ok) return undefined;
  const { changed, vanished } = changes.value;
  if (changed.length + vanished.length > MAX_REPLAYED_CHANGES) return undefined;
  const table = snapshot.table.clone();
  let modSeq = snapshot.modSeq;
  const gone: number[] = [];
  for (const uid of vanished) {
    const index = table.indexOf(uid);
    if (index >= 0) gone.push(index);
  }
  const arrived: MessageRecord[] = [];
  for (const record of changed) {
    modSeq = Math.max(modSeq, record.modSeq);
    const index = table.indexOf(record.uid);
    if (index >= 0) table.update(index, record);
    else arrived.push(record);
  }
  table.remove(gone);
  arrived.sort((a, b) => a.uid - b.uid);
  for (const record of arrived) {
    // A UID below the highest listed one appeared later than its neighbours: list instead.
    if (record.uid <= (table.uidAt(table.length - 1) ?? 0)) return undefined;
    table.append(record, false);
  }
  const list = { table, modSeq };
  if (changed.length + vanished.length > REFRESH_AFTER_CHANGES) keepSnapshot(storage, mailbox, list, now);
  return list;
}
