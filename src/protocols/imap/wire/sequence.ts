// Sequence sets: parsing them from a command and writing them into responses (ESEARCH ALL,
// COPYUID, MODIFIED, VANISHED). Ranges come back with from <= to ("4:2" is "2:4"); "*" is
// Infinity. Input it does not trust: the command octets read through the Cursor; formatting takes
// server values.
//
// Standards: RFC 9051 §4.1.1 and §9 (sequence-set, seq-range "regardless of order", seq-number
// nz-number / "*"), RFC 5182 §2.1 ("$": the saved search result), RFC 4315 §3 and RFC 9051 §9
// (uid-set in COPYUID: the order of the UIDs matters), RFC 7162 §3.2.5 (known-uids and
// seq-match-data: "*" not allowed).

import type { SequenceRange, SequenceSet } from './types.ts';
import type { Cursor } from './cursor.ts';

export interface SequenceSetOptions {
  /** "*" is allowed (everywhere except QRESYNC's known sets, RFC 7162 §3.2.5). */
  readonly star?: boolean;
  /** "$" is allowed (RFC 5182: in commands taking a sequence set, not in QRESYNC). */
  readonly saved?: boolean;
}

const COLON = 0x3a;
const COMMA = 0x2c;
const STAR = 0x2a;
const DOLLAR = 0x24;

/** RFC 9051 §9 sequence-set (and RFC 5182 seq-last-command). */
export function parseSequenceSet(c: Cursor, options: SequenceSetOptions = { star: true, saved: true }): SequenceSet {
  if (c.take(DOLLAR)) {
    if (options.saved !== true) c.fail('"$" (the saved search result) is not allowed here');
    return { kind: 'saved' };
  }
  const ranges: SequenceRange[] = [];
  do {
    const first = seqNumber(c, options);
    const second = c.take(COLON) ? seqNumber(c, options) : first;
    // RFC 9051 §9 seq-range: "two seq-number values and all values between these two regardless of order".
    ranges.push(first <= second ? { from: first, to: second } : { from: second, to: first });
  } while (c.take(COMMA));
  return { kind: 'set', ranges };
}

function seqNumber(c: Cursor, options: SequenceSetOptions): number {
  if (c.take(STAR)) {
    if (options.star !== true) c.fail('"*" is not allowed in this sequence set');
    return Infinity;
  }
  if (c.peek() < 0x30 || c.peek() > 0x39) c.fail('expected a sequence set');
  return c.nzNumber();
}

function numberText(value: number): string {
  return value === Infinity ? '*' : String(value);
}

/** A sequence set as sent on the wire: "$", or ranges joined by commas ("1:3,5,7:*"). */
export function formatSequenceSet(set: SequenceSet): string {
  if (set.kind === 'saved') return '$';
  return set.ranges.map((range) => (range.from === range.to ? numberText(range.from) : `${numberText(range.from)}:${numberText(range.to)}`)).join(',');
}

export interface NumberSetOptions {
  /**
   * Keep the given order, joining only ascending runs: COPYUID's two uid-sets must list source
   * and destination UIDs in corresponding order (RFC 4315 §3). Default: sort and deduplicate.
   */
  readonly keepOrder?: boolean;
}

/**
 * Compresses message numbers or UIDs into a sequence set: [1, 2, 3, 5, 7, 8, 9] gives
 * "1:3,5,7:9". An empty input gives "" (which is not a valid sequence set: send nothing then).
 */
export function formatNumberSet(numbers: Iterable<number>, options: NumberSetOptions = {}): string {
  let values = Array.from(numbers);
  if (options.keepOrder !== true) values = [...new Set(values)].sort((a, b) => a - b);
  const parts: string[] = [];
  let index = 0;
  while (index < values.length) {
    const start = values[index] ?? 0;
    let end = start;
    while (index + 1 < values.length && values[index + 1] === end + 1) {
      end++;
      index++;
    }
    parts.push(start === end ? String(start) : `${start}:${end}`);
    index++;
  }
  return parts.join(',');
}
