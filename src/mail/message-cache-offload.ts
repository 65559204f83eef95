// Builds a delivery's parse cache (message-cache.ts) on a worker thread when the message is
// large, so the event loop meanwhile seals the message and writes its blob file, and other
// sessions go on: the index, ENVELOPE and BODYSTRUCTURE of a 100 KB message cost about 0.3 ms,
// a tenth of what the main thread spends accepting it. Small messages are built in place:
// handing them over costs more than the work.
//
// If the thread cannot answer (it crashed, or the message made it throw) the cache is built
// here, as it would have been without the thread (core/worker-calls.ts); if that throws too,
// the promise rejects and storage keeps the message without a cache.

import { movableCopy, WorkerCalls } from '../core/worker-calls.ts';
import { buildMessageCache } from './message-cache.ts';

/** Messages this large or larger have their cache built on the worker thread. */
export const OFFLOAD_MIN_OCTETS = 32 * 1024;

export class CacheThread {
  private readonly calls: WorkerCalls<Uint8Array, string>;

  /** `script`: the thread's module (tests give one that fails). */
  constructor(script = new URL('./message-cache-thread.ts', import.meta.url)) {
    this.calls = new WorkerCalls(script);
  }

  /** Calls this thread could not answer, computed on the caller's thread. */
  get answeredHere(): number {
    return this.calls.answeredHere;
  }

  /** The thread gets a copy of the message: the caller keeps its own. */
  build(raw: Uint8Array): Promise<string> {
    const { bytes, transfer } = movableCopy(raw);
    return this.calls.call(bytes, transfer, () => buildMessageCache(raw));
  }
}

const thread = new CacheThread();

/** The cache text for a raw message (what delivery stores): now for small ones, soon for large. */
export function messageCacheOf(raw: Uint8Array): string | Promise<string> {
  return raw.byteLength < OFFLOAD_MIN_OCTETS ? buildMessageCache(raw) : thread.build(raw);
}
