// Line feed positions of a message, found once, so the line counts of nested parts (which
// overlap) cost a binary search each instead of a rescan per nesting level.

import { lineFeedOffsets } from '../../core/line-breaks.ts';

export class LineIndex {
  private readonly positions: Uint32Array;

  constructor(raw: Uint8Array) {
    this.positions = lineFeedOffsets(raw);
  }

  /** Line feeds before `offset`. */
  private before(offset: number): number {
    let low = 0;
    let high = this.positions.length;
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
