// Opens the SQLite adapter: data_dir/postwarden.db (WAL, synchronous=NORMAL with our own WAL
// sync, see driver.ts, secure_delete) with small message blobs in their rows, and large ones as
// files under data_dir/blobs (blobs/files.ts). One process owns a data directory (cli/serve
// takes a lock); CLI commands may open it alongside for short administrative writes.

import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Storage } from '../api.ts';
import { FileBlobStore } from '../blobs/files.ts';
import { fsyncDirectorySync } from '../blobs/fsync.ts';
import type { MasterKey } from '../crypto/master-key.ts';
import { LocalPublisher } from '../sql/events.ts';
import { KeyRing } from '../sql/keyring.ts';
import { verifyMasterKey } from '../sql/master-check.ts';
import { createSqlStorage } from '../sql/storage.ts';
import { SqliteDriver } from './driver.ts';
import { migrateSqlite } from './migrations.ts';

export const DATABASE_FILE = 'postwarden.db';
export const BLOB_DIRECTORY = 'blobs';

export interface SqliteStorageOptions {
  readonly dataDir: string;
  readonly master: MasterKey;
  readonly encrypt?: boolean;
  readonly clock?: Clock;
}

/** Creates a directory (and missing parents) durably. */
export function ensureDirectory(path: string): void {
  const created = mkdirSync(path, { recursive: true, mode: 0o700 });
  if (created === undefined) return;
  let child = resolve(path);
  const first = resolve(created);
  while (child.length >= first.length) {
    fsyncDirectorySync(dirname(child));
    child = dirname(child);
  }
}

export interface SqliteStorage extends Storage {
  /** Removes blob files left by a crash between their fsync and the commit. */
  sweepOrphanBlobs(): Promise<number>;
}

export async function openSqliteStorage(options: SqliteStorageOptions): Promise<SqliteStorage> {
  ensureDirectory(options.dataDir);
  const blobRoot = join(options.dataDir, BLOB_DIRECTORY);
  ensureDirectory(blobRoot);
  const path = join(options.dataDir, DATABASE_FILE);
  // Created owner-only before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
  closeSync(openSync(path, 'a', 0o600));
  const driver = new SqliteDriver({
    path,
    migrate: (db) => {
      // Deleted rows (wrapped account keys among them) are overwritten, not left in free pages.
      db.exec('PRAGMA secure_delete = ON');
      migrateSqlite(db);
    },
  });
  try {
    await verifyMasterKey(driver, options.master);
  } catch (error) {
    await driver.close();
    throw error;
  }
  const blobs = new FileBlobStore(blobRoot);
  const storage = createSqlStorage(
    {
      driver,
      blobs,
      keys: new KeyRing(driver, options.master),
      master: options.master,
      encrypt: options.encrypt ?? true,
      events: new LocalPublisher(),
      clock: options.clock ?? systemClock,
    },
    {
      capabilities: { sharedAcrossProcesses: false, crossProcessEvents: false },
      scrub: async () => driver.checkpoint(),
      onClose: async () => blobs.close(),
    },
  );
  return {
    ...storage,
    sweepOrphanBlobs: () =>
      blobs.sweepOrphans((owner, id) =>
        driver.read(async (q) => (await q.get('SELECT 1 AS one FROM blobs WHERE account_id = ? AND id = ?', [owner, id])) !== undefined),
      ),
  };
}
