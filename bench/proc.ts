// bench/proc: what the benchmarks read about server processes from Linux's /proc: a process
// tree (a pid and its descendants, through each process's parent), resident memory (VmRSS,
// and VmHWM, the kernel's own peak), proportional memory (PSS from smaps_rollup: each shared
// page divided among the processes that map it, so PSS sums over a process tree without
// counting shared libraries and shared index files once per process), CPU time of a process,
// a tree or the machine, and samplers that track the peak of the summed RSS (every ~100 ms)
// or summed RSS and PSS (less often: smaps_rollup walks the page tables) of a set of
// processes. Reads of a process that has just exited count as zero.

import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU times in these ticks (100 on every mainstream arch). */
const TICKS_PER_SECOND = 100;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** /proc/<pid>/stat fields after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The pid and every live descendant of it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    // Field 4 of stat is the parent pid: index 1 after the command name.
    const ppid = Number(statFields(pid)?.[1] ?? 0);
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const tree: number[] = [];
  const pending = [root];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`) ?? '');
  return Number(match?.[1] ?? 0);
}

export const rssKiB = (pid: number): number => statusKiB(pid, 'VmRSS');
export const peakRssKiB = (pid: number): number => statusKiB(pid, 'VmHWM');

/** User plus system CPU seconds of the process; with children, also of its reaped children. */
export function cpuSeconds(pid: number, children = false): number {
  const fields = statFields(pid);
  if (!fields) return 0;
  // stat fields 14-17 (utime, stime, cutime, cstime) sit at indexes 11-14 here.
  const ticks = Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0);
  return ticks / TICKS_PER_SECOND;
}

/**
 * CPU seconds of a whole tree: every live process, plus what the root has reaped (a daemon
 * like Postfix's master reaps the workers it forks, so their time is not lost when they exit).
 */
export function treeCpuSeconds(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + cpuSeconds(pid, pid === root), 0);
}

/** CPU seconds the whole machine has been busy (every core; /proc/stat less idle and iowait). */
export function machineBusySeconds(): number {
  const line = read('/proc/stat')?.split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user).
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** Samples the summed VmRSS of the processes `pids()` names, keeping the peak. */
export class RssSampler {
  readonly #pids: () => readonly number[];
  readonly #timer: NodeJS.Timeout;
  #peakKiB = 0;
  #processes = 0;

  constructor(pids: () => readonly number[], intervalMs = 100) {
    this.#pids = pids;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const pids = this.#pids();
    const sum = pids.reduce((total, pid) => total + rssKiB(pid), 0);
    this.#peakKiB = Math.max(this.#peakKiB, sum);
    this.#processes = Math.max(this.#processes, pids.length);
  }

  /** Takes a last sample and stops: the peak sum in KiB and the most processes seen at once. */
  stop(): { peakKiB: number; processes: number } {
    this.sample();
    clearInterval(this.#timer);
    return { peakKiB: this.#peakKiB, processes: this.#processes };
  }
}

/** smaps_rollup figures of one process, or of a set of processes summed, in KiB. */
export interface Memory {
  readonly processes: number;
  readonly rssKiB: number;
  readonly pssKiB: number;
  /** PSS of anonymous memory (heaps, stacks): what each process really owns. */
  readonly pssAnonKiB: number;
  /** PSS of file mappings (binaries, libraries, mmap'd index files), shared out. */
  readonly pssFileKiB: number;
  readonly pssShmemKiB: number;
  readonly privateDirtyKiB: number;
}

const ROLLUP_FIELDS = { rssKiB: 'Rss', pssKiB: 'Pss', pssAnonKiB: 'Pss_Anon', pssFileKiB: 'Pss_File', pssShmemKiB: 'Pss_Shmem', privateDirtyKiB: 'Private_Dirty' } as const;
type RollupKey = keyof typeof ROLLUP_FIELDS;

const NO_MEMORY: Memory = { processes: 0, rssKiB: 0, pssKiB: 0, pssAnonKiB: 0, pssFileKiB: 0, pssShmemKiB: 0, privateDirtyKiB: 0 };

/** One process's smaps_rollup (zeros when it has exited or cannot be read). */
export function memory(pid: number): Memory {
  const text = read(`/proc/${pid}/smaps_rollup`);
  if (text === undefined) return NO_MEMORY;
  const figures: Record<RollupKey, number> = { ...NO_MEMORY };
  for (const [key, field] of Object.entries(ROLLUP_FIELDS) as [RollupKey, string][]) {
    figures[key] = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  }
  return { ...figures, processes: 1 };
}

/** smaps_rollup summed over the given processes. */
export function totalMemory(pids: readonly number[]): Memory {
  const sum: Record<keyof Memory, number> = { ...NO_MEMORY };
  for (const pid of pids) {
    const one = memory(pid);
    for (const key of Object.keys(sum) as (keyof Memory)[]) sum[key] += one[key];
  }
  return sum;
}

/** Samples the summed RSS and PSS of the processes `pids()` names, keeping each peak. */
export class MemorySampler {
  readonly #pids: () => readonly number[];
  readonly #timer: NodeJS.Timeout;
  #peakRssKiB = 0;
  #peakPssKiB = 0;
  #processes = 0;

  constructor(pids: () => readonly number[], intervalMs = 500) {
    this.#pids = pids;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const pids = this.#pids();
    const sum = totalMemory(pids);
    this.#peakRssKiB = Math.max(this.#peakRssKiB, sum.rssKiB);
    this.#peakPssKiB = Math.max(this.#peakPssKiB, sum.pssKiB);
    this.#processes = Math.max(this.#processes, pids.length);
  }

  /** Takes a last sample and stops: the peaks in KiB and the most processes seen at once. */
  stop(): { peakRssKiB: number; peakPssKiB: number; processes: number } {
    this.sample();
    clearInterval(this.#timer);
    return { peakRssKiB: this.#peakRssKiB, peakPssKiB: this.#peakPssKiB, processes: this.#processes };
  }
}

/** A process's name as its title shows it (Dovecot's "dovecot/imap", for instance). */
export function processName(pid: number): string {
  const cmdline = read(`/proc/${pid}/cmdline`) ?? '';
  const first = cmdline.split('\0')[0] ?? '';
  return first.split(' ')[0] || (read(`/proc/${pid}/comm`)?.trim() ?? '');
}
