// imaptest's reply matching (test-exec.c: test_expand_input, test_imap_match_args,
// test_imap_match_list, test_expand_all), ported as is:
// - strings compare case-insensitively (ASCII), as C strings (up to the first NUL);
// - `$name` / `${name}` is bound from the server's text on first use (up to the next
//   expected character) and compared, case-sensitively, afterwards; `$` alone matches
//   anything (a whole list too), `$]` skips atoms up to one holding "]"; `$N` is message N's
//   current sequence number after EXPUNGEs seen in this command group; `${case:text}` makes
//   the comparison case-sensitive; `$modseqN` must grow at least by the gap in N;
// - lists are ordered unless `$!unordered[=n]` (chains of n, extras allowed unless
//   `$!noextra`, `$!ignore=x` / `$!ban=x` refine that);
// - OK/NO/BAD/BYE replies and tagged replies match as a prefix (the last expected argument
//   is a prefix of the received one; text after it is ignored).
// Input not trusted: server replies; nothing here throws on them.

import { astringOf, atomOf, type ImapArg } from './args.ts';

/** "Matched everything" (imaptest's UINT_MAX); other results count matched arguments. */
export const FULL = Number.MAX_SAFE_INTEGER;

export interface MatchState {
  readonly vars: Map<string, string>;
  /** Variables bound while matching the current untagged reply (reverted if it fails). */
  added: string[];
  /** Initial sequence number - 1 -> current sequence (0 once expunged), per command group. */
  seqmap: number[];
  highestModseqIdx: number;
  highestModseq: bigint;
}

export function newMatchState(vars: Iterable<[string, string]>): MatchState {
  return { vars: new Map(vars), added: [], seqmap: [], highestModseqIdx: 0, highestModseq: 0n };
}

const isVarChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);
/** A C string: up to the first NUL. */
export const cstr = (s: string): string => {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
};
export const upperAscii = (s: string): string => s.replace(/[a-z]+/g, (m) => m.toUpperCase());
const charAt = (s: string, i: number): string => s[i] ?? '\0';

function relativeSeq(st: MatchState, seq: number): string {
  if (seq === 0) return '<zero seq>';
  if (seq > st.seqmap.length) return '<out of range>';
  const current = st.seqmap[seq - 1] ?? 0;
  return current === 0 ? '<expunged>' : String(current);
}

const asUint32 = (name: string): number | undefined =>
  /^[0-9]+$/.test(name) && Number(name) <= 0xffffffff ? Number(name) : undefined;

function newModseq(st: MatchState, idx: number, text: string): string {
  if (!/^[0-9]+$/.test(text)) return '$modseq-not-number';
  let value = BigInt(text);
  if (st.highestModseqIdx > idx) return '$modseq-order-mismatch';
  const atLeast = st.highestModseq + BigInt(idx - st.highestModseqIdx);
  let result = text;
  if (value < atLeast) {
    result = `$modseq-at-least-${atLeast}`;
    value = atLeast;
  }
  st.highestModseqIdx = idx;
  st.highestModseq = value;
  return result;
}

/** test_expand_input: expands `str` against `input`, binding unset variables. */
export function expandInput(st: MatchState, str: string, input: string): { output: string; icase: boolean } | null {
  let icase = true;
  let output = '';
  let s = 0;
  let ip = 0;
  while (s < str.length) {
    if (str[s] !== '$' || str[s + 1] === '$') {
      if (str[s] === '$') s++;
      const want = charAt(str, s);
      if (upperAscii(want) !== upperAscii(charAt(input, ip))) return null;
      ip++;
      output += want;
      s++;
      continue;
    }
    s++;
    let name: string;
    if (str[s] === '{') {
      const close = str.indexOf('}', s + 1);
      if (close < 0) return { output: '', icase };
      name = str.slice(s + 1, close);
      s = close + 1;
    } else {
      let p = s;
      while (isVarChar(str[p])) p++;
      name = str.slice(s, p);
      s = p;
    }
    let value: string;
    const seq = asUint32(name);
    if (seq !== undefined) {
      value = relativeSeq(st, seq);
    } else if (name.startsWith('case:')) {
      icase = false;
      value = name.slice(5);
    } else {
      const bound = name === '' ? undefined : st.vars.get(name);
      if (bound !== undefined) {
        value = bound;
      } else {
        // Bind up to the next character the pattern expects (only its first one is used).
        let next = str.slice(s);
        let nextIcase = true;
        if (str[s] === '$') {
          const inner = expandInput(st, str.slice(s), input.slice(ip));
          next = inner?.output ?? '';
          nextIcase = inner?.icase ?? true;
        }
        const target = charAt(next, 0);
        let p = ip;
        while (p < input.length && (nextIcase ? upperAscii(input[p] ?? '') !== upperAscii(target) : input[p] !== target)) p++;
        value = input.slice(ip, p);
        const modseq = /^modseq([0-9]+)$/.exec(name);
        if (name === '') {
          // "$" matches anything and binds nothing
        } else if (modseq && asUint32(modseq[1] ?? '') !== undefined) {
          value = newModseq(st, Number(modseq[1]), value);
          st.vars.set(name, value);
        } else {
          st.vars.set(name, value);
          st.added.push(name);
        }
      }
    }
    output += value;
    for (const ch of value) {
      if (charAt(input, ip) !== ch) return null;
      ip++;
    }
  }
  return { output, icase };
}

/** test_imap_match_args: FULL when `match` matches `args`, else how many arguments matched. */
export function matchArgs(st: MatchState, match: readonly ImapArg[], args: readonly ImapArg[], max: number, prefix: boolean): number {
  let ret = 0;
  let mi = 0;
  let ai = 0;
  for (; mi < match.length && max > 0; mi++, ai++, max--) {
    const m = match[mi];
    if (!m) break;
    if (m.type === 'nil') {
      if (args[ai]?.type !== 'nil') return ret;
    } else if (m.type === 'list') {
      const a = args[ai];
      if (a?.type !== 'list') return ret;
      const sub = matchList(st, m.items, a.items);
      if (sub !== FULL) return ret + sub;
    } else {
      const pattern = cstr(m.value);
      if (pattern === '$' && args[ai]?.type === 'list') {
        // "$" skips over a list
      } else if (pattern === '$]') {
        for (let atom = atomOf(args[ai]); atom !== undefined && !cstr(atom).includes(']'); atom = atomOf(args[ai])) ai++;
      } else {
        const received = astringOf(args[ai]);
        if (received === undefined) return ret;
        const astr = cstr(received);
        const expanded = expandInput(st, pattern, astr);
        if (!expanded) return ret;
        const mstr = expanded.output;
        const lastPrefix = prefix && mi === match.length - 1;
        const a = expanded.icase ? upperAscii(astr) : astr;
        const b = expanded.icase ? upperAscii(mstr) : mstr;
        if (lastPrefix ? !a.startsWith(b) : a !== b) return ret;
      }
    }
    ret++;
  }
  if (prefix || ai >= args.length || max === 0) return FULL;
  return ret;
}

/** test_imap_match_list: applies the list's `$!` directives. */
export function matchList(st: MatchState, match: readonly ImapArg[], args: readonly ImapArg[]): number {
  let unordered = false;
  let chain = 1;
  let noextra = -1;
  const ignores: string[] = [];
  const bans: string[] = [];
  let k = 0;
  for (let atom = atomOf(match[k]); atom !== undefined && atom.startsWith('$!'); atom = atomOf(match[++k])) {
    const body = atom.slice(2);
    if (body.startsWith('unordered')) {
      unordered = true;
      if (noextra === -1) noextra = 0;
      if (body[9] === '=') chain = Number.parseInt(body.slice(10), 10) || 0;
    } else if (body === 'ordered') unordered = false;
    else if (body === 'extra') noextra = 0;
    else if (body === 'noextra') noextra = 1;
    else if (body.startsWith('ignore=')) ignores.push(body.slice(7));
    else if (body.startsWith('ban=')) bans.push(body.slice(4));
  }
  if (noextra === -1) noextra = 1;
  const rest = match.slice(k);
  if (!unordered) return matchArgs(st, rest, args, FULL, false);
  if (chain <= 0 || args.length % chain !== 0) return 0;
  const matched = new Array<boolean>(args.length).fill(false);
  let ret = 0;
  for (let m = 0; m < rest.length; m += chain, ret++) {
    let i = 0;
    for (; i < args.length; i += chain) {
      if (matchArgs(st, rest.slice(m), args.slice(i), chain, false) === FULL) {
        matched[i] = true;
        break;
      }
    }
    if (i >= args.length) return ret;
  }
  const unmatchedIn = (list: readonly string[]): boolean[] =>
    args.map((arg, i) => {
      if (i % chain !== 0 || matched[i]) return false;
      const value = astringOf(arg);
      if (value === undefined) return false;
      return list.some((entry) => upperAscii(cstr(entry)) === upperAscii(cstr(value)));
    });
  if (noextra > 0) {
    const ignored = unmatchedIn(ignores);
    for (let i = 0; i < args.length; i += chain) {
      if (matched[i] || astringOf(args[i]) === undefined) continue;
      if (!ignored[i]) return ret;
    }
  } else if (bans.length > 0) {
    if (unmatchedIn(bans).some((banned) => banned)) return ret;
  }
  return FULL;
}

/** test_expand_all: expands variables in a command (or a reply, for reports). */
export function expandAll(st: MatchState, line: string, skipUninitialized: boolean): { text: string; error?: string } {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const c = line[i] ?? '';
    if (c !== '$' || i === line.length - 1) {
      out += c;
      i++;
      continue;
    }
    i++;
    if (line[i] === '$') {
      out += '$';
      i++;
    } else if (line[i] === '!') {
      while (i + 1 < line.length && line[i + 1] !== ' ') i++;
      i++;
    } else {
      let name: string;
      if (line[i] === '{') {
        const close = line.indexOf('}', i + 1);
        if (close < 0) return { text: out, error: "Missing '}'" };
        name = line.slice(i + 1, close);
        i = close + 1;
      } else {
        let p = i;
        while (isVarChar(line[p])) p++;
        name = line.slice(i, p);
        i = p;
      }
      const seq = asUint32(name);
      let value = seq !== undefined ? relativeSeq(st, seq) : st.vars.get(name);
      if (value === undefined) {
        if (!skipUninitialized) return { text: out, error: `Uninitialized variable: ${name}` };
        value = '$';
      }
      out += value;
    }
  }
  return { text: out };
}
