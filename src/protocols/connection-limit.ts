// Simultaneous connections per client network (IPv4 address, IPv6 /64), for the protocol
// listeners: a bounded counter map that a connection enters on accept and leaves on close.

import { ipGroupKey } from '../auth/ip-group.ts';

export class ConnectionLimit {
  private readonly counts = new Map<string, number>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Counts the connection in; false (and not counted) when its network is at the limit. */
  enter(remoteAddress: string): boolean {
    const key = ipGroupKey(remoteAddress);
    const count = this.counts.get(key) ?? 0;
    if (count >= this.limit) return false;
    this.counts.set(key, count + 1);
    return true;
  }

  leave(remoteAddress: string): void {
    const key = ipGroupKey(remoteAddress);
    const count = (this.counts.get(key) ?? 1) - 1;
    if (count <= 0) this.counts.delete(key);
    else this.counts.set(key, count);
  }

  get networks(): number {
    return this.counts.size;
  }
}
