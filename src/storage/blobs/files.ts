// Blob bytes as files: data_dir/blobs/<owner>/<id[0..2]>/<id>, one sealed file per content id,
// reached through the refcounted `blobs` table.
//
// Durability (house rule 7) in two steps, so accepting a message costs one fsync: a new blob
// is first stored inline in its `blobs` row, inside the transaction that references it, and is
// durable when that commit is (SQLite WAL, synced before the commit is released: sqlite/driver.ts). After the commit the blob mover
// writes it to its file on a worker thread (temporary file, fsync, rename, directory fsync),
// then the inline copy is cleared. A crash at any point leaves the inline copy, the file, or
// both: never a reference without durable bytes. Inline blobs are re-queued at start.
//
// Concurrency: only one process writes a data directory (cli/serve holds its lock). A file may
// be unlinked only when its reference count reached zero in a committed transaction and it is
// neither staged again nor being moved; a move that finds its row gone removes its own file.

import { mkdir, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlDriver, SqlQueries, SqlTransaction } from '../sql/driver.ts';
import { decrementRefs, incrementRefs, type BlobStore, type StagedBlob } from './blob-store.ts';
import { BlobMover } from './mover.ts';

/** Orphan files younger than this are left alone: their transaction may still commit. */
export const ORPHAN_MIN_AGE_MS = 60 * 60 * 1000;

export class FileBlobStore implements BlobStore {
  private readonly root: string;
  private readonly staged = new Map<string, number>();
  private readonly mover: BlobMover;
  private driver: SqlDriver | undefined;
  private failures = 0;

  constructor(root: string, onError: (message: string) => void = () => undefined) {
    this.root = root;
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
    this.staged.set(key, (this.staged.get(key) ?? 0) + 1);
    return { owner, id, size, sealed };
  }

  unstage(staged: StagedBlob): void {
    const key = this.key(staged.owner, staged.id);
    const count = (this.staged.get(key) ?? 1) - 1;
    if (count <= 0) this.staged.delete(key);
    else this.staged.set(key, count);
  }

  async addStaged(tx: SqlTransaction, staged: StagedBlob): Promise<void> {
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
    if (this.staged.has(this.key(owner, id)) || this.mover.isMoving(owner, id)) return;
    void unlink(this.pathOf(owner, id)).catch(() => undefined);
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
    for (const blob of gone) if (!this.staged.has(this.key(blob.owner, blob.id))) await unlink(this.pathOf(blob.owner, blob.id)).catch(() => undefined);
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
      void rm(join(this.root, String(owner)), { recursive: true, force: true }).catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    await this.mover.close();
  }

  async read(q: SqlQueries, owner: number, id: string): Promise<Uint8Array | undefined> {
    const row = await q.get<{ inline: Uint8Array | null }>('SELECT inline FROM blobs WHERE account_id = ? AND id = ?', [owner, id]);
    if (!row) return undefined;
    if (row.inline) return row.inline;
    try {
      return await readFile(this.pathOf(owner, id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * Removes files that no committed row references (left by a crash between a move and the
   * clearing of a deleted row). `isReferenced` answers from the database. Returns how many went.
   */
  async sweepOrphans(isReferenced: (owner: number, id: string) => Promise<boolean>, now = Date.now()): Promise<number> {
    let removed = 0;
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
          const temporary = name.includes('.tmp-');
          if (!temporary && (this.staged.has(this.key(owner, name)) || this.mover.isMoving(owner, name) || (await isReferenced(owner, name)))) continue;
          await unlink(path).catch(() => undefined);
          removed++;
        }
      }
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
