// bench/proc: what the benchmarks read about server processes from Linux's /proc: a process
// tree (a pid and its descendants, through each process's parent), resident memory (VmRSS,
// and VmHWM, the kernel's own peak), CPU time of a process, a tree or the machine, and a sampler that tracks the peak of the
// summed RSS of a set of processes every ~100 ms. Reads of a process that has just exited
// count as zero.

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
