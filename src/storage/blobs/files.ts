// Blob bytes as files: data_dir/blobs/<owner>/<id[0..2]>/<id>, one sealed file per content id.
//
// Durability (house rule 7): bytes go to a temporary file in the final directory, the file is
// fsync'd, renamed over its final name, and the directory is fsync'd, all before the database
// transaction that references it commits. A crash before the commit leaves an unreferenced
// file, which sweepOrphans removes; never a reference without its file.
//
// Concurrency: only one process writes a data directory (cli/serve holds its lock). A file may
// be unlinked only when its reference count reached zero in a committed transaction and no
// transaction has staged the same id in the meantime; staging waits for a pending unlink of
// the same id, so a fresh reference can never point at a file that is being removed.

import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsync, openSync, renameSync, unlinkSync, write, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlQueries, SqlTransaction } from '../sql/driver.ts';
import { decrementRefs, incrementRefs, type BlobStore, type StagedBlob } from './blob-store.ts';
import { DirectorySyncer } from './directory-sync.ts';
import { fsyncDirectory } from './fsync.ts';

/** Orphan files younger than this are left alone: their transaction may still commit. */
export const ORPHAN_MIN_AGE_MS = 60 * 60 * 1000;
/** Blobs up to this size are written synchronously (a page-cache copy), larger ones on the thread pool. */
export const SYNC_WRITE_LIMIT = 1024 * 1024;

function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

function writeAllSync(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.byteLength; ) offset += writeSync(fd, bytes, offset);
}

async function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength; ) {
    offset += await new Promise<number>((resolve, reject) =>
      write(fd, bytes, offset, bytes.byteLength - offset, null, (error, written) => (error ? reject(error) : resolve(written))),
    );
  }
}

export class FileBlobStore implements BlobStore {
  private readonly root: string;
  private readonly staged = new Map<string, number>();
  private readonly unlinking = new Map<string, Promise<void>>();
  private readonly knownDirs = new Set<string>();
  private readonly directories = new DirectorySyncer();

  constructor(root: string) {
    this.root = root;
  }

  private dirOf(owner: number, id: string): string {
    return join(this.root, String(owner), id.slice(0, 2));
  }

  private key(owner: number, id: string): string {
    return `${owner}/${id}`;
  }

  async stage(owner: number, id: string, size: number, sealed: Uint8Array): Promise<StagedBlob> {
    const key = this.key(owner, id);
    this.staged.set(key, (this.staged.get(key) ?? 0) + 1);
    try {
      await this.unlinking.get(key);
      await this.writeDurably(owner, id, sealed);
    } catch (error) {
      this.release(key);
      throw error;
    }
    return { owner, id, size, sealed };
  }

  private async writeDurably(owner: number, id: string, sealed: Uint8Array): Promise<void> {
    const dir = this.dirOf(owner, id);
    const path = join(dir, id);
    await this.ensureDir(dir);
    // Same content, already durable: a blob file is renamed into place only after its fsync.
    if (existsSync(path)) return;
    const temporary = join(dir, `.tmp-${id}-${randomBytes(6).toString('hex')}`);
    // Creating and filling a small file costs microseconds: done synchronously, it saves the
    // event loop several thread-pool round trips. Large blobs are written asynchronously.
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      if (sealed.byteLength <= SYNC_WRITE_LIMIT) writeAllSync(fd, sealed);
      else await writeAll(fd, sealed);
      await fsyncFd(fd);
    } catch (error) {
      closeSync(fd);
      unlinkSync(temporary);
      throw error;
    }
    closeSync(fd);
    try {
      renameSync(temporary, path);
    } catch (error) {
      unlinkSync(temporary);
      throw error;
    }
    await this.directories.sync(dir);
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    const created = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (created !== undefined) {
      // Every directory from the first one created up to the root's parent must be durable.
      let child = dir;
      while (child.length >= created.length && child !== this.root) {
        const parent = join(child, '..');
        await fsyncDirectory(parent);
        child = parent;
      }
    }
    this.knownDirs.add(dir);
  }

  unstage(staged: StagedBlob): void {
    this.release(this.key(staged.owner, staged.id));
  }

  private release(key: string): void {
    const count = (this.staged.get(key) ?? 1) - 1;
    if (count <= 0) this.staged.delete(key);
    else this.staged.set(key, count);
  }

  async addStaged(tx: SqlTransaction, staged: StagedBlob): Promise<void> {
    await tx.run(
      'INSERT INTO blobs (account_id, id, refs, size) VALUES (?, ?, 1, ?) ON CONFLICT (account_id, id) DO UPDATE SET refs = blobs.refs + 1',
      [staged.owner, staged.id, staged.size],
    );
  }

  addRefs(tx: SqlTransaction, owner: number, id: string, count: number): Promise<void> {
    return incrementRefs(tx, owner, id, count);
  }

  async dropRefs(tx: SqlTransaction, owner: number, id: string, count: number): Promise<void> {
    if (await decrementRefs(tx, owner, id, count)) {
      tx.afterCommit(() => this.unlinkUnlessStaged(owner, id));
    }
  }

  private unlinkUnlessStaged(owner: number, id: string): void {
    const key = this.key(owner, id);
    if (this.staged.has(key)) return; // A committed or pending transaction references it again.
    const done = unlink(join(this.dirOf(owner, id), id))
      .catch(() => undefined)
      .finally(() => {
        if (this.unlinking.get(key) === done) this.unlinking.delete(key);
      });
    this.unlinking.set(key, done);
  }

  async dropOwner(tx: SqlTransaction, owner: number): Promise<void> {
    await tx.run('DELETE FROM blobs WHERE account_id = ?', [owner]);
    tx.afterCommit(() => {
      this.directories.forget(join(this.root, String(owner)));
      for (const dir of this.knownDirs) if (dir.startsWith(join(this.root, String(owner)))) this.knownDirs.delete(dir);
      void rm(join(this.root, String(owner)), { recursive: true, force: true }).catch(() => undefined);
    });
  }

  /** Closes the cached directory descriptors. */
  close(): void {
    this.directories.close();
  }

  async read(_q: SqlQueries, owner: number, id: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(join(this.dirOf(owner, id), id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * Removes files that no committed row references (left by a crash between the blob's fsync
   * and the commit). `isReferenced` answers from the database. Returns how many went.
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
          const id = name.startsWith('.tmp-') ? undefined : name;
          if (id !== undefined && (this.staged.has(this.key(owner, id)) || (await isReferenced(owner, id)))) continue;
          await unlink(path).catch(() => undefined);
          removed++;
        }
      }
    }
    return removed;
  }
}
