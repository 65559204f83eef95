// bench/cpu-profile: summarizes a V8 .cpuprofile (node --cpu-prof, as bench/smtp-accept writes
// with POSTWARDEN_BENCH_SMTP_CPU_PROF=DIR): the functions with the most self time, and self time
// summed by source file, so a benchmark's figure can be traced to where the server spends it.
// Self time of a node is the sum of the sampling intervals that ended in it.
//
// node bench/cpu-profile.ts FILE.cpuprofile [--top N]

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function place(url: string): string {
  if (url === '') return '(native or V8)';
  if (url.startsWith('file://')) return relative(ROOT, fileURLToPath(url));
  return url;
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export function summarize(profile: Profile, top: number): { totalMs: number; functions: SelfTime[]; files: SelfTime[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    // timeDeltas[i] is the time before sample i; the next delta is the time spent in sample i.
    const us = profile.timeDeltas[index + 1] ?? 0;
    const frame = byId.get(id)?.callFrame;
    if (!frame) return;
    totalUs += us;
    const file = place(frame.url);
    const name = `${frame.functionName || '(anonymous)'} ${frame.url === '' ? '' : `${file}:${frame.lineNumber + 1}`}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + us);
    const key = frame.url === '' ? frame.functionName || file : file;
    files.set(key, (files.get(key) ?? 0) + us);
  });
  const rank = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: Number(((100 * us) / Math.max(1, totalUs)).toFixed(1)) }));
  return { totalMs: Math.round(totalUs / 1000), functions: rank(functions), files: rank(files) };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
  const file = positionals[0];
  if (file === undefined) {
    process.stderr.write('usage: node bench/cpu-profile.ts FILE.cpuprofile [--top N]\n');
    process.exit(2);
  }
  const result = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(values.top));
  console.log(`${file}: ${result.totalMs} ms sampled`);
  console.log('Top self time by function:');
  console.table(result.functions);
  console.log('Self time by file (native frames by name):');
  console.table(result.files);
}
