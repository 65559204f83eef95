// `npm run bench`: runs every benchmark and writes its JSON into bench/results/. Benchmarks
// are measurements, never tests: nothing here fails on a slow figure.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchAuth } from './auth.ts';
import { benchImap } from './imap.ts';
import { benchOutbound } from './outbound.ts';
import { benchSmtpAccept } from './smtp-accept.ts';
import { benchStorage } from './storage.ts';

const resultsDir = join(import.meta.dirname, 'results');
mkdirSync(resultsDir, { recursive: true });

function machine() {
  return { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGiB: Math.round(totalmem() / 2 ** 30) };
}

/** Benchmarks whose rows are of several kinds print their own tables (one table of every row would be unreadable). */
const OWN_TABLES = new Set(['imap']);

function record(benchmark: string, runs: readonly object[]): void {
  const file = join(resultsDir, `${benchmark}.json`);
  writeFileSync(file, `${JSON.stringify({ benchmark, date: new Date().toISOString(), machine: machine(), runs }, null, 2)}\n`);
  if (!OWN_TABLES.has(benchmark)) console.table(runs);
  console.log(`wrote ${file}`);
}

const only = process.argv.slice(2);
const benchmarks: Record<string, () => Promise<readonly object[]>> = { storage: benchStorage, auth: benchAuth, 'smtp-accept': benchSmtpAccept, imap: benchImap, outbound: benchOutbound };
for (const [name, run] of Object.entries(benchmarks)) {
  if (only.length === 0 || only.includes(name)) record(name, await run());
}
