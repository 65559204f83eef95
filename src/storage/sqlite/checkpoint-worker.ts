// The WAL checkpointer's thread (checkpointer.ts): copies committed WAL frames into the database
// file with its own connection, so the event loop never runs a checkpoint. A checkpoint syncs
// the WAL before copying and the database after (synchronous=NORMAL,
// https://sqlite.org/pragma.html#pragma_synchronous); PASSIVE never blocks the writer, which
// keeps appending while frames are copied (https://sqlite.org/c3ref/wal_checkpoint_v2.html).
//
// Signals arrive through shared memory, not messages: the main thread bumps a commit counter
// after each COMMIT (waking this thread when `everyCommits` are pending since the last
// checkpoint, which this thread records) and sets a stop flag on close.

import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { CHECKPOINTED, COMMITS, STOP, type CheckpointerData } from './checkpointer.ts';

const { path, signal, everyCommits, intervalMs, busyTimeoutMs } = workerData as CheckpointerData;
const cells = new Int32Array(signal);

const db = new DatabaseSync(path, { timeout: busyTimeoutMs });
db.exec('PRAGMA synchronous = NORMAL');
db.exec('PRAGMA wal_autocheckpoint = 0');

// Zero, not the counter's value: commits made while this thread started are checkpointed too.
let seen = 0;
let last = performance.now();
while (Atomics.load(cells, STOP) === 0) {
  const commits = Atomics.load(cells, COMMITS);
  const pending = (commits - seen) | 0;
  const waited = performance.now() - last;
  if (pending >= everyCommits || (pending > 0 && waited >= intervalMs)) {
    seen = commits;
    Atomics.store(cells, CHECKPOINTED, commits);
    last = performance.now();
    try {
      db.exec('PRAGMA wal_checkpoint(PASSIVE)');
    } catch (error) {
      parentPort?.postMessage((error as Error).message);
    }
    continue;
  }
  // Sleeps until the writer says enough commits are pending, or the interval is up.
  Atomics.wait(cells, COMMITS, commits, pending > 0 ? intervalMs - waited : intervalMs);
}
db.close();
