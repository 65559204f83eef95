// Calls answered by a worker thread, for CPU work on large messages that would otherwise hold
// up the event loop (mail/message-cache-offload.ts). The thread starts with the first call and
// keeps the process alive only while an answer is due.
//
// A call never fails for want of a thread: when the thread cannot be started, dies, or cannot
// answer a request, `local` computes the value on this thread, as it would have been without
// the thread. Threads answer with answerCalls below.

import { parentPort, Worker, type Transferable } from 'node:worker_threads';

export interface CallRequest<P> {
  readonly id: number;
  readonly payload: P;
}

export type CallAnswer<V> = { readonly id: number; readonly value: V } | { readonly id: number; readonly error: string };

interface Waiting<V> {
  readonly local: () => V;
  readonly resolve: (value: V) => void;
  readonly reject: (error: unknown) => void;
}

export class WorkerCalls<P, V> {
  private readonly script: URL;
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting<V>>();
  private nextId = 0;
  /** Calls computed here instead of on the thread (for tests and diagnostics). */
  answeredHere = 0;

  /** `script`: the thread's module, which calls answerCalls (tests give one that fails). */
  constructor(script: URL) {
    this.script = script;
  }

  call(payload: P, transfer: readonly Transferable[], local: () => V): Promise<V> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const waiting = { local, resolve, reject };
      let worker: Worker;
      try {
        worker = this.started();
        const request: CallRequest<P> = { id, payload };
        worker.postMessage(request, transfer);
      } catch {
        // No thread to be had (out of threads or memory), or a payload it cannot take.
        this.settleHere(waiting);
        return;
      }
      this.waiting.set(id, waiting);
      // While an answer is due the thread keeps the process alive; idle, it does not.
      worker.ref();
    });
  }

  private settleHere(waiting: Waiting<V>): void {
    this.answeredHere++;
    try {
      waiting.resolve(waiting.local());
    } catch (error) {
      waiting.reject(error);
    }
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.on('message', (answer: CallAnswer<V>) => {
      const waiting = this.waiting.get(answer.id);
      if (!waiting) return;
      this.waiting.delete(answer.id);
      if ('value' in answer) waiting.resolve(answer.value);
      else this.settleHere(waiting);
      if (this.waiting.size === 0) worker.unref();
    });
    const lost = (): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const waiting = [...this.waiting.values()];
      this.waiting.clear();
      for (const entry of waiting) this.settleHere(entry);
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    // Held (ref) only while an answer is due; after the listeners, which would hold it again.
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

/** A thread's side: answers every call with `handler`; what it throws is sent as an error. */
export function answerCalls<P, V>(handler: (payload: P) => V): void {
  parentPort?.on('message', ({ id, payload }: CallRequest<P>) => {
    let answer: CallAnswer<V>;
    try {
      answer = { id, value: handler(payload) };
    } catch (error) {
      answer = { id, error: (error as Error).message };
    }
    parentPort?.postMessage(answer);
  });
}

/** A copy of exactly these octets that postMessage can move to a thread (no second copy). */
export function movableCopy(bytes: Uint8Array): { readonly bytes: Uint8Array; readonly transfer: readonly Transferable[] } {
  const copy = new Uint8Array(bytes);
  return { bytes: copy, transfer: [copy.buffer] };
}
