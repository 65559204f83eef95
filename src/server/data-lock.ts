// The data directory lock: one `serve` per data directory. The lock is an exclusive SQLite
// lock (POSIX advisory lock) on data_dir/serve.lock, held for the life of the process; the
// kernel releases it when the process dies, even by SIGKILL, so a crash never leaves a stale
// lock behind. The holder's pid is written beside it for the error message.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { UserError } from '../core/user-error.ts';

export const LOCK_FILE = 'serve.lock';
export const PID_FILE = 'serve.pid';

export interface DataLock {
  release(): void;
}

export function lockDataDirectory(dataDir: string): DataLock {
  const db = new DatabaseSync(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch {
    db.close();
    let holder = '';
    try {
      holder = ` (pid ${readFileSync(join(dataDir, PID_FILE), 'utf8').trim()})`;
    } catch {
      // No pid file: the other process is still starting.
    }
    throw new UserError(`the data directory ${dataDir} is in use by another Postwarden process${holder}`);
  }
  writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`);
  return {
    release() {
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
