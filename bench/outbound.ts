// bench/outbound: outbound delivery throughput, Postwarden against Postfix relaying the same
// messages to the same sink in the same run (issue 6). N messages (10,000), each from
// user1@sender.bench.test to its own recipient, spread evenly over D destination domains (50)
// whose MX hosts are smtp-sink processes on 127.0.1.1 .. 127.0.1.D (bench/outbound-sink.ts).
//
// What is measured is the delivery phase, queue to sink, for both: each server starts with
// all N messages already durable in its queue, and the clock runs from the moment it is up
// (Postwarden: serve's "Ready:" line; Postfix: `postfix start` has returned; or the first
// arrival, if earlier) to the moment the sink has counted the N-th message. How each queue is
// filled, not timed into the rate:
// - Postwarden: through the storage API (ingest's accept(), as the submission port does:
//   Received field, submitting account, DKIM-signed with both keys as it is queued, one
//   durable commit per message), into a copy of a data directory that has the sender domain
//   (its RSA and Ed25519 DKIM keys from `domain add`) and the user; then `serve`, whose
//   delivery scheduler sends each message as stored, with a VERP return path.
// - Postfix: over SMTP (bench/smtp-load.ts, 16 pipelining connections) from mynetworks, each
//   message signed by opendkim milters with the same two keys and put on hold; then
//   postsuper -H and a fresh start (bench/postfix-relay.ts). Signing is thus in both fills,
//   not in the delivery phase (fillSignCpuMsPerMessage: opendkim's CPU per message). Without opendkim
//   Postfix relays unsigned (the row's dkim field says which).
// Both servers keep their defaults otherwise: 100 connections at most, 20 per destination,
// opportunistic TLS (the sink offers none), durable queues (fsync), a log line per delivery.
//
// Figures per run: messages per second over that interval (and from first to last arrival),
// startup time, peak RSS (Postwarden: the process's VmHWM; Postfix: the peak of the summed
// VmRSS of master, every child and opendkim, sampled every 250 ms, which counts shared pages
// once per process) and peak PSS (sampled every second, shared pages divided), server CPU
// over the interval, the CPU of the sinks and of the bench process, what else kept the cores
// busy (otherCpuCores: a noise gauge, where a concurrent job on the machine shows), and a DKIM
// check: a few messages the first domain's sink kept, verified with dkimpy against the
// published keys. Each server runs
// POSTWARDEN_BENCH_OUTBOUND_REPEAT times (3), taking turns; the row kept is the median trial.
//
// POSTWARDEN_BENCH_OUTBOUND_MESSAGES=10000, _DOMAINS=50, _SIZE=4096, _REPEAT=3,
// _SERVERS="postfix,postwarden", _DKIM=opendkim|none (Postfix's signing), _CPU_PROF=DIR (a V8
// CPU profile of each Postwarden serve; summarize with bench/cpu-profile.ts).

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { verifyDkim } from '../test/helpers/outbound-world.ts';
import { dkimKeys, FILL_CONCURRENCY, fillQueue, type BenchDkimKey } from './outbound-queue.ts';
import { startSinkWorld, type Arrivals, type SinkWorld } from './outbound-sink.ts';
import { ensurePostfix } from './postfix.ts';
import { ensureOpendkim, startPostfixRelay } from './postfix-relay.ts';
import { preparePostwarden, type PostwardenTemplate } from './postwarden-server.ts';
import { cpuSeconds, machineBusySeconds, MemorySampler, peakRssKiB, RssSampler } from './proc.ts';
import { runLoad } from './smtp-load.ts';

const SENDER_DOMAIN = 'sender.bench.test';
const SENDER = `user1@${SENDER_DOMAIN}`;
/** Postfix's smtpd connections while its queue is filled. */
const POSTFIX_FILL_CONNECTIONS = 16;
/** Postfix processes at most (smtp clients included): Postwarden's default [delivery] concurrency. */
const POSTFIX_PROCESS_LIMIT = 100;
/** Memory sampling: each RSS sample walks /proc for Postfix's process tree, each PSS sample reads smaps_rollup. */
const RSS_SAMPLE_MS = 250;
const PSS_SAMPLE_MS = 1000;
/** Messages of each run checked with dkimpy. */
const DKIM_SAMPLE = 3;
/** Not timing assertions: how long a delivery phase may take, and Postfix's hold queue to fill. */
const DELIVERY_LIMIT_MS = 600_000;
const HOLD_LIMIT_MS = 60_000;

export interface OutboundRun {
  readonly server: 'postfix' | 'postwarden';
  /** Postwarden's store, or Postfix's queue. */
  readonly store: string;
  readonly messages: number;
  readonly domains: number;
  readonly size: number;
  /** How the messages were signed. */
  readonly dkim: string;
  /** dkimpy's verdict on a few delivered messages. */
  readonly dkimCheck: string;
  /** Messages the sink counted in the delivery phase. */
  readonly delivered: number;
  /** SMTP sessions the sinks saw in the run (messages per connection is delivered / sessions). */
  readonly sessions: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  /** From the first arrival to the last. */
  readonly arrivalMessagesPerSecond: number;
  /** From the start command to ready. */
  readonly startupSeconds: number;
  /** From ready to the first arrival (negative: the first message arrived before ready was seen). */
  readonly firstArrivalSeconds: number;
  readonly peakRssMiB: number;
  readonly peakPssMiB: number;
  readonly processes: number;
  /** Server CPU (user + system) per message over the delivery interval. */
  readonly cpuMsPerMessage: number;
  /** The sinks' CPU per message (they share the two cores). */
  readonly sinkCpuMsPerMessage: number;
  /** The bench process's CPU per message (DNS server, counting arrivals, sampling memory). */
  readonly benchCpuMsPerMessage: number;
  /** Cores busy with anything but server, sinks and bench during the interval (the kernel's own threads, other users). */
  readonly otherCpuCores: number;
  /** Postfix: opendkim's CPU per message while the queue was filled (the signing Postwarden does in its delivery phase). */
  readonly fillSignCpuMsPerMessage?: number;
  /** How the queue was filled (not in the rate) and how fast. */
  readonly fill: string;
  readonly fillPerSecond: number;
  /** Postwarden's rate over Postfix's. */
  readonly vsPostfix?: number;
  /** Every trial's rate; the row is the median trial. */
  readonly trials?: string;
}

export interface SkippedRun {
  readonly server: 'postfix' | 'postwarden';
  readonly skipped: string;
}

interface Setup {
  readonly messages: number;
  readonly size: number;
  readonly recipients: readonly string[];
  readonly world: SinkWorld;
  readonly keys: readonly BenchDkimKey[];
}

const mib = (kib: number) => Number((kib / 1024).toFixed(1));
const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const env = (name: string, fallback: string) => process.env[`POSTWARDEN_BENCH_OUTBOUND_${name}`] ?? fallback;

/** Message n goes to rN@d(n mod D + 1): every domain gets every D-th message. */
function recipientsFor(messages: number, world: SinkWorld): string[] {
  const domains = world.destinations;
  return Array.from({ length: messages }, (_, n) => `r${n + 1}@${domains[n % domains.length]?.domain ?? ''}`);
}

async function dkimCheck(world: SinkWorld, keys: readonly BenchDkimKey[]): Promise<string> {
  const sample = world.sampled(DKIM_SAMPLE);
  if (sample.length === 0) return 'no message kept';
  const records = Object.fromEntries(
    keys.map((key) => [`${key.selector}._domainkey.${SENDER_DOMAIN}`, `v=DKIM1; k=${key.algorithm === 'ed25519-sha256' ? 'ed25519' : 'rsa'}; p=${key.publicKey}`]),
  );
  try {
    const checks = await verifyDkim(sample, records);
    const signatures = checks.flat();
    const valid = signatures.filter((c) => c.valid && c.domain === SENDER_DOMAIN).length;
    const firstError = signatures.find((c) => !c.valid)?.error;
    return `${sample.length} messages, ${valid}/${signatures.length} signatures valid${firstError ? ` (${firstError})` : ''}`;
  } catch (error) {
    return `not checked: ${(error as Error).message.split('\n')[0] ?? ''}`;
  }
}

interface Measured {
  readonly arrivals: Arrivals;
  readonly windowStart: number;
  readonly readyAt: number;
  readonly startupSeconds: number;
  readonly cpu: number;
  readonly sinkCpu: number;
  readonly benchCpu: number;
  readonly machine: number;
  readonly peakKiB: number;
  readonly peakPssKiB: number;
  readonly processes: number;
}

/** Waits for the sink to count every message while sampling the server's memory. */
async function measure(setup: Setup, pids: () => number[], serverCpu: () => number, startAt: number, readyAt: number): Promise<Measured> {
  const rss = new RssSampler(pids, RSS_SAMPLE_MS);
  const pss = new MemorySampler(pids, PSS_SAMPLE_MS);
  const cpuBefore = serverCpu();
  const sinkBefore = setup.world.cpuSeconds();
  const machineBefore = machineBusySeconds();
  const benchBefore = process.cpuUsage();
  const arrivals = await setup.world.waitFor(setup.messages, DELIVERY_LIMIT_MS);
  const bench = process.cpuUsage(benchBefore);
  const cpu = serverCpu() - cpuBefore;
  const sinkCpu = setup.world.cpuSeconds() - sinkBefore;
  const machine = machineBusySeconds() - machineBefore;
  const sampled = rss.stop();
  const memory = pss.stop();
  const windowStart = Number.isNaN(arrivals.firstAt) ? readyAt : Math.min(readyAt, arrivals.firstAt);
  const benchCpu = (bench.user + bench.system) / 1e6;
  return { arrivals, windowStart, readyAt, startupSeconds: (readyAt - startAt) / 1000, cpu, sinkCpu, benchCpu, machine, peakKiB: sampled.peakKiB, peakPssKiB: memory.peakPssKiB, processes: sampled.processes };
}

function row(server: OutboundRun['server'], store: string, setup: Setup, m: Measured, extra: { dkim: string; dkimCheck: string; fill: string; fillPerSecond: number; peakKiB?: number }): OutboundRun {
  const { arrivals } = m;
  const end = Number.isNaN(arrivals.lastAt) ? m.windowStart : arrivals.lastAt;
  const seconds = Math.max((end - m.windowStart) / 1000, 1e-3);
  const arrivalSeconds = Math.max((end - arrivals.firstAt) / 1000, 1e-3);
  const delivered = Math.max(arrivals.received, 1);
  return {
    server,
    store,
    messages: setup.messages,
    domains: setup.world.destinations.length,
    size: setup.size,
    dkim: extra.dkim,
    dkimCheck: extra.dkimCheck,
    delivered: arrivals.received,
    sessions: 0,
    seconds: round(seconds),
    messagesPerSecond: Math.round(arrivals.received / seconds),
    arrivalMessagesPerSecond: Number.isNaN(arrivalSeconds) ? 0 : Math.round(arrivals.received / arrivalSeconds),
    startupSeconds: round(m.startupSeconds),
    firstArrivalSeconds: round((arrivals.firstAt - m.readyAt) / 1000),
    peakRssMiB: mib(extra.peakKiB ?? m.peakKiB),
    peakPssMiB: mib(m.peakPssKiB),
    processes: m.processes,
    cpuMsPerMessage: round((1000 * m.cpu) / delivered, 3),
    sinkCpuMsPerMessage: round((1000 * m.sinkCpu) / delivered, 3),
    benchCpuMsPerMessage: round((1000 * m.benchCpu) / delivered, 3),
    otherCpuCores: round(Math.max(0, m.machine - m.cpu - m.sinkCpu - m.benchCpu) / seconds),
    fill: extra.fill,
    fillPerSecond: Math.round(extra.fillPerSecond),
  };
}

async function postfixRun(setup: Setup, signWith: readonly BenchDkimKey[] | undefined, noDkimReason: string | undefined): Promise<OutboundRun> {
  const relay = await startPostfixRelay({
    destinations: setup.world.destinations,
    sinkPort: setup.world.port,
    processLimit: POSTFIX_PROCESS_LIMIT,
    dkim: signWith ? { domain: SENDER_DOMAIN, keys: signWith } : undefined,
    ...(noDkimReason ? { noDkimReason } : {}),
  });
  let signed: OutboundRun;
  try {
    const milterBefore = relay.milterCpuSeconds();
    const load = await runLoad({ host: '127.0.0.1', port: relay.port, connections: POSTFIX_FILL_CONNECTIONS, size: setup.size, messages: setup.messages, recipients: setup.recipients, sender: SENDER });
    if (load.errors > 0) throw new Error(`postfix refused ${load.errors} of the messages: ${load.firstError ?? ''}`);
    const limit = performance.now() + HOLD_LIMIT_MS;
    while (relay.held() < setup.messages && performance.now() < limit) await new Promise((r) => setTimeout(r, 50));
    if (relay.held() < setup.messages) throw new Error(`only ${relay.held()} of ${setup.messages} messages are on hold`);
    const fillSignCpu = relay.milterCpuSeconds() - milterBefore;
    setup.world.mark();
    const { startAt, readyAt } = await relay.release();
    const measured = await measure(setup, () => relay.pids(), () => relay.cpuSeconds(), startAt, readyAt);
    const result: OutboundRun = row('postfix', `queue files, Postfix ${relay.version}`, setup, measured, {
      dkim: relay.dkim,
      dkimCheck: await dkimCheck(setup.world, setup.keys),
      fill: `SMTP, ${POSTFIX_FILL_CONNECTIONS} connections${signWith ? ', signed by the milters' : ''}, then held`,
      fillPerSecond: load.messagesPerSecond,
    });
    signed = signWith ? { ...result, fillSignCpuMsPerMessage: round((1000 * fillSignCpu) / setup.messages, 3) } : result;
  } finally {
    await relay.stop();
  }
  return { ...signed, sessions: await setup.world.sessions() };
}

async function postwardenRun(setup: Setup, template: PostwardenTemplate, profileDir: string | undefined, trial: number): Promise<OutboundRun> {
  const instance = await template.instance();
  try {
    const fillSeconds = await fillQueue(instance.dir, { sender: SENDER, recipients: setup.recipients, size: setup.size, tag: randomBytes(6).toString('hex') });
    setup.world.mark();
    const profile: NodeJS.ProcessEnv = profileDir
      ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir} --cpu-prof-name=postwarden-outbound-${setup.messages}-${trial + 1}.cpuprofile` }
      : {};
    const startAt = performance.now();
    const server = await instance.start({
      ...profile,
      POSTWARDEN_DNS_SERVERS: setup.world.dnsAddress,
      POSTWARDEN_DELIVERY_PORT: String(setup.world.port),
      POSTWARDEN_DELIVERY_DANE: 'false',
    });
    const readyAt = performance.now();
    let result: OutboundRun;
    try {
      const measured = await measure(setup, () => [server.pid], () => cpuSeconds(server.pid), startAt, readyAt);
      const peakKiB = Math.max(measured.peakKiB, peakRssKiB(server.pid));
      result = row('postwarden', template.store, setup, measured, {
        dkim: 'Postwarden at enqueue (rsa-sha256 + ed25519-sha256)',
        dkimCheck: await dkimCheck(setup.world, setup.keys),
        fill: `storage API (accept), ${FILL_CONCURRENCY} at once`,
        fillPerSecond: setup.messages / fillSeconds,
        peakKiB,
      });
    } finally {
      await server.stop();
    }
    return { ...result, sessions: await setup.world.sessions() };
  } finally {
    await instance.dispose();
  }
}

function median(trials: readonly OutboundRun[]): OutboundRun | undefined {
  const sorted = [...trials].sort((a, b) => a.messagesPerSecond - b.messagesPerSecond);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  return middle && { ...middle, trials: trials.map((t) => t.messagesPerSecond).join(' ') };
}

function printSummary(runs: readonly (OutboundRun | SkippedRun)[]): void {
  const done = runs.filter((r): r is OutboundRun => !('skipped' in r));
  console.log('\noutbound: delivery phase, queue to sink; ratio = Postwarden msg/s / Postfix msg/s');
  console.table(
    done.map((r) => ({
      server: r.server,
      'msg/s': r.messagesPerSecond,
      seconds: r.seconds,
      delivered: r.delivered,
      'msg/conn': r.sessions > 0 ? round(r.delivered / r.sessions, 1) : '',
      'peak RSS MiB': r.peakRssMiB,
      'peak PSS MiB': r.peakPssMiB,
      'CPU ms/msg': r.cpuMsPerMessage,
      dkim: r.dkimCheck,
      ratio: r.vsPostfix ?? '',
    })),
  );
  for (const r of runs) if ('skipped' in r) console.log(`skipped ${r.server}: ${r.skipped}`);
}

export async function benchOutbound(): Promise<(OutboundRun | SkippedRun)[]> {
  const messages = Number(env('MESSAGES', '10000'));
  const domainCount = Number(env('DOMAINS', '50'));
  const size = Number(env('SIZE', '4096'));
  const repeat = Math.max(1, Number(env('REPEAT', '3')));
  const servers = env('SERVERS', 'postfix,postwarden').split(',').map((s) => s.trim());
  const profileDir = process.env.POSTWARDEN_BENCH_OUTBOUND_CPU_PROF ? resolve(process.env.POSTWARDEN_BENCH_OUTBOUND_CPU_PROF) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const runs: (OutboundRun | SkippedRun)[] = [];
  let postfixMissing = servers.includes('postfix') ? await ensurePostfix() : 'not selected';
  if (postfixMissing === undefined && !existsSync('/usr/sbin/smtp-sink')) postfixMissing = 'no /usr/sbin/smtp-sink';
  if (postfixMissing !== undefined) {
    // The sink is Postfix's smtp-sink: without Postfix there is nothing to measure.
    runs.push({ server: 'postfix', skipped: postfixMissing });
    if (postfixMissing !== 'not selected') return runs;
  }
  const noDkim = env('DKIM', 'opendkim') === 'none' ? 'POSTWARDEN_BENCH_OUTBOUND_DKIM=none' : await ensureOpendkim();
  const world = await startSinkWorld(domainCount);
  const template = await preparePostwarden({ store: 'sqlite', domain: SENDER_DOMAIN, users: 1, label: 'outbound' });
  try {
    const keysInstance = await template.instance();
    const keys = await dkimKeys(keysInstance.dir, SENDER_DOMAIN).finally(() => keysInstance.dispose());
    const setup: Setup = { messages, size, recipients: recipientsFor(messages, world), world, keys };
    const trials = new Map<string, OutboundRun[]>();
    const keep = (key: string, result: OutboundRun) => {
      trials.set(key, [...(trials.get(key) ?? []), result]);
      process.stderr.write(
        `outbound: ${key} ${result.delivered}/${messages} in ${result.seconds} s: ${result.messagesPerSecond} msg/s, ` +
          `CPU ${result.cpuMsPerMessage} ms/msg, ${result.sessions} sessions, other ${result.otherCpuCores} cores, peak RSS ${result.peakRssMiB} MiB\n`,
      );
    };
    for (let trial = 0; trial < repeat; trial++) {
      if (servers.includes('postfix') && postfixMissing === undefined) keep('postfix', await postfixRun(setup, noDkim === undefined ? keys : undefined, noDkim));
      if (servers.includes('postwarden')) keep('postwarden', await postwardenRun(setup, template, profileDir, trial));
    }
    const postfix = median(trials.get('postfix') ?? []);
    if (postfix) runs.push(postfix);
    const postwarden = median(trials.get('postwarden') ?? []);
    if (postwarden) runs.push(postfix ? { ...postwarden, vsPostfix: round(postwarden.messagesPerSecond / Math.max(1, postfix.messagesPerSecond)) } : postwarden);
  } finally {
    await template.dispose();
    await world.close();
  }
  printSummary(runs);
  return runs;
}
