// The blob writer: makes large sealed blobs durable as files before their transaction (house
// rule 7), with asynchronous file system calls, so the event loop never waits on them.
//
// Every file of a batch (the writes that arrived in one turn of the event loop) is created and
// written durably (O_DSYNC) in parallel on the thread pool: a disk that merges concurrent cache
// flushes syncs many files for little more than the price of one, where one sync after another
// pays for each. For the same reason a file's directory is fsync'd as soon as the file has its
// name, while its bytes are being written and synced, not after them.
// A new file is created under its final name with O_EXCL; a partial file after a crash is
// harmless because no row references a file before its batch reported it durable. A name that
// already exists (a crash leftover, or a file whose unlink lost a race) is replaced by a
// temporary file written durably and renamed over it, never trusted.
// Input: owner numbers and hex content ids from the blob store.

import { closeSync } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createExclusiveDsync, writeAll } from './fd-calls.ts';
import { fsyncDirectory } from './fsync.ts';

interface Pending {
  readonly owner: number;
  readonly id: string;
  readonly sealed: Uint8Array;
  readonly resolve: (outcome: { created: boolean }) => void;
  readonly reject: (error: unknown) => void;
}

/** A unique temporary name beside `path`; the orphan sweep recognizes ".tmp-". */
function temporaryName(path: string): string {
  return `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
}

/** A new file under `path`, or under a temporary name beside it when `path` exists. */
async function createNew(path: string): Promise<{ fd: number; written: string }> {
  try {
    return { fd: await createExclusiveDsync(path, 0o600), written: path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const temporary = temporaryName(path);
  return { fd: await createExclusiveDsync(temporary, 0o600), written: temporary };
}

/**
 * Writes and syncs one file; resolves with whether it created the name. The file is open with
 * O_DSYNC, so its bytes are durable when the write returns. `syncName` makes the file's
 * directory entry durable (fsync of the directory): for a name created by the open, it runs
 * while the bytes are written, so the two waits overlap; a replacement's name appears only with
 * its rename, so its directory is synced after that. Closing a descriptor whose writes are
 * already on disk waits for nothing: it happens here, not as another thread-pool round trip.
 */
async function writeOne(path: string, sealed: Uint8Array, syncName: () => Promise<void>): Promise<boolean> {
  const { fd, written } = await createNew(path);
  const named = written === path ? syncName() : undefined;
  try {
    await writeAll(fd, sealed);
  } catch (error) {
    closeQuietly(fd);
    await unlink(written).catch(() => undefined);
    await named?.catch(() => undefined);
    throw error;
  }
  closeQuietly(fd);
  if (named) {
    await named;
    return true;
  }
  await rename(written, path);
  await syncName();
  return false;
}

/**
 * Closes a blob's descriptor. Its writes are already durable or already failed (O_DSYNC: a
 * write reports its own I/O error), so a close error has nothing to add; thrown here, it would
 * leave the directory's fsync unawaited.
 */
function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // See above.
  }
}

export class BlobWriter {
  private readonly root: string;
  private queue: Pending[] = [];
  private scheduled = false;
  /** Directories made durable (or being made so): their creation was fsync'd into their parent. */
  private readonly directories = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(root: string) {
    this.root = root;
  }

  /** Resolves once the file is durable (its bytes and its name); `created`: no file had the name. */
  write(owner: number, id: string, sealed: Uint8Array): Promise<{ created: boolean }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ owner, id, sealed, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // Every writer that is ready in this turn of the event loop joins the batch.
      setImmediate(() => {
        this.scheduled = false;
        const batch = this.queue;
        this.queue = [];
        const done = this.run(batch);
        this.inFlight.add(done);
        void done.finally(() => this.inFlight.delete(done));
      });
    });
  }

  /**
   * Resolves once `dir` exists durably: every level mkdir created is fsync'd into its parent
   * before any file in it is reported durable. Rare (one per shard and account), so not batched.
   */
  private ensureDirectory(dir: string): Promise<void> {
    let ready = this.directories.get(dir);
    if (!ready) {
      ready = (async () => {
        const created = await mkdir(dir, { recursive: true, mode: 0o700 });
        if (created === undefined) return;
        const top = resolve(this.root, '..');
        const parents: string[] = [];
        for (let child = resolve(dir); child.length >= resolve(created).length && child !== top; child = dirname(child)) parents.push(dirname(child));
        for (const parent of parents) await fsyncDirectory(parent);
      })();
      this.directories.set(dir, ready);
      ready.catch(() => this.directories.delete(dir));
    }
    return ready;
  }

  /** An account's directories went (account deletion): create them again when needed. */
  forgetOwner(owner: number): void {
    const prefix = join(this.root, String(owner)) + '/';
    for (const dir of this.directories.keys()) if (dir.startsWith(prefix)) this.directories.delete(dir);
  }

  private async run(batch: readonly Pending[]): Promise<void> {
    const outcomes = await Promise.allSettled(
      batch.map(async (entry) => {
        const dir = join(this.root, String(entry.owner), entry.id.slice(0, 2));
        await this.ensureDirectory(dir);
        return writeOne(join(dir, entry.id), entry.sealed, () => fsyncDirectory(dir));
      }),
    );
    for (const [index, entry] of batch.entries()) {
      const outcome = outcomes[index];
      if (outcome?.status === 'fulfilled') entry.resolve({ created: outcome.value });
      else entry.reject(outcome?.reason ?? new Error('no outcome'));
    }
  }

  /** Waits for every batch under way. */
  async close(): Promise<void> {
    while (this.inFlight.size > 0 || this.scheduled) await Promise.allSettled([...this.inFlight, new Promise((r) => setImmediate(r))]);
  }
}
