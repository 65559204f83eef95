// Simultaneous connections per client network (IPv4 address, IPv6 /64) and in all, for the
// protocol listeners: a bounded counter map that a connection enters on accept and leaves on
// close. The total keeps a flood of connections from exhausting the process's memory: refused
// clients retry later instead of every session dying with the process.

import { ipGroupKey } from '../auth/ip-group.ts';

export class ConnectionLimit {
  private readonly counts = new Map<string, number>();
  private readonly limit: number;
  private readonly totalLimit: number;
  private total = 0;

  constructor(limit: number, totalLimit = Infinity) {
    this.limit = limit;
    this.totalLimit = totalLimit;
  }

  /** Counts the connection in, or says which limit it hit (and does not count it). */
  enter(remoteAddress: string): 'ok' | 'network' | 'total' {
    if (this.total >= this.totalLimit) return 'total';
    const key = ipGroupKey(remoteAddress);
    const count = this.counts.get(key) ?? 0;
    if (count >= this.limit) return 'network';
    this.counts.set(key, count + 1);
    this.total++;
    return 'ok';
  }

  leave(remoteAddress: string): void {
    this.total--;
    const key = ipGroupKey(remoteAddress);
    const count = (this.counts.get(key) ?? 1) - 1;
    if (count <= 0) this.counts.delete(key);
    else this.counts.set(key, count);
  }

  get networks(): number {
    return this.counts.size;
  }
}
