// `npm run bench`: runs every benchmark and writes its JSON into bench/results/. Benchmarks
// are measurements, never tests: nothing here fails on a slow figure.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchStorage } from './storage.ts';

const resultsDir = join(import.meta.dirname, 'results');
mkdirSync(resultsDir, { recursive: true });

function machine() {
  return { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGiB: Math.round(totalmem() / 2 ** 30) };
}

const storage = await benchStorage();
const file = join(resultsDir, 'storage.json');
writeFileSync(file, `${JSON.stringify({ benchmark: 'storage', date: new Date().toISOString(), machine: machine(), runs: storage }, null, 2)}\n`);
console.table(storage);
console.log(`wrote ${file}`);
