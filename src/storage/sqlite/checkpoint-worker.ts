// The WAL checkpointer's thread (checkpointer.ts): copies committed WAL frames into the database
// file with its own connection, so the event loop never runs a checkpoint. A checkpoint syncs
// the WAL before copying and the database after (synchronous=NORMAL,
// https://sqlite.org/pragma.html#pragma_synchronous); PASSIVE never blocks the writer, which
// keeps appending while frames are copied (https://sqlite.org/c3ref/wal_checkpoint_v2.html).
//
// Signals arrive through shared memory, not messages: the main thread bumps a commit counter
// after each COMMIT and sets a stop flag on close; this thread sleeps on the counter.

import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { COMMITS, STOP, type CheckpointerData } from './checkpointer.ts';

const { path, signal, intervalMs, busyTimeoutMs } = workerData as CheckpointerData;
const cells = new Int32Array(signal);
const pause = new Int32Array(new SharedArrayBuffer(4));

const db = new DatabaseSync(path, { timeout: busyTimeoutMs });
db.exec('PRAGMA synchronous = NORMAL');
db.exec('PRAGMA wal_autocheckpoint = 0');

// Zero, not the counter's value: commits made while this thread started are checkpointed too.
let seen = 0;
while (Atomics.load(cells, STOP) === 0) {
  Atomics.wait(cells, COMMITS, seen);
  if (Atomics.load(cells, STOP) !== 0) break;
  // Let commits gather: one checkpoint (two syncs) per interval at most, however busy the writer.
  Atomics.wait(pause, 0, 0, intervalMs);
  seen = Atomics.load(cells, COMMITS);
  try {
    db.exec('PRAGMA wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort?.postMessage((error as Error).message);
  }
}
db.close();
