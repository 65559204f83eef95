// Message flags as stored: the five IMAP system flags as a bit mask (cheap to count and search),
// keywords as a space-separated list. Flag names are untrusted client input.
//
// RFC 9051 §2.3.2: system flags begin with "\" and are matched case-insensitively; keywords are
// atoms (§9 flag-keyword = atom) and are compared case-insensitively here, as Dovecot does.
// \Recent (RFC 3501 only) is session state, never stored.

import { SYSTEM_FLAGS, type SystemFlag } from './api.ts';

export const FLAG_BITS: Readonly<Record<SystemFlag, number>> = {
  '\\Seen': 1,
  '\\Answered': 2,
  '\\Flagged': 4,
  '\\Deleted': 8,
  '\\Draft': 16,
};
export const SEEN_BIT = FLAG_BITS['\\Seen'];
export const DELETED_BIT = FLAG_BITS['\\Deleted'];

/** Longest keyword accepted, in octets. */
export const MAX_KEYWORD_LENGTH = 128;
/** Most keywords on one message. */
export const MAX_KEYWORDS_PER_MESSAGE = 64;

// RFC 9051 §9: ATOM-CHAR = any CHAR except atom-specials ( "(" / ")" / "{" / SP / CTL /
// list-wildcards / quoted-specials / resp-specials ).
const KEYWORD = /^[\x21\x23-\x24\x26-\x27\x2b-\x5b\x5e-\x7a\x7c-\x7e]+$/;

const SYSTEM_BY_LOWER = new Map<string, SystemFlag>(SYSTEM_FLAGS.map((flag) => [flag.toLowerCase(), flag]));

export interface StoredFlags {
  readonly bits: number;
  readonly keywords: readonly string[];
}

/** Splits flag names into stored form; undefined when a name is not a valid flag. */
export function parseFlags(names: readonly string[]): StoredFlags | undefined {
  let bits = 0;
  const keywords = new Map<string, string>();
  for (const name of names) {
    if (name.startsWith('\\')) {
      const flag = SYSTEM_BY_LOWER.get(name.toLowerCase());
      if (!flag) return undefined;
      bits |= FLAG_BITS[flag];
    } else {
      if (!KEYWORD.test(name) || name.length > MAX_KEYWORD_LENGTH) return undefined;
      const lower = name.toLowerCase();
      if (!keywords.has(lower)) keywords.set(lower, name);
    }
  }
  if (keywords.size > MAX_KEYWORDS_PER_MESSAGE) return undefined;
  return { bits, keywords: [...keywords.values()] };
}

export function encodeKeywords(keywords: readonly string[]): string {
  return keywords.join(' ');
}

export function decodeKeywords(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}

export function flagNames(bits: number, keywords: string): string[] {
  const names: string[] = [];
  for (const flag of SYSTEM_FLAGS) if ((bits & FLAG_BITS[flag]) !== 0) names.push(flag);
  return names.concat(decodeKeywords(keywords));
}

/** Applies an add/remove/replace change; returns the new stored flags. */
export function applyFlagChange(current: StoredFlags, mode: 'add' | 'remove' | 'replace', change: StoredFlags): StoredFlags {
  switch (mode) {
    case 'replace':
      return change;
    case 'add': {
      const lower = new Set(current.keywords.map((k) => k.toLowerCase()));
      const added = change.keywords.filter((k) => !lower.has(k.toLowerCase()));
      const keywords = current.keywords.concat(added);
      return { bits: current.bits | change.bits, keywords };
    }
    case 'remove': {
      const removed = new Set(change.keywords.map((k) => k.toLowerCase()));
      return { bits: current.bits & ~change.bits, keywords: current.keywords.filter((k) => !removed.has(k.toLowerCase())) };
    }
  }
}

/** True when the flags stay within MAX_KEYWORDS_PER_MESSAGE (an add may cross it). */
export function withinKeywordLimit(flags: StoredFlags): boolean {
  return flags.keywords.length <= MAX_KEYWORDS_PER_MESSAGE;
}

export function sameFlags(a: StoredFlags, b: StoredFlags): boolean {
  if (a.bits !== b.bits || a.keywords.length !== b.keywords.length) return false;
  const lower = new Set(a.keywords.map((k) => k.toLowerCase()));
  return b.keywords.every((k) => lower.has(k.toLowerCase()));
}
