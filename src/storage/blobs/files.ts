// Blob bytes by size (house rule 7: a blob is durable before the commit that references it is
// acknowledged), reached through the refcounted `blobs` table:
// - Small blobs (sealed size below FILE_MIN_OCTETS) live in their `blobs` row (`inline`),
//   written by the transaction that references them and durable with its commit (SQLite WAL,
//   synced before the commit is released: sqlite/driver.ts). One WAL sync is shared by a whole
//   batch of writers; no file, directory or second transaction is needed.
// - Large blobs are files, data_dir/blobs/<owner>/<id[0..2]>/<id>, one sealed file per content id,
//   written before the transaction (writer.ts: created, fdatasync'd, directory fsync'd, off the
//   event loop, in batches shared by concurrent writers); the transaction only inserts the small
//   row that references the file. The bytes are written once, instead of into the WAL, again
//   into the database at checkpoint. A crash before the commit leaves an unreferenced file (the
//   orphan sweep takes it); a row is committed only after its file is durable, so no row
//   references a missing or partial file.
// Rows that earlier versions left inline whatever their size are read from the row as well.
// Deleted inline bytes are overwritten in the database (secure_delete) and scrubbed from the
// WAL by a checkpoint (sqlite/driver.ts).
//
// Concurrency: only one process writes a data directory (cli/serve holds its lock). A file may
// be unlinked only when its reference count reached zero in a committed transaction and it is
// not staged again. Content ids repeat (the same message twice to one account), so a delete of
// the last reference can meet a new write of the same content: staging marks the id before
// anything else, an unlink is decided only for an unstaged id, and a file write first waits for
// any unlink of its name already under way (unlinks of one name run in order), so an unlink
// never takes a file that a new row references.

import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlQueries, SqlTransaction } from '../sql/driver.ts';
import { incrementRefs, type BlobStore, type StagedBlob } from './blob-store.ts';
import { BlobWriter } from './writer.ts';

/** Blobs up to this size (plaintext octets) are read synchronously; larger ones on the thread pool. */
export const SYNC_READ_MAX_OCTETS = 256 * 1024;

/** Orphan files younger than this are left alone: their transaction may still commit. */
export const ORPHAN_MIN_AGE_MS = 60 * 60 * 1000;
/**
 * Sealed blobs this large or larger are files written before the transaction; smaller ones live
 * in their row. Small ones cost less inline: one WAL sync shared by a whole batch, where a file
 * costs its own fdatasync and a directory fsync; large ones would be written three times inline
 * (the WAL, the database at checkpoint, and again when deleted: secure_delete).
 */
export const FILE_MIN_OCTETS = 32 * 1024;

const EMPTY = new Uint8Array(0);

interface StageRecord {
  /** Stagings of this blob not yet unstaged. */
  count: number;
  /** The file write shared by every concurrent staging of this blob. */
  write: Promise<void> | undefined;
  /** The write created the file (no file of that name existed before). */
  created: boolean;
  /** A transaction referencing the blob committed while it was staged. */
  committed: boolean;
}

export class FileBlobStore implements BlobStore {
  private readonly root: string;
  private readonly staged = new Map<string, StageRecord>();
  /** Unlinks under way, per blob, chained so that they finish in the order they were decided. */
  private readonly unlinking = new Map<string, Promise<void>>();
  /** Blobs staged since the running orphan sweep looked at the database. */
  private sweepTouched: Set<string> | undefined;
  private readonly writer: BlobWriter;

  constructor(root: string) {
    this.root = root;
    this.writer = new BlobWriter(root);
  }

  private pathOf(owner: number, id: string): string {
    return join(this.root, String(owner), id.slice(0, 2), id);
  }

  private key(owner: number, id: string): string {
    return `${owner}/${id}`;
  }

  async stage(owner: number, id: string, size: number, sealed: Uint8Array): Promise<StagedBlob> {
    // A small blob goes into its row: no file to write, guard or unlink, so nothing to track.
    if (sealed.byteLength < FILE_MIN_OCTETS) return { owner, id, size, sealed };
    const key = this.key(owner, id);
    let record = this.staged.get(key);
    if (!record) {
      record = { count: 0, write: undefined, created: false, committed: false };
      this.staged.set(key, record);
    }
    record.count++;
    this.sweepTouched?.add(key);
    try {
      record.write ??= this.writeFile(record, key, owner, id, sealed);
      await record.write;
    } catch (error) {
      this.unstage({ owner, id, size, sealed });
      throw error;
    }
    return { owner, id, size, sealed: EMPTY, inFile: true };
  }

  private async writeFile(record: StageRecord, key: string, owner: number, id: string, sealed: Uint8Array): Promise<void> {
    try {
      await this.unlinking.get(key);
      const { created } = await this.writer.write(owner, id, sealed);
      if (created) record.created = true;
    } catch (error) {
      // The next staging of this blob tries again.
      record.write = undefined;
      throw error;
    }
  }

  unstage(staged: StagedBlob): void {
    const key = this.key(staged.owner, staged.id);
    const record = this.staged.get(key);
    if (!record || --record.count > 0) return;
    this.staged.delete(key);
    // A file written for transactions that all rolled back (over quota, a failure): nothing
    // references it; a file that existed before may be referenced, so only a created one goes.
    if (record.created && !record.committed) this.unlinkUnlessStaged(staged.owner, staged.id);
  }

  async addStaged(tx: SqlTransaction, staged: StagedBlob): Promise<void> {
    const record = this.staged.get(this.key(staged.owner, staged.id));
    if (record) {
      tx.afterCommit(() => {
        record.committed = true;
      });
    }
    await tx.run(
      `INSERT INTO blobs (account_id, id, refs, size, inline) VALUES (?, ?, 1, ?, ?)
       ON CONFLICT (account_id, id) DO UPDATE SET refs = blobs.refs + 1`,
      [staged.owner, staged.id, staged.size, staged.inFile ? null : staged.sealed],
    );
  }

  addRefs(tx: SqlTransaction, owner: number, id: string, count: number): Promise<void> {
    return incrementRefs(tx, owner, id, count);
  }

  async dropRefs(tx: SqlTransaction, owner: number, id: string, count: number): Promise<void> {
    const row = await tx.get<{ refs: number; in_file: number }>(
      'UPDATE blobs SET refs = refs - ? WHERE account_id = ? AND id = ? RETURNING refs, inline IS NULL AS in_file',
      [count, owner, id],
    );
    if (row === undefined || row.refs > 0) return;
    await tx.run('DELETE FROM blobs WHERE account_id = ? AND id = ?', [owner, id]);
    // An inline blob has no file (a file left beside one is an orphan: the sweep takes it).
    if (row.in_file === 1) tx.afterCommit(() => this.unlinkUnlessStaged(owner, id));
  }

  /** Decided synchronously, so a staging that starts later waits for this unlink to finish. */
  private unlinkUnlessStaged(owner: number, id: string): void {
    const key = this.key(owner, id);
    if (this.staged.has(key)) return;
    const path = this.pathOf(owner, id);
    const done = (this.unlinking.get(key) ?? Promise.resolve()).then(() => unlink(path)).then(
      () => undefined,
      () => undefined,
    );
    this.unlinking.set(key, done);
    void done.then(() => {
      if (this.unlinking.get(key) === done) this.unlinking.delete(key);
    });
  }

  async dropOwner(tx: SqlTransaction, owner: number): Promise<void> {
    await tx.run('DELETE FROM blobs WHERE account_id = ?', [owner]);
    tx.afterCommit(() => {
      this.writer.forgetOwner(owner);
      void rm(join(this.root, String(owner)), { recursive: true, force: true }).catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    await this.writer.close();
  }

  async read(q: SqlQueries, owner: number, id: string): Promise<Uint8Array | undefined> {
    const row = await q.get<{ inline: Uint8Array | null; size: number }>('SELECT inline, size FROM blobs WHERE account_id = ? AND id = ?', [owner, id]);
    if (!row) return undefined;
    if (row.inline) return row.inline;
    try {
      // A small file is read at once on the event loop (recent mail is in the page cache): the
      // four thread-pool round trips of an asynchronous read (open, stat, read, close), each
      // queued behind other sessions' fsyncs, made IMAP FETCH and queue runs wait far longer.
      const path = this.pathOf(owner, id);
      return Number(row.size) <= SYNC_READ_MAX_OCTETS ? readFileSync(path) : await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * Removes files that no committed row references (left by a crash between a file's write and
   * its commit, or between a commit and the unlink it decided). `isReferenced` answers from the
   * database. Returns how many went.
   */
  async sweepOrphans(isReferenced: (owner: number, id: string) => Promise<boolean>, now = Date.now()): Promise<number> {
    let removed = 0;
    const touched = (this.sweepTouched ??= new Set());
    try {
      const owners = await readdir(this.root).catch(() => [] as string[]);
      for (const ownerName of owners) {
        const owner = Number(ownerName);
        if (!Number.isSafeInteger(owner)) continue;
        const shards = await readdir(join(this.root, ownerName)).catch(() => [] as string[]);
        for (const shard of shards) {
          const dir = join(this.root, ownerName, shard);
          for (const name of await readdir(dir).catch(() => [] as string[])) {
            const path = join(dir, name);
            const info = await stat(path).catch(() => undefined);
            if (!info || now - info.mtimeMs < ORPHAN_MIN_AGE_MS) continue;
            if (name.includes('.tmp-')) {
              await unlink(path).catch(() => undefined);
              removed++;
              continue;
            }
            const key = this.key(owner, name);
            touched.delete(key);
            if (this.staged.has(key) || (await isReferenced(owner, name))) continue;
            // Staged while the database answered: its new row may be committed by now.
            if (touched.has(key)) continue;
            this.unlinkUnlessStaged(owner, name);
            await this.unlinking.get(key);
            removed++;
          }
        }
      }
    } finally {
      if (this.sweepTouched === touched) this.sweepTouched = undefined;
    }
    return removed;
  }

  /** Creates the root directory (and its parents) if missing. */
  async ensureRoot(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
  }
}
