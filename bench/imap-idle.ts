// bench/imap-idle: memory per idle IMAP connection. It opens N connections to a server (a
// bounded number being set up at a time), each logged in with INBOX (1,000 messages) selected
// and in IDLE (RFC 2177: the server's `+` received), holds them, and reads the server's memory
// before and after from /proc: the summed PSS of its processes (Postwarden: the one serve
// process; Dovecot: master, imap-login, auth, anvil, log, stats, config and one imap process per
// session), which counts shared pages (libraries, a mailbox's mmap'd index files) once in all
// rather than once per process as summed RSS would. The figure per connection is the
// difference over the connections held. The breakdown by process name shows where Dovecot's
// memory sits. A connection that fails is counted with the first error, and after a run of
// failures in a row (file descriptors or processes exhausted, or the server gone) no more are
// attempted: the result then says how many connections were held, and why not more. Memory is
// also sampled every 1,000 connections during the ramp, so a server that dies part-way still
// leaves a per-connection slope (the last sample before it went).
//
// Standalone: node bench/imap-idle.ts --port P --pid SERVER_PID [--connections N]
//   --users a@d,b@d --password PW

import { parseArgs } from 'node:util';
import { ImapClient, ok, type Completion, type Endpoint } from './imap-client.ts';
import { memory, processName, totalMemory, type Memory } from './proc.ts';

/** Connections being set up at once. */
const SETUP_CONCURRENCY = 64;
/** Failures in a row after which the ramp stops: the server (or this machine) is full. */
const FAILURES_TO_STOP = 50;

/** Connections between two memory samples during the ramp. */
const SAMPLE_EVERY = 1000;

export interface IdleOptions {
  readonly endpoint: Endpoint;
  readonly users: readonly string[];
  readonly password: string;
  readonly connections: number;
  readonly localAddresses?: readonly string[];
  /** Called (and awaited, holding the ramp) each time another SAMPLE_EVERY connections are idle. */
  readonly onProgress?: (established: number) => void;
}

export interface IdleHold {
  readonly established: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  /** How long opening every connection took. */
  readonly rampSeconds: number;
  /** Closes every connection. */
  close(): void;
}

/** Opens the connections and leaves each in IDLE. */
export async function holdIdle(options: IdleOptions): Promise<IdleHold> {
  const clients: ImapClient[] = [];
  const completions: Promise<Completion>[] = [];
  let errors = 0;
  let failuresInARow = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  const open = async (index: number): Promise<void> => {
    const user = options.users[index % options.users.length] ?? '';
    const localAddress = options.localAddresses?.[index % options.localAddresses.length];
    const { client } = await ImapClient.open({ ...options.endpoint, ...(localAddress ? { localAddress } : {}) });
    try {
      ok('LOGIN', await client.run(`LOGIN ${user} ${options.password}`));
      ok('SELECT', await client.run('SELECT INBOX'));
      const idling = await client.idle();
      idling.completion.catch(() => undefined);
      clients.push(client);
      completions.push(idling.completion);
      if (clients.length % SAMPLE_EVERY === 0) options.onProgress?.(clients.length);
    } catch (error) {
      client.close();
      throw error;
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(SETUP_CONCURRENCY, options.connections) }, async () => {
      while (next < options.connections && failuresInARow < FAILURES_TO_STOP) {
        const index = next++;
        try {
          await open(index);
          failuresInARow = 0;
        } catch (error) {
          errors++;
          failuresInARow++;
          firstError ??= `connection ${index}: ${(error as Error).message}`;
        }
      }
    }),
  );
  return {
    established: clients.length,
    errors,
    firstError,
    rampSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    close() {
      for (const client of clients) client.close();
    },
  };
}

export interface ProcessGroup {
  readonly name: string;
  readonly processes: number;
  readonly pssKiB: number;
  readonly rssKiB: number;
}

export interface ServerMemory {
  readonly total: Memory;
  readonly groups: readonly ProcessGroup[];
}

/** The server's processes summed, and grouped by process name. */
export function serverMemory(pids: readonly number[]): ServerMemory {
  const groups = new Map<string, { processes: number; pssKiB: number; rssKiB: number }>();
  for (const pid of pids) {
    const one = memory(pid);
    const name = processName(pid);
    const group = groups.get(name) ?? { processes: 0, pssKiB: 0, rssKiB: 0 };
    group.processes += one.processes;
    group.pssKiB += one.pssKiB;
    group.rssKiB += one.rssKiB;
    groups.set(name, group);
  }
  const sorted = [...groups].map(([name, group]) => ({ name, ...group })).sort((a, b) => b.pssKiB - a.pssKiB);
  return { total: totalMemory(pids), groups: sorted };
}

export interface RampSample {
  readonly connections: number;
  readonly pssKiB: number;
  readonly processes: number;
}

export interface IdleMeasurement {
  readonly requested: number;
  readonly established: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly rampSeconds: number;
  readonly before: ServerMemory;
  readonly after: ServerMemory;
  readonly pssKiBPerConnection: number;
  readonly rssKiBPerConnection: number;
  readonly pssAnonKiBPerConnection: number;
  /** Whether the server's processes were all gone when measured (it died under the load). */
  readonly serverGone: boolean;
  /** Per connection from the last ramp sample the server was alive for, and that sample's count. */
  readonly rampPssKiBPerConnection: number;
  readonly rampConnections: number;
  readonly samples: readonly RampSample[];
}

/**
 * Measures the server (its processes named by `pids()`) before, opens the connections, waits
 * `settleMs` (hibernation, lazy frees), measures again and closes them.
 */
export async function measureIdle(options: IdleOptions & { pids: () => readonly number[]; settleMs: number }): Promise<IdleMeasurement> {
  const before = serverMemory(options.pids());
  const samples: RampSample[] = [];
  const sample = (connections: number) => {
    const total = totalMemory(options.pids());
    samples.push({ connections, pssKiB: total.pssKiB, processes: total.processes });
  };
  const hold = await holdIdle({ ...options, onProgress: sample });
  try {
    await new Promise((resolve) => setTimeout(resolve, options.settleMs));
    const after = serverMemory(options.pids());
    sample(hold.established);
    const per = (key: 'pssKiB' | 'rssKiB' | 'pssAnonKiB') => Number(((after.total[key] - before.total[key]) / Math.max(1, hold.established)).toFixed(1));
    const alive = samples.filter((s) => s.processes > 0).at(-1);
    return {
      requested: options.connections,
      established: hold.established,
      errors: hold.errors,
      firstError: hold.firstError,
      rampSeconds: hold.rampSeconds,
      before,
      after,
      pssKiBPerConnection: per('pssKiB'),
      rssKiBPerConnection: per('rssKiB'),
      pssAnonKiBPerConnection: per('pssAnonKiB'),
      serverGone: after.total.processes === 0,
      rampPssKiBPerConnection: alive ? Number(((alive.pssKiB - before.total.pssKiB) / Math.max(1, alive.connections)).toFixed(1)) : 0,
      rampConnections: alive?.connections ?? 0,
      samples,
    };
  } finally {
    hold.close();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      pid: { type: 'string' },
      connections: { type: 'string', default: '1000' },
      users: { type: 'string' },
      password: { type: 'string' },
      settle: { type: 'string', default: '5' },
    },
  });
  if (values.port === undefined || values.pid === undefined || values.users === undefined || values.password === undefined) {
    process.stderr.write('usage: node bench/imap-idle.ts --port P --pid SERVER_PID [--connections N] [--settle S] --users a@d,b@d --password PW\n');
    process.exit(2);
  }
  const { processTree } = await import('./proc.ts');
  const result = await measureIdle({
    endpoint: { host: values.host, port: Number(values.port), tls: false },
    users: values.users.split(','),
    password: values.password,
    connections: Number(values.connections),
    pids: () => processTree(Number(values.pid)),
    settleMs: Number(values.settle) * 1000,
  });
  console.log({ ...result, before: result.before.total, after: result.after.total, samples: result.samples.length });
  console.table(result.after.groups);
}
