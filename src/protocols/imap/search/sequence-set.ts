// Sequence sets: does a number fall in a client's set (with `*` and `$`), and the compressed
// wire form of a list of numbers for ESEARCH ALL / PARTIAL and for saved results.
// Input: the parsed set from the wire parser (client-controlled ranges, possibly reversed or
// out of range); never throws.
// Standards: RFC 9051 §9 sequence-set and seq-range ("*" is the largest number in use; a range
// may be given in either order), RFC 5182 §2.1 ("$" is the saved result, empty when nothing was
// saved), RFC 4731 §3.1 (ALL as a sequence-set; ranges compress consecutive numbers).

import type { SequenceSet } from '../wire/types.ts';

/**
 * Whether `value` is in `set`. `star` is what `*` (Infinity in the AST) stands for; `saved`
 * answers for `$` and is asked with the message's UID (RFC 5182 saves UIDs).
 */
export function inSequenceSet(set: SequenceSet, value: number, star: number, savedHas: (uid: number) => boolean, uid: number): boolean {
  if (set.kind === 'saved') return savedHas(uid);
  for (const range of set.ranges) {
    let from = range.from === Infinity ? star : range.from;
    let to = range.to === Infinity ? star : range.to;
    if (from > to) [from, to] = [to, from]; // RFC 9051 §9: "4:2" is "2:4"
    if (value >= from && value <= to) return true;
  }
  return false;
}

/**
 * The sequence-set text for `ids` in the given order (RFC 4731 §3.1): runs of consecutive
 * ascending numbers become `a:b`, everything else is listed as it comes, so a SORT result keeps
 * its order (`5,3:4,2,1`, as Dovecot answers ESORT). "" for an empty list.
 */
export function formatSequenceSet(ids: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < ids.length) {
    const start = ids[i] ?? 0;
    let end = start;
    while (i + 1 < ids.length && ids[i + 1] === end + 1) {
      end++;
      i++;
    }
    parts.push(start === end ? String(start) : `${start}:${end}`);
    i++;
  }
  return parts.join(',');
}
