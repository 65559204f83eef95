// Search programs (SEARCH, and the criteria of SORT and THREAD) and ESEARCH return options, into
// the SearchKey tree of types.ts. Strings are decoded with the CHARSET given (an unknown charset is
// NO [BADCHARSET], RFC 9051 §6.4.4), else as UTF-8. Input it does not trust: the command octets
// read through the Cursor; the depth of the tree is bounded (MAX_SEARCH_DEPTH).
//
// Standards: RFC 9051 §6.4.4 and §9 (search-program, search-key, charset, search-return-opts),
// RFC 3501 §6.4.4 (NEW, OLD, RECENT), RFC 4731 §3.1 (MIN MAX ALL COUNT; "RETURN ()" means ALL),
// RFC 5182 §2 (SAVE, "$"), RFC 9394 §3.1 (PARTIAL), RFC 7162 §3.1.5 (MODSEQ), RFC 5032 §3 (OLDER,
// YOUNGER), RFC 8514 §4 (SAVEDBEFORE/ON/SINCE, SAVEDATESUPPORTED), RFC 8474 §6 (EMAILID,
// THREADID objectid), RFC 4466 §2.6 (search extensions syntax).

import { asciiUpper, DQUOTE, isAlpha, isAtomChar, isDigit, shown, SP } from './chars.ts';
import type { Cursor } from './cursor.ts';
import { parseSearchDate } from './dates.ts';
import { MAX_SEARCH_DEPTH } from './limits.ts';
import { parseSequenceSet } from './sequence.ts';
import type { SearchKey, SearchReturn } from './types.ts';

const OPEN = 0x28;
const CLOSE = 0x29;

// RFC 9051 §6.4.4 flag keys.
const FLAG_KEYS: ReadonlyMap<string, { readonly flag: string; readonly set: boolean }> = new Map([
  ['ANSWERED', { flag: '\\Answered', set: true }],
  ['UNANSWERED', { flag: '\\Answered', set: false }],
  ['DELETED', { flag: '\\Deleted', set: true }],
  ['UNDELETED', { flag: '\\Deleted', set: false }],
  ['DRAFT', { flag: '\\Draft', set: true }],
  ['UNDRAFT', { flag: '\\Draft', set: false }],
  ['FLAGGED', { flag: '\\Flagged', set: true }],
  ['UNFLAGGED', { flag: '\\Flagged', set: false }],
  ['SEEN', { flag: '\\Seen', set: true }],
  ['UNSEEN', { flag: '\\Seen', set: false }],
]);

// RFC 9051 §6.4.4: BCC, CC, FROM, SUBJECT, TO search the header field of that name.
const HEADER_KEYS: ReadonlyMap<string, string> = new Map([
  ['BCC', 'Bcc'],
  ['CC', 'Cc'],
  ['FROM', 'From'],
  ['SUBJECT', 'Subject'],
  ['TO', 'To'],
]);

type DateKey = { readonly which: 'internal' | 'sent' | 'save'; readonly op: 'before' | 'on' | 'since' };
// RFC 9051 §6.4.4 (internal date, Date: header) and RFC 8514 §4 (save date).
const DATE_KEYS: ReadonlyMap<string, DateKey> = new Map([
  ['BEFORE', { which: 'internal', op: 'before' }],
  ['ON', { which: 'internal', op: 'on' }],
  ['SINCE', { which: 'internal', op: 'since' }],
  ['SENTBEFORE', { which: 'sent', op: 'before' }],
  ['SENTON', { which: 'sent', op: 'on' }],
  ['SENTSINCE', { which: 'sent', op: 'since' }],
  ['SAVEDBEFORE', { which: 'save', op: 'before' }],
  ['SAVEDON', { which: 'save', op: 'on' }],
  ['SAVEDSINCE', { which: 'save', op: 'since' }],
]);

/** RFC 8474 §5.1 objectid = 1*255(ALPHA / DIGIT / "_" / "-"). */
const isObjectIdChar = (byte: number) => isAlpha(byte) || isDigit(byte) || byte === 0x5f || byte === 0x2d;

export interface SearchCriteria {
  /** Upper-cased; absent when the SEARCH had no CHARSET. */
  readonly charset?: string;
  readonly key: SearchKey;
}

/**
 * RFC 9051 §9 search-program (`charsetRequired`: false) or RFC 5256 §5 search-criteria
 * (`charsetRequired`: true, as SORT and THREAD take a charset before the keys). Reads to the end.
 */
export function parseSearchCriteria(c: Cursor, charsetRequired: boolean): SearchCriteria {
  let charset: string | undefined;
  if (charsetRequired) {
    charset = parseCharset(c);
    c.sp();
  } else if (asciiUpper(c.peekWord(isAtomChar)) === 'CHARSET') {
    c.atom();
    c.sp();
    charset = parseCharset(c);
    c.sp();
  }
  const decode = charset === undefined ? (bytes: Uint8Array) => c.decode(bytes) : charsetDecoder(c, charset);
  const keys = parseKeys(c, decode, 1);
  c.end();
  const key = keys.length === 1 && keys[0] !== undefined ? keys[0] : ({ kind: 'and', keys } as const);
  return charset === undefined ? { key } : { charset, key };
}

/** RFC 9051 §9 charset = atom / quoted. */
function parseCharset(c: Cursor): string {
  const name = c.peek() === DQUOTE ? c.decode(c.quoted()) : c.atom('a charset');
  return asciiUpper(name);
}

function charsetDecoder(c: Cursor, charset: string): (bytes: Uint8Array) => string {
  if (charset === 'UTF-8' || charset === 'US-ASCII') return (bytes) => c.decode(bytes);
  let decoder: { decode(bytes: Uint8Array): string };
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    // RFC 9051 §6.4.4: an unsupported charset is a tagged NO with BADCHARSET, not BAD.
    return c.failWith({ status: 'NO', code: 'BADCHARSET', text: `${c.context}: charset ${shown(charset)} is not supported` });
  }
  return (bytes) => {
    try {
      return decoder.decode(bytes);
    } catch {
      return c.fail(`a string is not valid ${shown(charset)}`);
    }
  };
}

type Decode = (bytes: Uint8Array) => string;

function parseKeys(c: Cursor, decode: Decode, depth: number): SearchKey[] {
  const keys = [parseKey(c, decode, depth)];
  while (c.take(SP)) keys.push(parseKey(c, decode, depth));
  return keys;
}

function parseKey(c: Cursor, decode: Decode, depth: number): SearchKey {
  if (depth > MAX_SEARCH_DEPTH) c.fail(`search program nested deeper than ${MAX_SEARCH_DEPTH} levels`, 'LIMIT');
  const first = c.peek();
  if (first === OPEN) {
    c.take(OPEN);
    const keys = parseKeys(c, decode, depth + 1);
    c.expect(CLOSE, '")" after the search keys');
    return keys.length === 1 && keys[0] !== undefined ? keys[0] : { kind: 'and', keys };
  }
  if (isDigit(first) || first === 0x2a || first === 0x24) return { kind: 'sequence', set: parseSequenceSet(c) };
  const name = c.keyword('a search key');
  const flag = FLAG_KEYS.get(name);
  if (flag !== undefined) return { kind: 'flag', flag: flag.flag, set: flag.set };
  const header = HEADER_KEYS.get(name);
  if (header !== undefined) return { kind: 'header', field: header, value: argument(c, decode) };
  const date = DATE_KEYS.get(name);
  if (date !== undefined) {
    c.sp();
    return { kind: 'date', which: date.which, op: date.op, date: parseSearchDate(c) };
  }
  switch (name) {
    case 'ALL':
      return { kind: 'all' };
    case 'NEW':
      return { kind: 'new' };
    case 'OLD':
      return { kind: 'old' };
    case 'RECENT':
      return { kind: 'recent', set: true };
    case 'SAVEDATESUPPORTED':
      return { kind: 'savedatesupported' };
    case 'KEYWORD':
    case 'UNKEYWORD':
      c.sp();
      return { kind: 'flag', flag: c.atom('a keyword'), set: name === 'KEYWORD' };
    case 'HEADER': {
      const field = argument(c, decode);
      return { kind: 'header', field, value: argument(c, decode) };
    }
    case 'BODY':
      return { kind: 'body', value: argument(c, decode) };
    case 'TEXT':
      return { kind: 'text', value: argument(c, decode) };
    case 'LARGER':
    case 'SMALLER':
      c.sp();
      return { kind: 'size', op: name === 'LARGER' ? 'larger' : 'smaller', octets: c.number64() };
    case 'OLDER':
    case 'YOUNGER':
      c.sp();
      return { kind: 'within', op: name === 'OLDER' ? 'older' : 'younger', seconds: c.nzNumber() };
    case 'UID':
      c.sp();
      return { kind: 'uid', set: parseSequenceSet(c) };
    case 'NOT':
      c.sp();
      return { kind: 'not', key: parseKey(c, decode, depth + 1) };
    case 'OR': {
      c.sp();
      const left = parseKey(c, decode, depth + 1);
      c.sp();
      return { kind: 'or', left, right: parseKey(c, decode, depth + 1) };
    }
    case 'MODSEQ':
      return parseModSeq(c);
    case 'EMAILID':
    case 'THREADID': {
      c.sp();
      const id = c.word(isObjectIdChar);
      if (id.length < 1 || id.length > 255) c.fail('expected an object id (RFC 8474 §5.1)');
      return { kind: name === 'EMAILID' ? 'emailid' : 'threadid', id };
    }
    default:
      return c.fail(`unknown search key ${shown(name)}`);
  }
}

function argument(c: Cursor, decode: Decode): string {
  c.sp();
  return decode(c.astringBytes());
}

/** RFC 7162 §3.1.5: "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer. */
function parseModSeq(c: Cursor): SearchKey {
  c.sp();
  if (c.peek() !== DQUOTE) return { kind: 'modseq', modSeq: c.number64() };
  // entry-flag-name = DQUOTE "/flags/" attr-flag DQUOTE, with quoted-string escapes.
  const name = c.decode(c.quoted());
  if (!/^\/flags\/\\?[\x21-\x7e]+$/i.test(name)) c.fail('MODSEQ entry name must be "/flags/<flag>" (RFC 7162 §3.1.5)');
  c.sp();
  const type = c.keyword('an entry type (priv, shared or all)');
  if (type !== 'PRIV' && type !== 'SHARED' && type !== 'ALL') c.fail('MODSEQ entry type must be priv, shared or all');
  c.sp();
  const entryType = type === 'PRIV' ? 'priv' : type === 'SHARED' ? 'shared' : 'all';
  return { kind: 'modseq', modSeq: c.number64(), entry: { name, type: entryType } };
}

type MutableReturn = { -readonly [K in keyof SearchReturn]: SearchReturn[K] };

/**
 * RFC 9051 §9 search-return-opts after the RETURN keyword: SP "(" [opt *(SP opt)] ")". An empty
 * list means ALL (RFC 4731 §3.1). Unknown options are BAD (RFC 4466 §2.6.1).
 */
export function parseSearchReturn(c: Cursor): SearchReturn {
  c.sp();
  c.expect(OPEN, '"(" after RETURN');
  const options: MutableReturn = {};
  if (c.take(CLOSE)) return { all: true };
  do {
    const name = c.keyword('a return option');
    switch (name) {
      case 'MIN':
        options.min = true;
        break;
      case 'MAX':
        options.max = true;
        break;
      case 'ALL':
        options.all = true;
        break;
      case 'COUNT':
        options.count = true;
        break;
      case 'SAVE':
        options.save = true;
        break;
      case 'PARTIAL':
        c.sp();
        options.partial = parsePartialRange(c);
        break;
      default:
        c.fail(`unknown return option ${shown(name)}`);
    }
  } while (c.take(SP));
  c.expect(CLOSE, '")" after the return options');
  return options;
}

/**
 * RFC 9394 §3.1 partial-range = partial-range-first / partial-range-last: "1:100" (first
 * results) or "-1:-100" (last results); the two ends in either order, no "*". Returned with
 * |from| <= |to|.
 */
function parsePartialRange(c: Cursor): { readonly from: number; readonly to: number } {
  const last = c.take(0x2d);
  const first = c.nzNumber();
  c.expect(0x3a, '":" in the PARTIAL range');
  if (c.take(0x2d) !== last) c.fail('a PARTIAL range has two positive or two negative ends');
  const second = c.nzNumber();
  const [low, high] = first <= second ? [first, second] : [second, first];
  return last ? { from: -low, to: -high } : { from: low, to: high };
}
