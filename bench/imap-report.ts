// bench/imap-report: the rows bench/imap writes to bench/results/imap.json and the tables it
// prints: APPEND rates, one row per mix run (kept trial), one per IDLE measurement, the
// Postwarden / Dovecot ratios, and the issue's two targets checked against them (throughput at
// least Dovecot's; memory per idle connection at most a third of Dovecot's without hibernation).

import type { IdleMeasurement } from './imap-idle.ts';
import type { MemoryRow } from './imap-memory.ts';
import type { Transport } from './imap-targets.ts';

export const round2 = (n: number): number => Number(n.toFixed(2));
export const mib = (kib: number): number => Number((kib / 1024).toFixed(1));
const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

export interface AppendRow {
  readonly kind: 'append';
  readonly server: string;
  readonly messages: number;
  readonly mebibytes: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface OperationFigures {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanOctets: number;
}

export interface MixRow {
  readonly kind: 'mix';
  readonly server: string;
  readonly name: string;
  readonly transport: Transport;
  readonly clients: number;
  readonly sessions: number;
  readonly operations: number;
  readonly errors: number;
  readonly seconds: number;
  readonly sessionsPerSecond: number;
  readonly operationsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Peaks of the summed PSS and RSS of every server process, sampled every 0.5 s. */
  readonly peakPssMiB: number;
  readonly peakRssMiB: number;
  readonly peakProcesses: number;
  readonly cpuMsPerSession: number;
  readonly loadCpuMsPerSession: number;
  /** Cores busy with anything but this server and the load generator: a noise gauge. */
  readonly otherCpuCores: number;
  readonly firstError?: string;
  readonly trials?: string;
  readonly byOperation: Record<string, OperationFigures>;
  readonly searchHits: Readonly<Record<string, number>>;
}

export interface IdleRow {
  readonly kind: 'idle';
  readonly server: string;
  readonly name: string;
  readonly hibernate: boolean;
  readonly requested: number;
  readonly established: number;
  readonly errors: number;
  readonly firstError?: string;
  /** The server died under the load; why, from its log. */
  readonly serverDied?: string;
  readonly rampSeconds: number;
  readonly pssBeforeMiB: number;
  readonly pssAfterMiB: number;
  /** When the server died: the slope up to the last ramp sample it was alive for (null: none). */
  readonly pssKiBPerConnection: number | null;
  /** Null when the server died (nothing left to measure). */
  readonly pssAnonKiBPerConnection: number | null;
  readonly rssKiBPerConnection: number | null;
  readonly rampPssKiBPerConnection: number;
  readonly rampConnections: number;
  readonly processesAfter: number;
  readonly trials?: string;
  /** PSS (MiB) every 1,000 connections during the ramp: "connections:MiB". */
  readonly ramp: string;
  readonly groups: readonly { name: string; processes: number; pssMiB: number; pssKiBPerProcess: number }[];
}

export interface RatioRow {
  readonly kind: 'ratio';
  readonly what: string;
  readonly postwarden: number;
  readonly dovecot: number;
  readonly postwardenOverDovecot: number;
  readonly detail?: unknown;
}

export interface TargetRow {
  readonly kind: 'target';
  readonly what: string;
  readonly target: string;
  readonly postwardenOverDovecot: number;
  readonly met: boolean;
}

export interface NoteRow {
  readonly kind: 'note' | 'skipped' | 'profile';
  readonly server?: string;
  readonly text: string;
  readonly detail?: unknown;
}

export type ImapRow = AppendRow | MixRow | IdleRow | MemoryRow | RatioRow | TargetRow | NoteRow;

export function appendRow(server: string, result: { messages: number; octets: number; seconds: number; latencies: number[] }): AppendRow {
  const sorted = [...result.latencies].sort((a, b) => a - b);
  return {
    kind: 'append',
    server,
    messages: result.messages,
    mebibytes: mib(result.octets / 1024),
    seconds: round2(result.seconds),
    messagesPerSecond: Math.round(result.messages / result.seconds),
    p50Ms: round2(percentile(sorted, 0.5)),
    p99Ms: round2(percentile(sorted, 0.99)),
  };
}

export function idleRow(server: string, name: string, hibernate: boolean, measured: IdleMeasurement, died: string | undefined): IdleRow {
  return {
    kind: 'idle',
    server,
    name,
    hibernate,
    requested: measured.requested,
    established: measured.established,
    errors: measured.errors,
    ...(measured.firstError === undefined ? {} : { firstError: measured.firstError }),
    ...(died === undefined ? {} : { serverDied: died }),
    rampSeconds: measured.rampSeconds,
    pssBeforeMiB: mib(measured.before.total.pssKiB),
    pssAfterMiB: mib(measured.after.total.pssKiB),
    pssKiBPerConnection: !measured.serverGone ? measured.pssKiBPerConnection : measured.rampConnections > 0 ? measured.rampPssKiBPerConnection : null,
    pssAnonKiBPerConnection: measured.serverGone ? null : measured.pssAnonKiBPerConnection,
    rssKiBPerConnection: measured.serverGone ? null : measured.rssKiBPerConnection,
    rampPssKiBPerConnection: measured.rampPssKiBPerConnection,
    rampConnections: measured.rampConnections,
    processesAfter: measured.after.total.processes,
    ramp: measured.samples.map((s) => `${s.connections}:${s.processes > 0 ? mib(s.pssKiB) : 'gone'}`).join(' '),
    groups: measured.after.groups.slice(0, 8).map((g) => ({ name: g.name, processes: g.processes, pssMiB: mib(g.pssKiB), pssKiBPerProcess: Math.round(g.pssKiB / Math.max(1, g.processes)) })),
  };
}

/** The trial with the median of `key`, carrying every trial's figure. */
export function median<T extends { readonly trials?: string }>(trials: readonly T[], key: (row: T) => number): T | undefined {
  const sorted = [...trials].sort((a, b) => key(a) - key(b));
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  return middle && { ...middle, trials: trials.map(key).join(' ') };
}

const ratio = (what: string, postwarden: number, dovecot: number, detail?: unknown): RatioRow => ({
  kind: 'ratio',
  what,
  postwarden,
  dovecot,
  postwardenOverDovecot: round2(postwarden / Math.max(0.01, dovecot)),
  ...(detail === undefined ? {} : { detail }),
});

/** Ratios of one mix configuration, and the throughput target. */
export function compareMix(pw: MixRow, dc: MixRow): ImapRow[] {
  const at = `${pw.transport}, ${pw.clients} clients`;
  const p99ByOperation = Object.fromEntries(
    Object.entries(pw.byOperation).map(([op, figures]) => {
      const dovecot = dc.byOperation[op]?.p99Ms ?? 0;
      return [op, { postwarden: figures.p99Ms, dovecot, ratio: round2(figures.p99Ms / Math.max(0.01, dovecot)) }];
    }),
  );
  const throughput = ratio(`operations/s, ${at}`, pw.operationsPerSecond, dc.operationsPerSecond);
  return [
    throughput,
    ratio(`p99 ms over all operations, ${at}`, pw.p99Ms, dc.p99Ms, p99ByOperation),
    ratio(`peak PSS MiB of the server's processes, ${at}`, pw.peakPssMiB, dc.peakPssMiB),
    ratio(`peak RSS MiB of the server's processes, ${at}`, pw.peakRssMiB, dc.peakRssMiB),
    // Less sensitive to the machine's other load than the rates: CPU the server spent per session.
    ratio(`server CPU ms per session, ${at}`, pw.cpuMsPerSession, dc.cpuMsPerSession),
    { kind: 'target', what: `throughput, ${at}`, target: 'at least Dovecot’s (ratio >= 1)', postwardenOverDovecot: throughput.postwardenOverDovecot, met: throughput.postwardenOverDovecot >= 1 },
  ];
}

/** Ratios of memory per idle connection, and the memory target (against Dovecot as configured for the mix). */
export function compareIdle(idle: readonly IdleRow[]): ImapRow[] {
  const pws = idle.filter((r) => r.name === 'postwarden' && r.pssKiBPerConnection !== null);
  const pw = pws.find((r) => r.established === r.requested) ?? pws[0];
  if (!pw?.pssKiBPerConnection) return [];
  const rows: ImapRow[] = [];
  for (const dc of idle.filter((r) => r.name === 'dovecot')) {
    if (dc.pssKiBPerConnection === null) continue;
    const row = ratio(`PSS KiB per idle connection, ${pw.server} (${pw.established} held) vs ${dc.server} (${dc.established} held)`, pw.pssKiBPerConnection, dc.pssKiBPerConnection);
    rows.push(row);
    if (!dc.hibernate) {
      const held = `${pw.established} of ${pw.requested} held${pw.serverDied ? ', then died' : ''}`;
      rows.push({ kind: 'target', what: `memory per idle connection vs ${dc.server} (postwarden: ${held})`, target: 'at most a third of Dovecot’s (ratio <= 0.33)', postwardenOverDovecot: row.postwardenOverDovecot, met: row.postwardenOverDovecot <= 1 / 3 });
    }
  }
  return rows;
}

export function printSummary(rows: readonly ImapRow[]): void {
  console.table(rows.filter((r) => r.kind === 'append'));
  const mix = rows.filter((r): r is MixRow => r.kind === 'mix');
  console.log('\nimap mix: operations/s (16 a session), p99 over all operations, peak PSS / RSS of every server process');
  console.table(mix.map((r) => ({ server: r.server, transport: r.transport, clients: r.clients, 'ops/s': r.operationsPerSecond, 'sessions/s': r.sessionsPerSecond, 'p99 ms': r.p99Ms, 'peak PSS MiB': r.peakPssMiB, 'peak RSS MiB': r.peakRssMiB, 'cpu ms/session': r.cpuMsPerSession, errors: r.errors, trials: r.trials })));
  for (const r of mix) {
    console.log(`${r.server} ${r.transport} x${r.clients}: per operation (ops/s, p50 / p99 ms)`);
    console.log(Object.entries(r.byOperation).map(([op, s]) => `  ${op.padEnd(16)} ${String(s.perSecond).padStart(8)}/s  ${s.p50Ms} / ${s.p99Ms}`).join('\n'));
  }
  const idle = rows.filter((r): r is IdleRow => r.kind === 'idle');
  console.log('\nimap idle: memory per IDLE connection (PSS delta of every server process / connections held)');
  console.table(idle.map((r) => ({ server: r.server, held: `${r.established}/${r.requested}`, 'PSS KiB/conn': r.pssKiBPerConnection, 'RSS KiB/conn': r.rssKiBPerConnection, 'PSS after MiB': r.pssAfterMiB, processes: r.processesAfter, 'ramp s': r.rampSeconds, died: r.serverDied ?? '' })));
  for (const r of rows) {
    if (r.kind !== 'memory') continue;
    console.log(`\n${r.server}: what one idle connection holds (${r.established} connections, after a full GC), KiB:`, r.perConnectionKiB);
    console.table(r.bySourceFrame);
  }
  console.table(rows.filter((r) => r.kind === 'ratio').map((r) => ({ what: r.what, postwarden: r.postwarden, dovecot: r.dovecot, ratio: r.postwardenOverDovecot })));
  console.table(rows.filter((r) => r.kind === 'target'));
  for (const r of rows) {
    if (r.kind === 'skipped' || r.kind === 'note') console.log(`${r.kind}: ${r.server ?? ''} ${r.text}${r.detail === undefined ? '' : `\n  ${JSON.stringify(r.detail)}`}`);
  }
}
