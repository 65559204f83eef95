// bench/imap: Postwarden's IMAP server against Dovecot 2.3 on the same machine in one run, with
// one load generator (bench/imap-load.ts) and one mailbox set (bench/imap-messages.ts) for both.
// Sized to finish in about ten minutes on a 2-core machine; other load on it shows in the
// noise gauge (otherCpuCores) and figures vary from run to run by 10-20 %.
//
// 1. Setup: U users (10), each INBOX filled over IMAP with the same 1,000 messages (2-50 KB,
//    some multipart) on each server; the APPEND rate is reported (it is fsync'd on both:
//    Postwarden per message; Dovecot's maildir with mail_fsync = optimized).
// 2. Mix: 10 and 100 concurrent clients, each running whole sessions (connect, LOGIN, SELECT,
//    FETCH 1:* (FLAGS ENVELOPE), 3 x FETCH BODY.PEEK[], 4 x STORE, 3 SEARCHes, a short IDLE,
//    LOGOUT: 16 operations) for a fixed window, over plain TCP (LOGIN allowed on loopback by
//    both; _TLS=1 adds implicit TLS, RSA-2048 throwaway certificates on both). Operations per
//    second, p50 / p99 per operation type, the peak summed PSS and RSS of every server process
//    (sampled every 0.5 s), server CPU per session. Both servers stay up through the mix (the
//    mailboxes do not change: BODY.PEEK, and a \Flagged set then cleared) and are warmed up
//    first. With _REPEAT > 1 the servers take turns and the row kept is the median trial.
// 3. IDLE: each server restarted and warmed up, then N (10,000) connections logged in, INBOX
//    selected, in IDLE; memory per connection is the PSS delta of all the server's processes
//    over the connections held (bench/imap-idle.ts). Dovecot as configured for the mix (one
//    imap process per session), then over fewer connections with imap_hibernate_timeout (idle
//    sessions moved into the imap-hibernate process: the per-connection figure is flat in N).
//    Postwarden as configured: if it cannot hold N (it dies when its V8 heap reaches Node's
//    default limit), the row says how many it held and why, with the slope up to then; set
//    _IDLE_HEAP_MIB to measure again with a larger heap limit.
// 4. Ratios (Postwarden over Dovecot) and the issue's targets: throughput at least Dovecot's,
//    memory per idle connection at most a third of Dovecot's (bench/imap-report.ts).
// 5. Diagnostics, off by default: what one idle connection holds inside Postwarden by
//    allocation site (_HEAP_CONNECTIONS=N, inspector attached: bench/imap-memory.ts), and a CPU
//    profile of the mix at the largest client count (_CPU_PROF=DIR, bench/cpu-profile.ts).
//
// Settings: POSTWARDEN_BENCH_IMAP_CLIENTS="10,100", _SECONDS=15, _REPEAT=1, _TLS=0, _USERS=10,
// _IDLE_CONNECTIONS=10000 (0: skip), _HIBERNATE_CONNECTIONS=2000 (0: skip), _SETTLE_SECONDS=5,
// _IDLE_NODE_OPTIONS="", _IDLE_HEAP_MIB=0, _HEAP_CONNECTIONS=0, _CPU_PROF="",
// _SERVERS="dovecot,postwarden". Results: bench/results/imap.json.

import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { summarize } from './cpu-profile.ts';
import { dovecotUnavailable, raiseInotifyInstances } from './dovecot-server.ts';
import { measureIdle } from './imap-idle.ts';
import { runMix } from './imap-load.ts';
import { postwardenIdleBreakdown } from './imap-memory.ts';
import { MESSAGES_PER_USER, populate } from './imap-messages.ts';
import { appendRow, compareIdle, compareMix, idleRow, median, mib, printSummary, round2, type IdleRow, type ImapRow, type MixRow, type NoteRow } from './imap-report.ts';
import { dovecotTarget, postwardenTarget, type RestartOptions, type ServerName, type Target, type Transport } from './imap-targets.ts';
import { PASSWORD } from './postwarden-server.ts';
import { machineBusySeconds, MemorySampler } from './proc.ts';

const DOMAIN = 'bench.example';
/** Client source addresses: loopback has all of 127.0.0.0/8; spreading keeps ephemeral ports plentiful. */
const LOCAL_ADDRESSES = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 1}`);
/** Seconds Dovecot waits before hibernating an IDLE session in the hibernation run. */
const HIBERNATE_SECONDS = 5;
/** Pause between runs, for what the last one left behind (dropped sessions, lazy frees). */
const PAUSE_MS = 2000;

const setting = (name: string, fallback: string) => process.env[`POSTWARDEN_BENCH_IMAP_${name}`] ?? fallback;
const list = (name: string, fallback: string) =>
  setting(name, fallback)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function mixRun(target: Target, users: readonly string[], transport: Transport, clients: number, seconds: number): Promise<MixRow> {
  const sampler = new MemorySampler(() => target.pids());
  const cpuBefore = target.cpu();
  const loadBefore = process.cpuUsage();
  const machineBefore = machineBusySeconds();
  const result = await runMix({ endpoint: target.endpoint(transport), users, password: PASSWORD, clients, durationMs: seconds * 1000, messages: MESSAGES_PER_USER, localAddresses: LOCAL_ADDRESSES });
  const cpu = target.cpu() - cpuBefore;
  const loadUsed = process.cpuUsage(loadBefore);
  const load = (loadUsed.user + loadUsed.system) / 1e6;
  const machine = machineBusySeconds() - machineBefore;
  const peaks = sampler.stop();
  const sessions = Math.max(1, result.sessions);
  await pause(PAUSE_MS);
  return {
    kind: 'mix',
    server: target.label(),
    name: target.name,
    transport,
    clients,
    sessions: result.sessions,
    operations: result.operations,
    errors: result.errors,
    seconds: result.seconds,
    sessionsPerSecond: result.sessionsPerSecond,
    operationsPerSecond: result.operationsPerSecond,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    peakPssMiB: mib(peaks.peakPssKiB),
    peakRssMiB: mib(peaks.peakRssKiB),
    peakProcesses: peaks.processes,
    cpuMsPerSession: round2((cpu * 1000) / sessions),
    loadCpuMsPerSession: round2((load * 1000) / sessions),
    otherCpuCores: round2(Math.max(0, machine - cpu - load) / result.seconds),
    ...(result.firstError === undefined ? {} : { firstError: result.firstError }),
    byOperation: Object.fromEntries(result.byOperation.map((op) => [op.operation, { perSecond: op.perSecond, p50Ms: op.p50Ms, p99Ms: op.p99Ms, meanOctets: op.meanOctets }])),
    searchHits: result.searchHits,
  };
}

/** Warm-up: the code paths a session takes are loaded (and JIT-compiled) before anything is measured. */
async function warmUp(target: Target, users: readonly string[]): Promise<void> {
  const result = await runMix({ endpoint: target.endpoint('plain'), users, password: PASSWORD, clients: 10, sessionsPerClient: 2, messages: MESSAGES_PER_USER, localAddresses: LOCAL_ADDRESSES });
  if (result.sessions === 0) throw new Error(`${target.label()}: no warm-up session completed: ${result.firstError ?? 'no error'}`);
}

async function idleRun(target: Target, users: readonly string[], connections: number, settleSeconds: number, options: RestartOptions): Promise<IdleRow> {
  await target.restart(options);
  await warmUp(target, users);
  await pause(PAUSE_MS);
  process.stderr.write(`imap: idle ${target.label()}: opening ${connections} connections\n`);
  const measured = await measureIdle({
    endpoint: target.endpoint('plain'),
    users,
    password: PASSWORD,
    connections,
    localAddresses: LOCAL_ADDRESSES,
    pids: () => target.pids(),
    settleMs: (settleSeconds + (options.hibernateSeconds ?? 0)) * 1000,
  });
  const died = measured.serverGone ? (target.fatal() ?? 'the server exited') : undefined;
  const row = idleRow(target.label(), target.name, options.hibernateSeconds !== undefined, measured, died);
  await target.stop();
  process.stderr.write(`imap: idle ${row.server}: ${row.established}/${connections} held${died ? ` (server died: ${died})` : ''}, ${row.pssKiBPerConnection} KiB PSS each\n`);
  return row;
}

async function profileRun(target: Target, users: readonly string[], dir: string, clients: number, seconds: number): Promise<NoteRow> {
  mkdirSync(dir, { recursive: true });
  const name = `postwarden-imap-${clients}c-${Date.now()}.cpuprofile`;
  await target.restart({ nodeOptions: `--cpu-prof --cpu-prof-dir=${dir} --cpu-prof-name=${name}` });
  await warmUp(target, users);
  const row = await mixRun(target, users, 'plain', clients, seconds);
  await target.stop();
  const file = join(dir, name);
  if (!existsSync(file)) return { kind: 'note', server: 'postwarden', text: `no CPU profile in ${dir}: ${readdirSync(dir).join(', ')}` };
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')) as Parameters<typeof summarize>[0], 20);
  console.log(`\nCPU profile ${file}: self time by file`);
  console.table(summary.files.slice(0, 12));
  return { kind: 'profile', server: 'postwarden', text: `${file}: ${clients} clients, plain, ${row.operationsPerSecond} ops/s under --cpu-prof`, detail: summary };
}

/** The mix at every transport and client count; ratios and the throughput target per configuration. */
async function mixes(targets: readonly Target[], users: readonly string[], transports: readonly Transport[], clientCounts: readonly number[], seconds: number, repeat: number): Promise<ImapRow[]> {
  const rows: ImapRow[] = [];
  for (const transport of transports) {
    for (const clients of clientCounts) {
      const trials = new Map<ServerName, MixRow[]>();
      for (let trial = 0; trial < repeat; trial++) {
        // Servers take turns, first one then the other, so a busy spell of the machine hits both.
        const order = trial % 2 === 0 ? targets : [...targets].reverse();
        for (const target of order) {
          const row = await mixRun(target, users, transport, clients, seconds);
          trials.set(target.name, [...(trials.get(target.name) ?? []), row]);
          process.stderr.write(`imap: ${row.server} ${transport} x${clients}: ${row.operationsPerSecond} ops/s, p99 ${row.p99Ms} ms, peak PSS ${row.peakPssMiB} MiB, ${row.errors} errors\n`);
        }
      }
      const kept = new Map<ServerName, MixRow>();
      for (const [name, list] of trials) {
        const row = median(list, (r) => r.operationsPerSecond);
        if (row) kept.set(name, row);
        if (row) rows.push(row);
      }
      const pw = kept.get('postwarden');
      const dc = kept.get('dovecot');
      if (pw && dc) rows.push(...compareMix(pw, dc));
    }
  }
  return rows;
}

export async function benchImap(): Promise<ImapRow[]> {
  const clientCounts = list('CLIENTS', '10,100').map(Number);
  const seconds = Number(setting('SECONDS', '15'));
  const repeat = Math.max(1, Number(setting('REPEAT', '1')));
  const transports: Transport[] = setting('TLS', '0') === '1' ? ['plain', 'tls'] : ['plain'];
  const userCount = Number(setting('USERS', '10'));
  const idleConnections = Number(setting('IDLE_CONNECTIONS', '10000'));
  const hibernateConnections = Number(setting('HIBERNATE_CONNECTIONS', '2000'));
  const settleSeconds = Number(setting('SETTLE_SECONDS', '5'));
  const idleNodeOptions = setting('IDLE_NODE_OPTIONS', '');
  const heapMiB = Number(setting('IDLE_HEAP_MIB', '0'));
  const heapConnections = Number(setting('HEAP_CONNECTIONS', '0'));
  const servers = list('SERVERS', 'dovecot,postwarden');
  const profileDir = setting('CPU_PROF', '') === '' ? undefined : resolve(setting('CPU_PROF', ''));
  const rows: ImapRow[] = [];
  const targets: Target[] = [];
  let restoreInotify = () => {};
  try {
    const postwarden = servers.includes('postwarden') ? await postwardenTarget(DOMAIN, userCount) : undefined;
    const users = postwarden?.users ?? Array.from({ length: userCount }, (_, i) => `user${i + 1}@${DOMAIN}`);
    if (postwarden) targets.push(postwarden);
    if (servers.includes('dovecot')) {
      const missing = dovecotUnavailable();
      if (missing) rows.push({ kind: 'skipped', server: 'dovecot', text: missing });
      else {
        const inotify = raiseInotifyInstances(Math.max(idleConnections, ...clientCounts) + 1000);
        restoreInotify = inotify.restore;
        rows.push({ kind: 'note', server: 'dovecot', text: inotify.note });
        targets.push(await dovecotTarget(users));
      }
    }
    for (const target of targets) {
      process.stderr.write(`imap: appending ${users.length} x ${MESSAGES_PER_USER} messages to ${target.label()}\n`);
      rows.push(appendRow(target.label(), await populate(target.endpoint('plain'), users, PASSWORD)));
      await warmUp(target, users);
    }
    rows.push(...(await mixes(targets, users, transports, clientCounts, seconds, repeat)));
    if (profileDir && postwarden) rows.push(await profileRun(postwarden, users, profileDir, Math.max(...clientCounts), seconds));
    const idle: IdleRow[] = [];
    for (const target of idleConnections > 0 ? targets : []) {
      if (target.name === 'postwarden') {
        const row = await idleRun(target, users, idleConnections, settleSeconds, idleNodeOptions === '' ? {} : { nodeOptions: idleNodeOptions });
        idle.push(row);
        if (row.established < idleConnections && heapMiB > 0) idle.push(await idleRun(target, users, idleConnections, settleSeconds, { nodeOptions: `--max-old-space-size=${heapMiB}` }));
      } else {
        idle.push(await idleRun(target, users, idleConnections, settleSeconds, {}));
        if (hibernateConnections > 0) idle.push(await idleRun(target, users, hibernateConnections, settleSeconds, { hibernateSeconds: HIBERNATE_SECONDS }));
      }
    }
    rows.push(...idle, ...compareIdle(idle));
    if (postwarden && heapConnections > 0) {
      process.stderr.write(`imap: what ${heapConnections} idle connections hold inside postwarden (inspector attached)\n`);
      const warm = () => warmUp(postwarden, users);
      rows.push(await postwardenIdleBreakdown({ target: postwarden, users, password: PASSWORD, connections: heapConnections, settleMs: settleSeconds * 1000, localAddresses: LOCAL_ADDRESSES, warmUp: warm }));
    }
  } finally {
    for (const target of targets) {
      await target.stop();
      const problems = target.problems();
      if (problems.length > 0) rows.push({ kind: 'note', server: target.name, text: `log warnings/errors (first ${problems.length})`, detail: problems });
      await target.dispose();
    }
    restoreInotify();
  }
  printSummary(rows);
  return rows;
}
