// SEARCH: does a message match a search key, and which messages of a mailbox match.
// Input: the parsed key (client-controlled: any strings, sets, dates, nesting) and message views
// whose headers and bodies are untrusted; nothing here throws.
// Standards: RFC 9051 §6.4.4 and RFC 3501 §6.4.4 (search keys; strings match as substrings,
// case-insensitively), RFC 5255 §4.1 (I18NLEVEL=1 folding, see collate.ts), RFC 5032 §3
// (OLDER/YOUNGER), RFC 5182 §2.1 ("$"), RFC 7162 §3.1.5 (MODSEQ), RFC 8474 §6
// (EMAILID/THREADID), RFC 8514 §4 (SAVEDBEFORE/SAVEDON/SAVEDSINCE, SAVEDATESUPPORTED).
// Behaviour follows Dovecot where the RFCs leave room (see the notes at each key).

import type { SearchKey } from '../wire/types.ts';
import { addressText } from './address-text.ts';
import { asciiCasemap, compressWhitespace, containsFolded, unicodeCasemap } from './collate.ts';
import { epochSeconds, localDay, searchKeyDay, sentDay } from './dates.ts';
import type { SearchableMessage, SearchContext } from './message.ts';
import { inSequenceSet } from './sequence-set.ts';

/**
 * Deepest NOT/OR/AND nesting evaluated; anything below it does not match. The wire parser is
 * expected to refuse deeper keys (a guard against stack exhaustion, not a semantic limit).
 */
export const MAX_SEARCH_KEY_DEPTH = 1000;

/** Fields the FROM/TO/CC/BCC keys name: matched against the parsed addresses too (address-text.ts). */
const ADDRESS_FIELDS = new Set(['from', 'to', 'cc', 'bcc']);

const foldedNeedles = new WeakMap<SearchKey, string>();
const orderedAnds = new WeakMap<SearchKey, readonly SearchKey[]>();
const savedSets = new WeakMap<readonly number[], ReadonlySet<number>>();
/** Per key, what every message is compared with: the day of a date key, the folded flag. */
const keyDays = new WeakMap<SearchKey, number | null>();
const foldedFlags = new WeakMap<SearchKey, string>();
/** Header values folded for matching (and their whitespace-compressed forms, null when the same). */
const foldedValues = new WeakMap<readonly string[], readonly (readonly [string, string | null])[]>();

/** The value `memo` holds for `key`, computed once (values are never undefined). */
function remembered<K extends object, V>(memo: WeakMap<K, V>, key: K, compute: () => V): V {
  let value = memo.get(key);
  if (value === undefined) {
    value = compute();
    memo.set(key, value);
  }
  return value;
}

function foldedFlag(key: SearchKey & { readonly flag: string }): string {
  return remembered(foldedFlags, key, () => asciiCasemap(key.flag));
}

/** The folded forms of header values; kept as long as the values are (shared caches keep them). */
function foldedForms(values: readonly string[]): readonly (readonly [string, string | null])[] {
  return remembered(foldedValues, values, () =>
    values.map((value) => {
      const compressed = compressWhitespace(value);
      return [unicodeCasemap(value), compressed === value ? null : unicodeCasemap(compressed)] as const;
    }),
  );
}

function needle(key: SearchKey & { readonly value: string }): string {
  return remembered(foldedNeedles, key, () => unicodeCasemap(key.value));
}

function savedHas(context: SearchContext): (uid: number) => boolean {
  const saved = context.saved;
  if (saved === undefined) return () => false; // RFC 5182 §2.1: nothing saved = empty set
  const uids = remembered(savedSets, saved, () => new Set(saved));
  return (uid) => uids.has(uid);
}

const costs = new WeakMap<SearchKey, number>();

/** Rough cost of evaluating a key: flags and numbers, then headers, then bodies. */
function cost(key: SearchKey, depth: number): number {
  if (depth > MAX_SEARCH_KEY_DEPTH) return 0;
  return remembered(costs, key, () => computeCost(key, depth));
}

function computeCost(key: SearchKey, depth: number): number {
  switch (key.kind) {
    case 'header':
    case 'date':
      return key.kind === 'date' && key.which !== 'sent' ? 0 : 1;
    case 'body':
    case 'text':
      return 2;
    case 'not':
      return cost(key.key, depth + 1);
    case 'or':
      return Math.max(cost(key.left, depth + 1), cost(key.right, depth + 1));
    case 'and':
      return key.keys.reduce((max, k) => Math.max(max, cost(k, depth + 1)), 0);
    default:
      return 0;
  }
}

/** The keys of an AND, cheapest first (stable), so body text is read only when still needed. */
function orderedKeys(key: SearchKey & { readonly kind: 'and' }, depth: number): readonly SearchKey[] {
  return remembered(orderedAnds, key, () =>
    key.keys
      .map((k, index) => ({ k, index, c: cost(k, depth + 1) }))
      .sort((a, b) => a.c - b.c || a.index - b.index)
      .map((entry) => entry.k),
  );
}

function hasFlag(message: SearchableMessage, flag: string, wanted: string): boolean {
  // RFC 9051 §9: alphabetic characters are case-insensitive; `wanted` is the flag casemapped.
  return message.flags.some((f) => f === flag || (f.length === flag.length && asciiCasemap(f) === wanted));
}

/**
 * HEADER field value. RFC 9051 §6.4.4: an empty value matches any message with the field.
 * Dovecot matches SUBJECT with whitespace runs compressed and FROM/TO/CC/BCC against the
 * re-written addresses; the AST no longer tells HEADER FROM from FROM, so a value matches when
 * any of these forms contains it.
 */
function matchHeader(key: SearchKey & { readonly kind: 'header' }, message: SearchableMessage): boolean {
  const field = key.field.toLowerCase();
  const values = message.header(field);
  if (key.value === '') return values.length > 0;
  const folded = needle(key);
  if (folded === '') return values.length > 0;
  for (const [value, compressed] of foldedForms(values)) {
    if (value.includes(folded) || (compressed !== null && compressed.includes(folded))) return true;
  }
  if (values.length > 0 && ADDRESS_FIELDS.has(field)) {
    return containsFolded(addressText(message.addresses(field as 'from' | 'to' | 'cc' | 'bcc')), folded);
  }
  return false;
}

/**
 * BEFORE/ON/SINCE and the SENT and SAVED forms, on calendar days (RFC 9051 §6.4.4 "disregarding
 * time and timezone"). A message without a usable Date: never matches the SENT forms (so NOT
 * SENTBEFORE matches it, as in Dovecot). RFC 8514: without a save date, the internal date stands
 * in (the mailbox answers NIL for SAVEDATE; SAVEDATESUPPORTED tells the client).
 */
function matchDate(key: SearchKey & { readonly kind: 'date' }, message: SearchableMessage): boolean {
  const want = remembered(keyDays, key, () => searchKeyDay(key.date));
  if (want === null) return false;
  let have: number | null;
  if (key.which === 'sent') have = sentDay(message);
  else if (key.which === 'save') have = localDay(message.saveDate ?? message.internalDate);
  else have = localDay(message.internalDate);
  if (have === null) return false;
  if (key.op === 'before') return have < want;
  if (key.op === 'on') return have === want;
  return have >= want;
}

function matchesAt(key: SearchKey, message: SearchableMessage, context: SearchContext, depth: number): boolean {
  if (depth > MAX_SEARCH_KEY_DEPTH) return false;
  switch (key.kind) {
    case 'all':
      return true;
    case 'flag':
      if (foldedFlag(key) === '\\RECENT') return message.recent === key.set;
      return hasFlag(message, key.flag, foldedFlag(key)) === key.set;
    case 'new': // RFC 3501 §6.4.4: RECENT UNSEEN
      return message.recent && !hasFlag(message, '\\Seen', '\\SEEN');
    case 'old': // RFC 3501 §6.4.4: NOT RECENT
      return !message.recent;
    case 'recent':
      return message.recent === key.set;
    case 'header':
      return matchHeader(key, message);
    case 'body': // RFC 9051 §6.4.4: the body of the message
      return containsFolded(message.bodyText(), needle(key));
    case 'text': // RFC 9051 §6.4.4: the header or the body
      return containsFolded(message.fullText(), needle(key));
    case 'date':
      return matchDate(key, message);
    case 'within': {
      // RFC 5032 §3, second resolution; both ends inclusive as in Dovecot.
      const limit = epochSeconds(context.now) - key.seconds;
      const internal = epochSeconds(message.internalDate);
      return key.op === 'older' ? internal <= limit : internal >= limit;
    }
    case 'size': // RFC 9051 §6.4.4: RFC822.SIZE strictly larger / smaller
      return key.op === 'larger' ? message.size > key.octets : message.size < key.octets;
    case 'uid':
      return inSequenceSet(key.set, message.uid, context.maxUid, savedHas(context), message.uid);
    case 'sequence':
      return inSequenceSet(key.set, message.seq, context.maxSeq, savedHas(context), message.uid);
    case 'modseq':
      // RFC 7162 §3.1.5: mod-sequence >= the value. Per-flag entries (/flags/\Seen) use the
      // message's mod-sequence: Postwarden keeps one per message, which RFC 7162 §3.1.5 allows.
      return message.modSeq >= key.modSeq;
    case 'emailid': // RFC 8474 §6: exact match
      return message.emailId === key.id;
    case 'threadid':
      return message.threadId !== null && message.threadId === key.id;
    case 'savedatesupported': // RFC 8514 §4.3
      return message.saveDate !== null;
    case 'not':
      return !matchesAt(key.key, message, context, depth + 1);
    case 'or':
      if (cost(key.right, depth + 1) < cost(key.left, depth + 1)) {
        return matchesAt(key.right, message, context, depth + 1) || matchesAt(key.left, message, context, depth + 1);
      }
      return matchesAt(key.left, message, context, depth + 1) || matchesAt(key.right, message, context, depth + 1);
    case 'and':
      return orderedKeys(key, depth).every((k) => matchesAt(k, message, context, depth + 1));
    default: {
      const unknown: never = key;
      void unknown;
      return false;
    }
  }
}

/** Whether `message` matches `key` (RFC 9051 §6.4.4). */
export function matches(key: SearchKey, message: SearchableMessage, context: SearchContext): boolean {
  return matchesAt(key, message, context, 0);
}

export interface SearchHits {
  /** The matching messages, in sequence order. */
  readonly messages: readonly SearchableMessage[];
  readonly seqs: readonly number[];
  readonly uids: readonly number[];
}

/** The messages matching `key`, in sequence order, with their sequence numbers and UIDs. */
export function searchIds(messages: readonly SearchableMessage[], key: SearchKey, context: SearchContext): SearchHits {
  const hits = messages.filter((message) => matches(key, message, context)).sort((a, b) => a.seq - b.seq);
  return { messages: hits, seqs: hits.map((m) => m.seq), uids: hits.map((m) => m.uid) };
}

/** RFC 7162 §3.1.5: whether the key uses MODSEQ (then SEARCH/SORT results carry MODSEQ). */
export function containsModSeq(key: SearchKey): boolean {
  const pending: SearchKey[] = [key];
  for (let k = pending.pop(); k !== undefined; k = pending.pop()) {
    if (k.kind === 'modseq') return true;
    if (k.kind === 'not') pending.push(k.key);
    else if (k.kind === 'or') pending.push(k.left, k.right);
    else if (k.kind === 'and') for (const inner of k.keys) pending.push(inner);
  }
  return false;
}
