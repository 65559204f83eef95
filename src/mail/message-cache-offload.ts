// Builds a delivery's parse cache (message-cache.ts) on a worker thread when the message is
// large, so the event loop meanwhile seals the message and writes its blob file, and other
// sessions go on: the index, ENVELOPE and BODYSTRUCTURE of a 100 KB message cost about 0.3 ms,
// a tenth of what the main thread spends accepting it. Small messages are built in place:
// handing them over costs more than the work.
//
// Never fails: if the thread cannot answer (it crashed, or the message made it throw) the
// cache is built here, as it would have been without the thread.

import { Worker } from 'node:worker_threads';
import { buildMessageCache } from './message-cache.ts';
import type { CacheAnswer, CacheRequest } from './message-cache-thread.ts';

/** Messages this large or larger have their cache built on the worker thread. */
export const OFFLOAD_MIN_OCTETS = 32 * 1024;

interface Waiting {
  readonly raw: Uint8Array;
  readonly resolve: (text: string) => void;
}

export class CacheThread {
  private readonly script: URL;
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;

  /** `script`: the thread's module (tests give one that fails). */
  constructor(script = new URL('./message-cache-thread.ts', import.meta.url)) {
    this.script = script;
  }

  build(raw: Uint8Array): Promise<string> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      try {
        const worker = this.started();
        this.waiting.set(id, { raw, resolve });
        // While an answer is due the thread keeps the process alive; idle, it does not.
        worker.ref();
        // A copy of exactly the message's octets, handed over without another copy.
        const copy = new Uint8Array(raw);
        const request: CacheRequest = { id, raw: copy };
        worker.postMessage(request, [copy.buffer]);
      } catch {
        // No thread to be had (out of threads or memory): built here.
        this.waiting.delete(id);
        resolve(buildMessageCache(raw));
      }
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.on('message', (answer: CacheAnswer) => {
      const waiting = this.waiting.get(answer.id);
      if (!waiting) return;
      this.waiting.delete(answer.id);
      waiting.resolve('text' in answer ? answer.text : buildMessageCache(waiting.raw));
      if (this.waiting.size === 0) worker.unref();
    });
    const lost = (): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const waiting = [...this.waiting.values()];
      this.waiting.clear();
      for (const { raw, resolve } of waiting) resolve(buildMessageCache(raw));
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    this.worker = worker;
    return worker;
  }
}

const thread = new CacheThread();

/** The cache text for a raw message (what delivery stores): now for small ones, soon for large. */
export function messageCacheOf(raw: Uint8Array): string | Promise<string> {
  return raw.byteLength < OFFLOAD_MIN_OCTETS ? buildMessageCache(raw) : thread.build(raw);
}
