// The blob mover: takes blobs that were committed inline in the database and writes them to
// their content-addressed files on a worker thread (mover-worker.ts), in batches, so the server's
// event loop never waits on file system calls. When a batch is durable on disk, `onMoved` lets
// the store clear the inline copies in one transaction. Until then the inline copy is the
// durable one; a crash loses nothing (the store re-queues inline blobs at start).

import { Worker } from 'node:worker_threads';
import type { MoveRequest, MoveResult } from './mover-worker.ts';

/** Most blobs written in one batch. */
export const MAX_BLOBS_PER_MOVE = 256;

export interface PendingBlob {
  readonly owner: number;
  readonly id: string;
  readonly sealed: Uint8Array;
}

export class BlobMover {
  private readonly root: string;
  private readonly onMoved: (done: MoveResult['done']) => Promise<void>;
  private readonly onFailed: (error: string) => void;
  private readonly queue: PendingBlob[] = [];
  private readonly queued = new Set<string>();
  private worker: Worker | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(root: string, onMoved: (done: MoveResult['done']) => Promise<void>, onFailed: (error: string) => void) {
    this.root = root;
    this.onMoved = onMoved;
    this.onFailed = onFailed;
  }

  /** True while the blob waits for or is in a move (its file may appear at any moment). */
  isMoving(owner: number, id: string): boolean {
    return this.queued.has(`${owner}/${id}`);
  }

  enqueue(blob: PendingBlob): void {
    const key = `${blob.owner}/${blob.id}`;
    if (this.closed || this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(blob);
    this.running ??= this.drain();
  }

  private workerThread(): Worker {
    if (!this.worker) {
      this.worker = new Worker(new URL('./mover-worker.ts', import.meta.url));
      this.worker.unref();
    }
    return this.worker;
  }

  private send(request: MoveRequest): Promise<MoveResult> {
    const worker = this.workerThread();
    return new Promise((resolve, reject) => {
      const onMessage = (result: MoveResult) => {
        worker.off('error', onError);
        resolve(result);
      };
      const onError = (error: Error) => {
        worker.off('message', onMessage);
        this.worker = undefined;
        reject(error);
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
      // Each blob was copied into its own buffer, so the buffers can be transferred, not cloned.
      worker.postMessage(request, request.blobs.map((blob) => blob.sealed.buffer as ArrayBuffer));
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.closed) {
        const batch = this.queue.splice(0, MAX_BLOBS_PER_MOVE);
        // Transfer copies: the caller's buffers may be shared with other views.
        const blobs = batch.map((blob) => ({ owner: blob.owner, id: blob.id, sealed: new Uint8Array(blob.sealed) }));
        let result: MoveResult;
        try {
          result = await this.send({ root: this.root, blobs });
        } catch (error) {
          this.onFailed((error as Error).message);
          for (const blob of batch) this.queued.delete(`${blob.owner}/${blob.id}`);
          continue;
        }
        try {
          if (result.done.length > 0) await this.onMoved(result.done);
        } catch (error) {
          this.onFailed((error as Error).message);
        }
        for (const failure of result.failed) this.onFailed(`${failure.owner}/${failure.id}: ${failure.error}`);
        for (const blob of batch) this.queued.delete(`${blob.owner}/${blob.id}`);
      }
    } finally {
      this.running = undefined;
    }
  }

  /** Resolves when everything queued so far has been moved (tests, orderly shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
