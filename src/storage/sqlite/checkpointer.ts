// Runs SQLite's WAL checkpoints on a worker thread (checkpoint-worker.ts). The writer connection
// turns automatic checkpoints off (PRAGMA wal_autocheckpoint = 0): otherwise every thousandth
// WAL page, a COMMIT on the event loop would copy the WAL into the database and sync both files,
// and every connection of every protocol would wait for those syncs.
//
// The WAL still stays short: after each checkpoint that caught up with the writer, the next
// write transaction starts the WAL again from its beginning (https://sqlite.org/wal.html).

import { Worker } from 'node:worker_threads';

/** Shared cells: commits made by the writer, the stop flag, commits covered by a checkpoint. */
export const COMMITS = 0;
export const STOP = 1;
export const CHECKPOINTED = 2;
const CELLS = 3;

/**
 * A checkpoint runs once this many commits are pending, or when commits have waited this long
 * (ms). Each one syncs the WAL and the database, and those syncs queue on the disk with the
 * commits' own: checkpointing every 100 ms cost 0.6 ms of CPU per 100 KB message and 7% of
 * the rate at one connection. 500 commits of small messages are a few MB of WAL, about what
 * SQLite's automatic checkpoint lets grow (1,000 pages).
 */
export const CHECKPOINT_EVERY_COMMITS = 500;
export const CHECKPOINT_INTERVAL_MS = 5_000;

export interface CheckpointSchedule {
  readonly everyCommits: number;
  readonly intervalMs: number;
}

/** What the thread is started with. */
export interface CheckpointerData extends CheckpointSchedule {
  readonly path: string;
  readonly signal: SharedArrayBuffer;
  readonly busyTimeoutMs: number;
}

export const DEFAULT_CHECKPOINT_SCHEDULE: CheckpointSchedule = { everyCommits: CHECKPOINT_EVERY_COMMITS, intervalMs: CHECKPOINT_INTERVAL_MS };

export class Checkpointer {
  private readonly cells: Int32Array;
  private readonly data: CheckpointerData;
  private readonly stopped: () => void;
  /** Started by the first commit: opening the database to read it (the CLI) starts no thread. */
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;

  /** `stopped` runs if the thread ends before close(): the writer must checkpoint again itself. */
  constructor(path: string, busyTimeoutMs: number, stopped: () => void, schedule: CheckpointSchedule = DEFAULT_CHECKPOINT_SCHEDULE) {
    const signal = new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT);
    this.cells = new Int32Array(signal);
    this.data = { path, signal, ...schedule, busyTimeoutMs };
    this.stopped = stopped;
  }

  private start(): Worker {
    const worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), { workerData: this.data });
    // A failed checkpoint loses nothing (the frames stay in the WAL for the next one); say so.
    worker.on('message', (message: string) => process.emitWarning(`WAL checkpoint failed: ${message}`));
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.once('error', (error) => process.emitWarning(`WAL checkpointer stopped: ${error.message}`));
    void this.exited.then(() => {
      if (!this.stopping) this.stopped();
    });
    // The thread sleeps while nothing is written; it must not keep the process alive.
    worker.unref();
    return worker;
  }

  /** Counts a commit; wakes the thread when a checkpoint's worth of commits is pending. */
  committed(): void {
    this.worker ??= this.start();
    const commits = Atomics.add(this.cells, COMMITS, 1) + 1;
    if (((commits - Atomics.load(this.cells, CHECKPOINTED)) | 0) === this.data.everyCommits) Atomics.notify(this.cells, COMMITS);
  }

  async close(): Promise<void> {
    this.stopping = true;
    // Waiting for the thread to finish its last checkpoint must keep the process alive.
    this.worker?.ref();
    Atomics.store(this.cells, STOP, 1);
    Atomics.notify(this.cells, COMMITS);
    await this.exited;
  }
}
