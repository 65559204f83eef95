// bench/imap-memory: what one idle IMAP connection holds inside Postwarden, as a diagnostic
// beside bench/imap-idle's PSS figure (not a measurement of its own: the inspector is attached).
// serve is restarted with --inspect on a loopback port, warmed up, garbage collected; then the
// sampling heap profiler runs while N connections log in, SELECT INBOX and IDLE; after a full
// collection the profile lists the allocations still alive by allocating function and by the
// nearest frame in src/, divided by N. process.memoryUsage() before and after (both after a
// full collection) splits the growth into V8 heap, external memory and the rest of RSS
// (libuv handles, allocator overhead), per connection.

import { holdIdle } from './imap-idle.ts';
import { Inspector, inspectorUrl, summarizeSampling, type MemoryUsage } from './inspector.ts';
import type { Target } from './imap-targets.ts';
import { memory } from './proc.ts';

/** Sampling interval of the heap profiler: one sample per this many bytes allocated, on average. */
const SAMPLING_BYTES = 8192;
const TOP = 15;

export interface MemoryRow {
  readonly kind: 'memory';
  readonly server: string;
  readonly connections: number;
  readonly established: number;
  /** After a full collection, before the connections: MiB. */
  readonly baseline: { heapUsedMiB: number; externalMiB: number; rssMiB: number; pssMiB: number };
  /** Growth per connection, KiB, after a full collection (heapUsedBeforeGc: before it). */
  readonly perConnectionKiB: { heapUsed: number; heapUsedBeforeGc: number; external: number; arrayBuffers: number; rss: number; pss: number };
  /** Live sampled allocations per connection, bytes, by allocating function and by nearest src/ frame. */
  readonly byFunction: readonly { name: string; bytesPerConnection: number }[];
  readonly bySourceFrame: readonly { name: string; bytesPerConnection: number }[];
}

const mib = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));

export async function postwardenIdleBreakdown(options: {
  target: Target;
  users: readonly string[];
  password: string;
  connections: number;
  settleMs: number;
  localAddresses: readonly string[];
  warmUp: () => Promise<void>;
}): Promise<MemoryRow> {
  const { target } = options;
  await target.restart({ nodeOptions: '--inspect=127.0.0.1:0' });
  try {
    const logFile = target.logFile();
    if (logFile === undefined) throw new Error('postwardenIdleBreakdown: no log file');
    await options.warmUp();
    const inspector = await Inspector.connect(await inspectorUrl(logFile));
    try {
      const pid = target.pids()[0] ?? 0;
      await inspector.collectGarbage();
      const base: MemoryUsage = await inspector.memoryUsage();
      const basePss = memory(pid).pssKiB;
      await inspector.startSampling(SAMPLING_BYTES);
      const hold = await holdIdle({ endpoint: target.endpoint('plain'), users: options.users, password: options.password, connections: options.connections, localAddresses: options.localAddresses });
      try {
        await new Promise((resolve) => setTimeout(resolve, options.settleMs));
        const beforeGc = await inspector.memoryUsage();
        await inspector.collectGarbage();
        const after = await inspector.memoryUsage();
        const pss = memory(pid).pssKiB;
        const sampled = summarizeSampling(await inspector.stopSampling(), TOP);
        const n = Math.max(1, hold.established);
        const kib = (bytes: number) => Number((bytes / 1024 / n).toFixed(1));
        return {
          kind: 'memory',
          server: target.label(),
          connections: options.connections,
          established: hold.established,
          baseline: { heapUsedMiB: mib(base.heapUsed), externalMiB: mib(base.external), rssMiB: mib(base.rss), pssMiB: mib(basePss * 1024) },
          perConnectionKiB: {
            heapUsed: kib(after.heapUsed - base.heapUsed),
            heapUsedBeforeGc: kib(beforeGc.heapUsed - base.heapUsed),
            external: kib(after.external - base.external),
            arrayBuffers: kib(after.arrayBuffers - base.arrayBuffers),
            rss: kib(after.rss - base.rss),
            pss: kib((pss - basePss) * 1024),
          },
          byFunction: sampled.byFunction.map((entry) => ({ name: entry.name, bytesPerConnection: Math.round(entry.bytes / n) })),
          bySourceFrame: sampled.bySourceFrame.map((entry) => ({ name: entry.name, bytesPerConnection: Math.round(entry.bytes / n) })),
        };
      } finally {
        hold.close();
      }
    } finally {
      inspector.close();
    }
  } finally {
    await target.stop();
  }
}
