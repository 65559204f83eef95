// Line feed positions of a message, found once, so the line counts of nested parts (which
// overlap) cost a binary search each instead of a rescan per nesting level.

import { LF } from './bytes.ts';

export class LineIndex {
  private positions: Uint32Array;
  private count = 0;

  constructor(raw: Uint8Array) {
    this.positions = new Uint32Array(64);
    // indexOf is a native scan: much faster than a byte loop on large messages.
    for (let i = raw.indexOf(LF); i !== -1; i = raw.indexOf(LF, i + 1)) {
      if (this.count === this.positions.length) {
        const grown = new Uint32Array(this.positions.length * 2);
        grown.set(this.positions);
        this.positions = grown;
      }
      this.positions[this.count++] = i;
    }
  }

  /** Line feeds before `offset`. */
  private before(offset: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.positions[mid] ?? 0) < offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Line feeds in [start, end). */
  lines(start: number, end: number): number {
    return end <= start ? 0 : this.before(end) - this.before(start);
  }
}
