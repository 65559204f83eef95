// bench/outbound-sink: the far side of bench/outbound, all on loopback. A DNS server (the
// tests' dns2 TestDnsServer) publishes, for each destination domain dN.bench.test, one MX host
// mx.dN.bench.test whose A record is 127.0.1.N; on each of those addresses, one port for all,
// Postfix's smtp-sink(1) takes every message and throws it away, announcing PIPELINING, 8BITMIME,
// ENHANCEDSTATUSCODES and DSN but no AUTH, XCLIENT, XFORWARD or STARTTLS (so both servers send
// in plaintext). One sink process per address: a destination domain is a destination IP, as
// the servers' per-domain and per-MX concurrency limits expect. Each sink's running counter
// (-c: "sess=S quit=Q mesg=M" after every final dot) is read from its stdout as it comes, so
// the time the last message of a run arrived is known to the event loop's precision. The sink
// of the first domain also writes each message to a file (-d), so a run can show that what
// arrived carries DKIM signatures that verify.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ZoneInput } from '../src/dns/zone.test-support.ts';
import { TestDnsServer } from '../test/helpers/dns-server.ts';
import { freePort } from '../test/helpers/free-port.ts';
import { remoteDomain } from '../test/helpers/outbound-world.ts';
import { cpuSeconds } from './proc.ts';

const SMTP_SINK = '/usr/sbin/smtp-sink';
/** Not a timing assertion: how long the sinks may take to listen. */
const START_LIMIT_MS = 10_000;
/** How long the sinks get to print their last counters after the client closed. */
const SETTLE_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Destination {
  readonly domain: string;
  /** The MX host's address: 127.0.1.N. */
  readonly address: string;
}

export interface Arrivals {
  /** Messages received since the mark. */
  readonly received: number;
  /** performance.now() of the first and the last of them (NaN when none came). */
  readonly firstAt: number;
  readonly lastAt: number;
}

export interface SinkWorld {
  readonly port: number;
  /** "127.0.0.1:PORT" for [dns] servers. */
  readonly dnsAddress: string;
  readonly destinations: readonly Destination[];
  readonly version: string;
  /** Starts a new count: arrivals are counted from here. */
  mark(): void;
  /** Resolves once `count` messages have arrived since the mark, or at the time limit. */
  waitFor(count: number, limitMs: number): Promise<Arrivals>;
  /** SMTP sessions ended since the mark (call once the server has closed its connections). */
  sessions(): Promise<number>;
  /** CPU seconds the sink processes have used so far. */
  cpuSeconds(): number;
  /** Messages the first domain's sink wrote to files since the mark (CRLF, sink's own fields removed). */
  sampled(limit: number): Buffer[];
  close(): Promise<void>;
}

export function destinations(count: number): Destination[] {
  if (count < 1 || count > 250) throw new RangeError('bench/outbound: 1 to 250 destination domains');
  return Array.from({ length: count }, (_, i) => ({ domain: `d${i + 1}.bench.test`, address: `127.0.1.${i + 1}` }));
}

interface Sink {
  readonly child: ChildProcess;
  /** The latest "mesg=" and "sess=" values the process printed. */
  count: number;
  sessions: number;
  rest: string;
}

/** Removes what smtp-sink puts before the message (X-Client-*, X-*-Args, a 3-line Received). */
function unwrapDump(text: string): Buffer {
  const lines = text.split('\n');
  let at = 0;
  while (at < lines.length && /^X-(Client|Helo|Mail|Rcpt)-/.test(lines[at] ?? '')) at++;
  if ((lines[at] ?? '').startsWith('Received: from ')) at += 3;
  // The dump ends with an empty line of its own after the message.
  const message = lines.slice(at, lines.at(-1) === '' ? -2 : undefined);
  return Buffer.from(`${message.join('\r\n')}\r\n`);
}

export async function startSinkWorld(count: number): Promise<SinkWorld> {
  const list = destinations(count);
  const port = await freePort();
  const zone: ZoneInput = Object.assign({}, ...list.map((d) => remoteDomain(d.domain, d.address)));
  const dns = await TestDnsServer.start({ zone });
  const dumpDir = await mkdtemp(join(process.env.POSTWARDEN_BENCH_DIR ?? tmpdir(), 'postwarden-bench-sink-'));
  // The sink drops privileges to nobody when started as root, and writes its files there.
  chmodSync(dumpDir, 0o777);
  const asRoot = process.getuid?.() === 0;
  const sinks: Sink[] = [];
  let total = 0;
  let base = 0;
  let sessions = 0;
  let sessionBase = 0;
  let firstAt = Number.NaN;
  let lastAt = Number.NaN;
  let waiter: { count: number; resolve: () => void } | undefined;
  const counted = () => {
    const now = performance.now();
    if (total > base) {
      if (Number.isNaN(firstAt)) firstAt = now;
      lastAt = now;
    }
    if (waiter && total - base >= waiter.count) waiter.resolve();
  };
  const close = async () => {
    for (const sink of sinks) sink.child.kill('SIGTERM');
    await dns.close();
    await rm(dumpDir, { recursive: true, force: true });
  };
  try {
    for (const [i, destination] of list.entries()) {
      const args = ['-c', '-a', '-C', '-F', '-4', '-m', '1000', '-h', `mx.${destination.domain}`];
      if (asRoot) args.push('-u', 'nobody');
      if (i === 0) args.push('-d', `${dumpDir}/`);
      args.push(`${destination.address}:${port}`, '1024');
      const child = spawn(SMTP_SINK, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const sink: Sink = { child, count: 0, sessions: 0, rest: '' };
      sinks.push(sink);
      child.stdout?.setEncoding('latin1').on('data', (chunk: string) => {
        const records = (sink.rest + chunk).split('\r');
        sink.rest = records.pop() ?? '';
        const last = /sess=(\d+) .*mesg=(\d+)/.exec(records.at(-1) ?? '');
        if (!last) return;
        sessions += Number(last[1]) - sink.sessions;
        sink.sessions = Number(last[1]);
        total += Number(last[2]) - sink.count;
        sink.count = Number(last[2]);
        counted();
      });
      let errors = '';
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
      child.once('exit', (code) => {
        if (code !== null && code !== 0) process.stderr.write(`bench: smtp-sink on ${destination.address} exited ${code}: ${errors.trim()}\n`);
      });
    }
    await waitListening(list.map((d) => d.address), port, sinks);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    port,
    dnsAddress: dns.address,
    destinations: list,
    version: 'smtp-sink (Postfix)',
    mark() {
      base = total;
      sessionBase = sessions;
      firstAt = Number.NaN;
      lastAt = Number.NaN;
      for (const name of readdirSync(dumpDir)) rmSync(join(dumpDir, name), { force: true, recursive: true });
    },
    async waitFor(wanted, limitMs) {
      if (total - base < wanted) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (waiter = { count: wanted, resolve })),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs))),
        ]);
        clearTimeout(timer);
        waiter = undefined;
      }
      return { received: total - base, firstAt, lastAt };
    },
    async sessions() {
      // A session's counters are printed when it ends; give the last ones a moment to come in.
      await sleep(SETTLE_MS);
      return sessions - sessionBase;
    },
    cpuSeconds: () => sinks.reduce((sum, sink) => sum + (sink.child.pid ? cpuSeconds(sink.child.pid) : 0), 0),
    sampled(limit) {
      return readdirSync(dumpDir)
        .slice(0, limit)
        .map((name) => unwrapDump(readFileSync(join(dumpDir, name), 'latin1')));
    },
    close,
  };
}

/** Waits until every sink accepts connections (a sink that exits fails the start). */
async function waitListening(addresses: readonly string[], port: number, sinks: readonly Sink[]): Promise<void> {
  const limit = performance.now() + START_LIMIT_MS;
  for (const address of addresses) {
    for (;;) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: address, port }, () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (up) break;
      if (sinks.some((sink) => sink.child.exitCode !== null)) throw new Error(`an smtp-sink exited before it listened on ${address}:${port}`);
      if (performance.now() > limit) throw new Error(`smtp-sink did not listen on ${address}:${port}`);
      await sleep(20);
    }
  }
}
