// Runs SQLite's WAL checkpoints on a worker thread (checkpoint-worker.ts). The writer connection
// turns automatic checkpoints off (PRAGMA wal_autocheckpoint = 0): otherwise every thousandth
// WAL page, a COMMIT on the event loop would copy the WAL into the database and sync both files,
// and every connection of every protocol would wait for those syncs.
//
// The WAL still stays short: after each checkpoint that caught up with the writer, the next
// write transaction starts the WAL again from its beginning (https://sqlite.org/wal.html).

import { Worker } from 'node:worker_threads';

/** Shared cells: commits made by the writer, and the stop flag. */
export const COMMITS = 0;
export const STOP = 1;

/** Shortest time between two checkpoints (ms): each costs a WAL sync and a database sync. */
export const CHECKPOINT_INTERVAL_MS = 100;

export interface CheckpointerData {
  readonly path: string;
  readonly signal: SharedArrayBuffer;
  readonly intervalMs: number;
  readonly busyTimeoutMs: number;
}

export class Checkpointer {
  private readonly cells: Int32Array;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(path: string, busyTimeoutMs: number) {
    const signal = new SharedArrayBuffer(8);
    this.cells = new Int32Array(signal);
    const data: CheckpointerData = { path, signal, intervalMs: CHECKPOINT_INTERVAL_MS, busyTimeoutMs };
    this.worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), { workerData: data });
    // A failed checkpoint loses nothing (the frames stay in the WAL for the next one); say so.
    this.worker.on('message', (message: string) => process.emitWarning(`WAL checkpoint failed: ${message}`));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.once('error', (error) => process.emitWarning(`WAL checkpointer stopped: ${error.message}`));
    // The thread sleeps while nothing is written; it must not keep the process alive.
    this.worker.unref();
  }

  /** Tells the thread that the writer committed. */
  committed(): void {
    Atomics.add(this.cells, COMMITS, 1);
    Atomics.notify(this.cells, COMMITS);
  }

  async close(): Promise<void> {
    // Waiting for the thread to finish its last checkpoint must keep the process alive.
    this.worker.ref();
    Atomics.store(this.cells, STOP, 1);
    Atomics.notify(this.cells, COMMITS);
    await this.exited;
  }
}
