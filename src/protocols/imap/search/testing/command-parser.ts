// Test support: a tiny parser for the SEARCH, SORT and THREAD command lines of the imaptest
// scripts, into the AST of wire/types.ts. Not the real wire parser (written separately, with its
// own tests): no literals, no charsets, and it throws Unsupported on anything it does not know,
// which the runner reports as a case it could not run. Input: trusted test fixtures.
// Standards: RFC 9051 §6.4.4 / §9, RFC 4731 §3.1, RFC 5256 §5, RFC 9394 §3.1, RFC 7162 §3.1.5.

import type { SearchKey, SearchReturn, SequenceSet, SortCriterion, SortKey } from '../../wire/types.ts';

export class Unsupported extends Error {}

export type Item = { readonly kind: 'atom' | 'string'; readonly text: string } | { readonly kind: 'list'; readonly items: Item[] };

/** Command arguments: atoms, quoted strings (unescaped) and parenthesised lists. */
export function parseItems(text: string): Item[] {
  const root: Item[] = [];
  const stack: Item[][] = [root];
  const re = /"((?:[^"\\]|\\.)*)"|[()]|[^\s()"]+/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const top = stack[stack.length - 1] ?? root;
    if (m[0] === '(') {
      const list: Item[] = [];
      top.push({ kind: 'list', items: list });
      stack.push(list);
    } else if (m[0] === ')') {
      if (stack.length === 1) throw new Unsupported('unbalanced )');
      stack.pop();
    } else if (m[1] !== undefined) {
      top.push({ kind: 'string', text: m[1].replace(/\\(.)/g, '$1') });
    } else {
      top.push({ kind: 'atom', text: m[0] });
    }
  }
  return root;
}

export function text(item: Item | undefined): string {
  if (item === undefined || item.kind === 'list') throw new Unsupported('expected an atom or string');
  return item.text;
}

export function list(item: Item | undefined): Item[] {
  if (item === undefined || item.kind !== 'list') throw new Unsupported('expected a list');
  return item.items;
}

/** RFC 9051 §9 sequence-set, `*` as Infinity, `$` as the saved result. */
export function parseSet(value: string): SequenceSet {
  if (value === '$') return { kind: 'saved' };
  if (!/^[\d*:,]+$/.test(value)) throw new Unsupported(`not a sequence set: ${value}`);
  const number = (s: string) => (s === '*' ? Infinity : Number(s));
  return {
    kind: 'set',
    ranges: value.split(',').map((part) => {
      const [from = '', to = from] = part.split(':');
      return { from: number(from), to: number(to) };
    }),
  };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function parseDate(value: string): string {
  const m = /^(\d{1,2})-([a-z]{3})-(\d{4})$/i.exec(value);
  const month = MONTHS.indexOf((m?.[2] ?? '').toLowerCase());
  if (!m || month < 0) throw new Unsupported(`bad date ${value}`);
  return `${m[3]}-${String(month + 1).padStart(2, '0')}-${(m[1] ?? '').padStart(2, '0')}`;
}

const FLAG_KEYS = new Map<string, readonly [string, boolean]>([
  ['ANSWERED', ['\\Answered', true]], ['UNANSWERED', ['\\Answered', false]],
  ['DELETED', ['\\Deleted', true]], ['UNDELETED', ['\\Deleted', false]],
  ['DRAFT', ['\\Draft', true]], ['UNDRAFT', ['\\Draft', false]],
  ['FLAGGED', ['\\Flagged', true]], ['UNFLAGGED', ['\\Flagged', false]],
  ['SEEN', ['\\Seen', true]], ['UNSEEN', ['\\Seen', false]],
]);
const HEADER_KEYS = new Map([['BCC', 'Bcc'], ['CC', 'Cc'], ['FROM', 'From'], ['SUBJECT', 'Subject'], ['TO', 'To']]);
const DATE_KEYS = new Map<string, readonly ['internal' | 'sent' | 'save', 'before' | 'on' | 'since']>([
  ['BEFORE', ['internal', 'before']], ['ON', ['internal', 'on']], ['SINCE', ['internal', 'since']],
  ['SENTBEFORE', ['sent', 'before']], ['SENTON', ['sent', 'on']], ['SENTSINCE', ['sent', 'since']],
  ['SAVEDBEFORE', ['save', 'before']], ['SAVEDON', ['save', 'on']], ['SAVEDSINCE', ['save', 'since']],
]);

function parseKey(items: readonly Item[], at: number): [SearchKey, number] {
  const item = items[at];
  if (item === undefined) throw new Unsupported('missing search key');
  if (item.kind === 'list') return [parseKeys(item.items), at + 1];
  const name = item.text.toUpperCase();
  const flag = FLAG_KEYS.get(name);
  if (flag) return [{ kind: 'flag', flag: flag[0], set: flag[1] }, at + 1];
  const header = HEADER_KEYS.get(name);
  if (header) return [{ kind: 'header', field: header, value: text(items[at + 1]) }, at + 2];
  const date = DATE_KEYS.get(name);
  if (date) return [{ kind: 'date', which: date[0], op: date[1], date: parseDate(text(items[at + 1])) }, at + 2];
  switch (name) {
    case 'ALL':
      return [{ kind: 'all' }, at + 1];
    case 'NEW':
      return [{ kind: 'new' }, at + 1];
    case 'OLD':
      return [{ kind: 'old' }, at + 1];
    case 'RECENT':
      return [{ kind: 'recent', set: true }, at + 1];
    case 'SAVEDATESUPPORTED':
      return [{ kind: 'savedatesupported' }, at + 1];
    case 'KEYWORD':
    case 'UNKEYWORD':
      return [{ kind: 'flag', flag: text(items[at + 1]), set: name === 'KEYWORD' }, at + 2];
    case 'HEADER':
      return [{ kind: 'header', field: text(items[at + 1]), value: text(items[at + 2]) }, at + 3];
    case 'BODY':
    case 'TEXT':
      return [{ kind: name === 'BODY' ? 'body' : 'text', value: text(items[at + 1]) }, at + 2];
    case 'LARGER':
    case 'SMALLER':
      return [{ kind: 'size', op: name === 'LARGER' ? 'larger' : 'smaller', octets: Number(text(items[at + 1])) }, at + 2];
    case 'OLDER':
    case 'YOUNGER':
      return [{ kind: 'within', op: name === 'OLDER' ? 'older' : 'younger', seconds: Number(text(items[at + 1])) }, at + 2];
    case 'UID':
      return [{ kind: 'uid', set: parseSet(text(items[at + 1])) }, at + 2];
    case 'EMAILID':
    case 'THREADID':
      return [{ kind: name === 'EMAILID' ? 'emailid' : 'threadid', id: text(items[at + 1]) }, at + 2];
    case 'NOT': {
      const [key, next] = parseKey(items, at + 1);
      return [{ kind: 'not', key }, next];
    }
    case 'OR': {
      const [left, middle] = parseKey(items, at + 1);
      const [right, next] = parseKey(items, middle);
      return [{ kind: 'or', left, right }, next];
    }
    case 'MODSEQ': {
      const next = items[at + 1];
      if (next?.kind === 'string') {
        const type = text(items[at + 2]).toLowerCase();
        if (type !== 'priv' && type !== 'shared' && type !== 'all') throw new Unsupported(`entry type ${type}`);
        return [{ kind: 'modseq', modSeq: Number(text(items[at + 3])), entry: { name: next.text, type } }, at + 4];
      }
      return [{ kind: 'modseq', modSeq: Number(text(next)) }, at + 2];
    }
    default:
      return [{ kind: 'sequence', set: parseSet(item.text) }, at + 1];
  }
}

/** A list of search keys (an implicit AND). */
export function parseKeys(items: readonly Item[]): SearchKey {
  const keys: SearchKey[] = [];
  for (let at = 0; at < items.length; ) {
    const [key, next] = parseKey(items, at);
    keys.push(key);
    at = next;
  }
  if (keys.length === 0) throw new Unsupported('no search keys');
  return keys.length === 1 && keys[0] !== undefined ? keys[0] : { kind: 'and', keys };
}

/** RFC 4731 §3.1 / RFC 9394 §3.1 return options. */
export function parseReturn(items: readonly Item[]): SearchReturn {
  const ret: { min?: true; max?: true; all?: true; count?: true; save?: true; partial?: { from: number; to: number } } = {};
  for (let i = 0; i < items.length; i++) {
    const name = text(items[i]).toUpperCase();
    if (name === 'MIN') ret.min = true;
    else if (name === 'MAX') ret.max = true;
    else if (name === 'ALL') ret.all = true;
    else if (name === 'COUNT') ret.count = true;
    else if (name === 'SAVE') ret.save = true;
    else if (name === 'PARTIAL') {
      const m = /^(-?\d+):(-?\d+)$/.exec(text(items[++i]));
      if (!m) throw new Unsupported('bad PARTIAL range');
      ret.partial = { from: Number(m[1]), to: Number(m[2]) };
    } else throw new Unsupported(`return option ${name}`);
  }
  return ret;
}

const SORT_KEYS: readonly SortKey[] = ['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO'];

/** RFC 5256 §5 sort-criteria. */
export function parseCriteria(items: readonly Item[]): SortCriterion[] {
  const criteria: SortCriterion[] = [];
  for (let i = 0; i < items.length; i++) {
    let name = text(items[i]).toUpperCase();
    const reverse = name === 'REVERSE';
    if (reverse) name = text(items[++i]).toUpperCase();
    const key = SORT_KEYS.find((k) => k === name);
    if (key === undefined) throw new Unsupported(`sort key ${name}`);
    criteria.push({ key, reverse });
  }
  return criteria;
}
