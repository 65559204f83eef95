// Which mailboxes a LIST or LSUB answers, with which attributes: the pattern rules of RFC 9051
// §6.3.9 ("*" matches anything, "%" anything but the hierarchy delimiter, INBOX matched
// case-insensitively), the reference argument of RFC 3501 §6.3.8, implied parents (\Noselect or
// \NonExistent), CHILDREN (RFC 3348), SPECIAL-USE (RFC 6154), and the LIST-EXTENDED selection
// and return options of RFC 5258 (SUBSCRIBED, RECURSIVEMATCH with CHILDINFO, SPECIAL-USE).
// Pure: it works on the account's mailbox names and subscriptions, already decoded.

import { HIERARCHY_DELIMITER } from '../../../storage/mailbox-name.ts';
import type { ListOptions } from '../wire/types.ts';

export interface MailboxEntry {
  readonly name: string;
  readonly specialUse: string | null;
}

export interface ListedMailbox {
  readonly name: string;
  readonly attributes: readonly string[];
  /** RFC 5258 §3.5 CHILDINFO ("SUBSCRIBED") for RECURSIVEMATCH. */
  readonly childInfo?: readonly string[];
  /** The mailbox exists and can be selected (LIST-STATUS answers only for these). */
  readonly selectable: boolean;
}

function compile(pattern: string): RegExp {
  const escaped = [...pattern]
    .map((char) => (char === '*' ? '.*' : char === '%' ? `[^${HIERARCHY_DELIMITER}]*` : char.replace(/[\\^$.|?+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${escaped}$`, 'su');
}

/**
 * Compiles an IMAP list pattern. INBOX is case-insensitive (RFC 9051 §5.1): for INBOX and its
 * children the first five characters of name and pattern are compared without case.
 */
export function patternMatcher(pattern: string): (name: string) => boolean {
  const exact = compile(pattern);
  const folded = compile(pattern.slice(0, 5).toLowerCase() + pattern.slice(5));
  return (name) => exact.test(name) || (/^INBOX(?=$|\/)/.test(name) && folded.test(`inbox${name.slice(5)}`));
}

/** RFC 3501 §6.3.8: the reference is prefixed to the pattern (a pattern starting with the delimiter stands alone). */
export function canonicalPattern(reference: string, pattern: string): string {
  if (reference === '' || pattern.startsWith(HIERARCHY_DELIMITER)) return pattern;
  return reference.endsWith(HIERARCHY_DELIMITER) ? reference + pattern : `${reference}${HIERARCHY_DELIMITER}${pattern}`;
}

function parents(name: string): string[] {
  const levels = name.split(HIERARCHY_DELIMITER);
  return levels.slice(1).map((_, i) => levels.slice(0, i + 1).join(HIERARCHY_DELIMITER));
}

export interface ListInput {
  readonly mailboxes: readonly MailboxEntry[];
  readonly subscriptions: readonly string[];
  readonly patterns: readonly string[];
  readonly options: ListOptions;
  /** LIST-EXTENDED was used (changes \Noselect to \NonExistent for missing parents). */
  readonly extended: boolean;
}

export function listMailboxes(input: ListInput): ListedMailbox[] {
  const matchers = input.patterns.map(patternMatcher);
  const matches = (name: string) => matchers.some((match) => match(name));
  const existing = new Map(input.mailboxes.map((m) => [m.name, m]));
  const subscribed = new Set(input.subscriptions);
  const select = new Set(input.options.select);
  const returns = new Set(input.options.return);
  const recursive = select.has('RECURSIVEMATCH');
  const hasChildren = new Set<string>();
  for (const name of existing.keys()) for (const parent of parents(name)) hasChildren.add(parent);

  // Candidate names: every mailbox, every implied parent, and (SUBSCRIBED) every subscription.
  const candidates = new Set<string>([...existing.keys(), ...hasChildren]);
  if (select.has('SUBSCRIBED')) for (const name of subscribed) candidates.add(name);
  // RFC 5258 §3.5: CHILDINFO marks a parent whose subscribed descendants the patterns do not
  // list themselves (a descendant that matches is listed on its own).
  const subscribedChildOf = new Set<string>();
  for (const name of subscribed) {
    if (matches(name)) continue;
    for (const parent of parents(name)) subscribedChildOf.add(parent);
  }

  const result: ListedMailbox[] = [];
  for (const name of [...candidates].sort(compareNames)) {
    if (!matches(name)) continue;
    const entry = existing.get(name);
    const isSubscribed = subscribed.has(name);
    let childInfo: string[] | undefined;
    if (select.has('SUBSCRIBED') && !isSubscribed) {
      // RFC 5258 §3.5: with RECURSIVEMATCH, a parent of a subscribed mailbox is listed with CHILDINFO.
      if (!(recursive && subscribedChildOf.has(name))) continue;
      childInfo = ['SUBSCRIBED'];
    }
    if (select.has('SPECIAL-USE') && !entry?.specialUse) continue;
    if (!entry && !hasChildren.has(name) && !isSubscribed) continue;
    const attributes: string[] = [];
    if (!entry) attributes.push(input.extended || select.has('SUBSCRIBED') ? '\\NonExistent' : '\\Noselect');
    if (returns.has('SUBSCRIBED') || select.has('SUBSCRIBED')) if (isSubscribed) attributes.push('\\Subscribed');
    if (entry || hasChildren.has(name)) attributes.push(hasChildren.has(name) ? '\\HasChildren' : '\\HasNoChildren');
    if (entry?.specialUse) attributes.push(entry.specialUse);
    result.push({ name, attributes, ...(childInfo ? { childInfo } : {}), selectable: entry !== undefined });
  }
  return result;
}

/**
 * LSUB (RFC 3501 §6.3.9): subscribed names matching the pattern; a "%" that stops at a parent
 * of subscribed names lists that parent with \Noselect when it is not subscribed itself.
 */
export function listSubscribed(subscriptions: readonly string[], existing: ReadonlySet<string>, pattern: string): ListedMailbox[] {
  const match = patternMatcher(pattern);
  const result = new Map<string, ListedMailbox>();
  const subscribed = new Set(subscriptions);
  for (const name of [...subscribed].sort(compareNames)) {
    if (match(name)) result.set(name, { name, attributes: [], selectable: existing.has(name) });
    for (const parent of parents(name)) {
      if (!subscribed.has(parent) && !result.has(parent) && match(parent) && pattern.endsWith('%')) {
        result.set(parent, { name: parent, attributes: ['\\Noselect'], selectable: false });
      }
    }
  }
  return [...result.values()].sort((a, b) => compareNames(a.name, b.name));
}

/** INBOX first, then code-point order. */
function compareNames(a: string, b: string): number {
  if (a === 'INBOX') return -1;
  if (b === 'INBOX') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
