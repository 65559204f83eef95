// bench/inspector: a small client of the V8 inspector protocol (Chrome DevTools Protocol over
// a WebSocket) for looking into a Postwarden server a benchmark started with
// `--inspect=127.0.0.1:0`: its address is read from the "Debugger listening on ws://..." line
// Node writes to stderr (serve's log file). Used for memory diagnostics only, never in a
// measured run: process.memoryUsage(), a full garbage collection, and the sampling heap
// profiler, whose profile at stop lists the allocations still alive by allocation stack (so
// the memory a set of idle connections holds can be traced to the code that allocated it).

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export interface SamplingNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly SamplingNode[];
}

export interface MemoryUsage {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** Waits for the inspector's address to appear in a log file. */
export async function inspectorUrl(logFile: string, limitMs = 10_000): Promise<string> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const match = /Debugger listening on (ws:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'));
    if (match?.[1]) return match[1];
    if (Date.now() > deadline) throw new Error(`no inspector address in ${logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export class Inspector {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, Pending>();
  #id = 0;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (event: MessageEvent) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) pending?.reject(new Error(message.error.message));
      else pending?.resolve(message.result);
    });
  }

  static connect(url: string): Promise<Inspector> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.addEventListener('open', () => resolve(new Inspector(socket)));
      socket.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${url}`)));
    });
  }

  call<T>(method: string, params: object = {}): Promise<T> {
    const id = ++this.#id;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async memoryUsage(): Promise<MemoryUsage> {
    const reply = await this.call<{ result: { value: string } }>('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    return JSON.parse(reply.result.value) as MemoryUsage;
  }

  async collectGarbage(): Promise<void> {
    await this.call('HeapProfiler.collectGarbage');
  }

  async startSampling(intervalBytes: number): Promise<void> {
    await this.call('HeapProfiler.startSampling', { samplingInterval: intervalBytes });
  }

  async stopSampling(): Promise<SamplingNode> {
    const reply = await this.call<{ profile: { head: SamplingNode } }>('HeapProfiler.stopSampling');
    return reply.profile.head;
  }

  close(): void {
    this.#socket.close();
  }
}

function place(url: string, line: number): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? relative(ROOT, fileURLToPath(url)) : url;
  return `${path}:${line + 1}`;
}

export interface LiveAllocations {
  readonly totalBytes: number;
  /** Bytes by the allocating function (the top of the stack). */
  readonly byFunction: readonly { name: string; bytes: number }[];
  /** Bytes by the nearest frame in Postwarden's own source (src/), where the caller is ours. */
  readonly bySourceFrame: readonly { name: string; bytes: number }[];
}

/** Sums a sampling heap profile by allocating function and by nearest src/ frame. */
export function summarizeSampling(head: SamplingNode, top: number): LiveAllocations {
  const byFunction = new Map<string, number>();
  const bySource = new Map<string, number>();
  let total = 0;
  const walk = (node: SamplingNode, nearestSource: string) => {
    const frame = node.callFrame;
    const where = place(frame.url, frame.lineNumber);
    const here = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    const source = where.startsWith('src/') ? here : nearestSource;
    if (node.selfSize > 0) {
      total += node.selfSize;
      byFunction.set(here, (byFunction.get(here) ?? 0) + node.selfSize);
      bySource.set(source, (bySource.get(source) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, source);
  };
  walk(head, '(outside src/)');
  const rank = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, bytes]) => ({ name, bytes }));
  return { totalBytes: total, byFunction: rank(byFunction), bySourceFrame: rank(bySource) };
}
