// Blob bytes as files: data_dir/blobs/<owner>/<id[0..2]>/<id>, one sealed file per content id,
// reached through the refcounted `blobs` table.
//
// Durability (house rule 7), two ways by size:
// - Large blobs (FILE_FIRST_MIN_OCTETS and up), while other blobs are being stored, are written
//   to their file before the transaction (writer.ts: created, fdatasync'd, directory fsync'd, off
//   the event loop, in batches shared by concurrent writers); the transaction only inserts the
//   small row that references the file.
//   The bytes are written once, instead of into the WAL, the database at checkpoint and the file.
//   A crash before the commit leaves an unreferenced file (the orphan sweep takes it); a row is
//   committed only after its file is durable, so no row references a missing or partial file.
// - Small blobs are stored inline in their `blobs` row, inside the transaction that references
//   them, durable when that commit is (SQLite WAL, synced before the commit is released:
//   sqlite/driver.ts). After the commit the blob mover writes them to their files on a worker
//   thread (temporary file, fsync, rename, directory fsync), then clears the inline copy. A crash
//   at any point leaves the inline copy, the file, or both. Inline blobs are re-queued at start.
//
// Concurrency: only one process writes a data directory (cli/serve holds its lock). A file may
// be unlinked only when its reference count reached zero in a committed transaction and it is
// neither staged again nor being moved; a move that finds its row gone removes its own file.
// Content ids repeat (the same message twice to one account), so a delete of the last reference
// can meet a new write of the same content: staging marks the id before anything else, an
// unlink is decided only for an unstaged id, and a file write first waits for any unlink of its
// name already under way (unlinks of one name run in order), so an unlink never takes a file
// that a new row references.

import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlDriver, SqlQueries, SqlTransaction } from '../sql/driver.ts';
import { decrementRefs, incrementRefs, type BlobStore, type StagedBlob } from './blob-store.ts';
import { BlobMover } from './mover.ts';
import { BlobWriter } from './writer.ts';

/** Blobs up to this size (plaintext octets) are read synchronously; larger ones on the thread pool. */
export const SYNC_READ_MAX_OCTETS = 256 * 1024;

/** Orphan files younger than this are left alone: their transaction may still commit. */
export const ORPHAN_MIN_AGE_MS = 60 * 60 * 1000;
/**
 * Sealed blobs this large or larger are written to their file before the transaction. Smaller
 * ones cost less inline: one WAL sync shared by a whole batch, no file created on the reply path.
 */
export const FILE_FIRST_MIN_OCTETS = 32 * 1024;

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
  private readonly mover: BlobMover;
  private readonly writer: BlobWriter;
  private driver: SqlDriver | undefined;
  private failures = 0;

  constructor(root: string, onError: (message: string) => void = () => undefined) {
    this.root = root;
    this.writer = new BlobWriter(root);
    this.mover = new BlobMover(
      root,
      (done) => this.moved(done),
      (message) => {
        this.failures++;
        onError(message);
      },
    );
  }

  /** The database the blob rows live in (needed to clear inline copies once moved). */
  attach(driver: SqlDriver): void {
    this.driver = driver;
  }

  private pathOf(owner: number, id: string): string {
    return join(this.root, String(owner), id.slice(0, 2), id);
  }

  private key(owner: number, id: string): string {
    return `${owner}/${id}`;
  }

  async stage(owner: number, id: string, size: number, sealed: Uint8Array): Promise<StagedBlob> {
    const key = this.key(owner, id);
    let record = this.staged.get(key);
    if (!record) {
      record = { count: 0, write: undefined, created: false, committed: false };
      this.staged.set(key, record);
    }
    record.count++;
    this.sweepTouched?.add(key);
    if (!record.write && !this.fileFirst(owner, id, sealed)) return { owner, id, size, sealed };
    try {
      record.write ??= this.writeFile(record, key, owner, id, sealed);
      await record.write;
    } catch (error) {
      this.unstage({ owner, id, size, sealed });
      throw error;
    }
    return { owner, id, size, sealed: EMPTY, inFile: true };
  }

  /**
   * Whether a new staging writes its file first. Not for small blobs; not for a blob the mover is
   * moving (its file may appear at any moment); not when nothing else is being stored: then
   * the inline path answers sooner (one WAL sync instead of a file and a directory sync before
   * the commit's), and the mover has the idle disk to itself.
   */
  private fileFirst(owner: number, id: string, sealed: Uint8Array): boolean {
    return sealed.byteLength >= FILE_FIRST_MIN_OCTETS && this.staged.size > 1 && !this.mover.isMoving(owner, id);
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
    if (record.created && !record.committed) this.unlinkUnlessInUse(staged.owner, staged.id);
  }

  async addStaged(tx: SqlTransaction, staged: StagedBlob): Promise<void> {
    const record = this.staged.get(this.key(staged.owner, staged.id));
    if (record) {
      tx.afterCommit(() => {
        record.committed = true;
      });
    }
    if (staged.inFile) {
      await tx.run(
        `INSERT INTO blobs (account_id, id, refs, size, inline) VALUES (?, ?, 1, ?, NULL)
         ON CONFLICT (account_id, id) DO UPDATE SET refs = blobs.refs + 1`,
        [staged.owner, staged.id, staged.size],
      );
      return;
    }
    const row = await tx.get<{ refs: number; pending: number }>(
      `INSERT INTO blobs (account_id, id, refs, size, inline) VALUES (?, ?, 1, ?, ?)
       ON CONFLICT (account_id, id) DO UPDATE SET refs = blobs.refs + 1
       RETURNING refs, inline IS NOT NULL AS pending`,
      [staged.owner, staged.id, staged.size, staged.sealed],
    );
    if (row && row.refs === 1 && row.pending === 1) {
      tx.afterCommit(() => this.mover.enqueue({ owner: staged.owner, id: staged.id, sealed: staged.sealed }));
    }
  }

  addRefs(tx: SqlTransaction, owner: number, id: string, count: number): Promise<void> {
    return incrementRefs(tx, owner, id, count);
  }

  async dropRefs(tx: SqlTransaction, owner: number, id: string, count: number): Promise<void> {
    if (await decrementRefs(tx, owner, id, count)) {
      tx.afterCommit(() => this.unlinkUnlessInUse(owner, id));
    }
  }

  private unlinkUnlessInUse(owner: number, id: string): void {
    if (this.mover.isMoving(owner, id)) return;
    this.unlinkUnlessStaged(owner, id);
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

  /** A moved batch is durable on disk: clear the inline copies; remove files whose row went meanwhile. */
  private async moved(done: readonly { readonly owner: number; readonly id: string }[]): Promise<void> {
    const driver = this.driver;
    if (!driver) return;
    const gone = await driver.write(async (tx) => {
      const missing: { owner: number; id: string }[] = [];
      for (const blob of done) {
        await tx.run('UPDATE blobs SET inline = NULL WHERE account_id = ? AND id = ?', [blob.owner, blob.id]);
        const row = await tx.get('SELECT 1 AS one FROM blobs WHERE account_id = ? AND id = ?', [blob.owner, blob.id]);
        if (!row) missing.push(blob);
      }
      return missing;
    });
    for (const blob of gone) this.unlinkUnlessStaged(blob.owner, blob.id);
  }

  /** Queues every blob still inline (after a restart, or a failed move). */
  async requeueInline(q: SqlQueries): Promise<number> {
    const rows = await q.all<{ account_id: number; id: string; inline: Uint8Array }>('SELECT account_id, id, inline FROM blobs WHERE inline IS NOT NULL');
    for (const row of rows) this.mover.enqueue({ owner: row.account_id, id: row.id, sealed: row.inline });
    return rows.length;
  }

  /** Waits until every queued blob is on disk (tests, orderly shutdown). */
  moverIdle(): Promise<void> {
    return this.mover.idle();
  }

  async dropOwner(tx: SqlTransaction, owner: number): Promise<void> {
    await tx.run('DELETE FROM blobs WHERE account_id = ?', [owner]);
    tx.afterCommit(() => {
      this.writer.forgetOwner(owner);
      void rm(join(this.root, String(owner)), { recursive: true, force: true }).catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    await this.mover.close();
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
   * Removes files that no committed row references (left by a crash between a move and the
   * clearing of a deleted row, or between a file-first write and its commit). `isReferenced` answers from the database. Returns how many went.
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
            if (this.staged.has(key) || this.mover.isMoving(owner, name) || (await isReferenced(owner, name))) continue;
            // Staged while the database answered: its new row may be committed by now.
            if (touched.has(key) || this.mover.isMoving(owner, name)) continue;
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

  /** Moves that failed since start (logged by the caller). */
  get failedMoves(): number {
    return this.failures;
  }
}
