// ESEARCH result data: MIN, MAX, COUNT, ALL and PARTIAL from a SEARCH or SORT result, the UIDs
// SAVE keeps, and the MODSEQ that goes with them; plus the text of the result items.
// Input: result lists built by the server and the client's RETURN options (any combination, any
// PARTIAL range); never throws.
// Standards: RFC 4731 §3.1 (MIN/MAX/ALL/COUNT; RETURN () means ALL; empty results omit MIN, MAX
// and ALL but keep COUNT 0), RFC 5267 §3 (ESORT: MIN/MAX are the first and last in sort order,
// ALL keeps the sort order), RFC 5182 §2.1 (SAVE; with MIN/MAX only, just those are saved; SAVE
// alone gets no ESEARCH response), RFC 9394 §3.1 (PARTIAL ranges, 1-based, negative counts from
// the end; NIL when empty), RFC 7162 §3.1.5 (MODSEQ: the highest mod-sequence returned).

import type { SearchReturn } from '../wire/types.ts';
import type { SearchableMessage } from './message.ts';
import { formatSequenceSet } from './sequence-set.ts';

export interface EsearchData {
  readonly min?: number;
  readonly max?: number;
  readonly count?: number;
  /** Compressed sequence-set (RFC 4731 §3.1); absent for an empty result. */
  readonly all?: string;
  /** RFC 9394: the normalised range as echoed and the set, null (NIL) when no message falls in it. */
  readonly partial?: { readonly range: string; readonly set: string | null };
}

/** RETURN () or only SAVE with other options absent: RFC 4731 §3.1 says () means ALL. */
function wantsAll(ret: SearchReturn): boolean {
  if (ret.all) return true;
  const anyResultOption = ret.min || ret.max || ret.count || ret.partial !== undefined;
  return !anyResultOption && !ret.save;
}

/** The positions (0-based, inclusive) a PARTIAL range covers in a result of `length` items. */
function partialSlice(range: { readonly from: number; readonly to: number }, length: number): { readonly start: number; readonly end: number; readonly text: string } | null {
  const { from, to } = range;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from === 0 || to === 0 || Math.sign(from) !== Math.sign(to)) return null;
  const low = Math.min(Math.abs(from), Math.abs(to));
  const high = Math.max(Math.abs(from), Math.abs(to));
  if (from > 0) return { start: low - 1, end: Math.min(high, length) - 1, text: `${low}:${high}` };
  // RFC 9394 §3.1: -1 is the last message, -N the N-th from the end.
  return { start: Math.max(length - high, 0), end: length - low, text: `-${low}:-${high}` };
}

/**
 * The ESEARCH data for `ids` (sequence numbers or UIDs) in result order: ascending for SEARCH,
 * the sort order for SORT. RETURN () and RETURN (SAVE) alone are told apart: () means ALL,
 * SAVE alone returns nothing (RFC 5182 §2.1: no ESEARCH response then).
 */
export function esearchResult(ids: readonly number[], ret: SearchReturn): EsearchData {
  const result: { min?: number; max?: number; count?: number; all?: string; partial?: { range: string; set: string | null } } = {};
  const first = ids[0];
  const last = ids[ids.length - 1];
  if (ret.min && first !== undefined) result.min = first;
  if (ret.max && last !== undefined) result.max = last;
  if (wantsAll(ret) && ids.length > 0) result.all = formatSequenceSet(ids);
  if (ret.partial !== undefined) {
    const slice = partialSlice(ret.partial, ids.length);
    if (slice === null) {
      result.partial = { range: `${ret.partial.from}:${ret.partial.to}`, set: null };
    } else {
      const picked = slice.end >= slice.start ? ids.slice(slice.start, slice.end + 1) : [];
      result.partial = { range: slice.text, set: picked.length > 0 ? formatSequenceSet(picked) : null };
    }
  }
  if (ret.count) result.count = ids.length;
  return result;
}

/**
 * The UIDs SAVE keeps (RFC 5182 §2.1): the whole result, except that with MIN and/or MAX and
 * neither ALL nor COUNT only those messages are saved. With PARTIAL, the partial result.
 * `uids` is in result order.
 */
export function savedResult(uids: readonly number[], ret: SearchReturn): number[] {
  if (ret.partial !== undefined && !ret.all && !ret.count) {
    const slice = partialSlice(ret.partial, uids.length);
    return slice === null || slice.end < slice.start ? [] : uids.slice(slice.start, slice.end + 1);
  }
  if ((ret.min || ret.max) && !ret.all && !ret.count) {
    const saved: number[] = [];
    const first = uids[0];
    const last = uids[uids.length - 1];
    if (ret.min && first !== undefined) saved.push(first);
    if (ret.max && last !== undefined && !saved.includes(last)) saved.push(last);
    return saved;
  }
  return [...uids];
}

/**
 * RFC 7162 §3.1.5: the MODSEQ to return with a search that used MODSEQ: the highest
 * mod-sequence of the messages returned. With MIN and/or MAX only, those messages; otherwise
 * every matching message. Undefined for an empty result (no MODSEQ is sent then).
 */
export function esearchModSeq(messages: readonly SearchableMessage[], ret: SearchReturn): number | undefined {
  if (messages.length === 0) return undefined;
  const onlyMinMax = (ret.min || ret.max) && !ret.all && !ret.count && ret.partial === undefined;
  const considered = onlyMinMax
    ? [ret.min ? messages[0] : undefined, ret.max ? messages[messages.length - 1] : undefined]
    : messages;
  let highest: number | undefined;
  for (const message of considered) {
    if (message !== undefined && (highest === undefined || message.modSeq > highest)) highest = message.modSeq;
  }
  return highest;
}

/**
 * The result items of an ESEARCH response after `(TAG "x") [UID]`, in Dovecot's order:
 * `MIN 1 MAX 6 ALL 1:6 COUNT 6 MODSEQ 9`, with `PARTIAL (1:5 1:3,7)` where ALL would stand.
 */
export function formatEsearchData(data: EsearchData, modSeq?: number): string {
  const items: string[] = [];
  if (data.min !== undefined) items.push(`MIN ${data.min}`);
  if (data.max !== undefined) items.push(`MAX ${data.max}`);
  if (data.all !== undefined) items.push(`ALL ${data.all}`);
  if (data.partial !== undefined) items.push(`PARTIAL (${data.partial.range} ${data.partial.set ?? 'NIL'})`);
  if (data.count !== undefined) items.push(`COUNT ${data.count}`);
  if (modSeq !== undefined) items.push(`MODSEQ ${modSeq}`);
  return items.join(' ');
}
