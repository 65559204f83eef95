// FETCH and STORE arguments: fetch attributes (with sections and partials), the ALL/FAST/FULL
// macros, FETCH modifiers (CHANGEDSINCE, VANISHED), STORE modifiers (UNCHANGEDSINCE) and flag
// updates. Input it does not trust: the command octets read through the Cursor.
//
// Standards: RFC 9051 §6.4.5 and §9 (fetch, fetch-att, section, section-spec, section-part,
// header-list, partial), RFC 3501 §6.4.5 (RFC822, RFC822.HEADER, RFC822.TEXT), RFC 3516 §4.2
// (BINARY, BINARY.PEEK, BINARY.SIZE with section-binary), RFC 4466 §2.4-2.5 (fetch-modifiers,
// store-modifiers), RFC 7162 §3.1.3 (UNCHANGEDSINCE), §3.1.4.1 (CHANGEDSINCE), §3.2.6 (VANISHED:
// UID FETCH only, with CHANGEDSINCE), §3.1.4 (MODSEQ), RFC 8474 §5 (EMAILID, THREADID), RFC 8514
// §3 (SAVEDATE), RFC 9051 §6.4.6 (STORE: [+|-]FLAGS[.SILENT] with a flag list or flags).

import { asciiUpper, isAlpha, isDigit, shown, SP } from './chars.ts';
import type { Cursor } from './cursor.ts';
import type { FetchAttribute, FetchModifiers, Partial, Section, StoreModifiers } from './types.ts';

const OPEN = 0x28;
const CLOSE = 0x29;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const DOT = 0x2e;

const isNameChar = (byte: number) => isAlpha(byte) || isDigit(byte) || byte === DOT;

// RFC 9051 §6.4.5 macros.
const MACROS: ReadonlyMap<string, readonly FetchAttribute[]> = new Map([
  ['FAST', [{ kind: 'flags' }, { kind: 'internaldate' }, { kind: 'rfc822.size' }]],
  ['ALL', [{ kind: 'flags' }, { kind: 'internaldate' }, { kind: 'rfc822.size' }, { kind: 'envelope' }]],
  ['FULL', [{ kind: 'flags' }, { kind: 'internaldate' }, { kind: 'rfc822.size' }, { kind: 'envelope' }, { kind: 'body' }]],
]);

// Attributes that are a bare name.
const SIMPLE: ReadonlyMap<string, FetchAttribute> = new Map<string, FetchAttribute>([
  ['ENVELOPE', { kind: 'envelope' }],
  ['FLAGS', { kind: 'flags' }],
  ['INTERNALDATE', { kind: 'internaldate' }],
  ['RFC822.SIZE', { kind: 'rfc822.size' }],
  ['RFC822', { kind: 'rfc822' }],
  ['RFC822.HEADER', { kind: 'rfc822.header' }],
  ['RFC822.TEXT', { kind: 'rfc822.text' }],
  ['BODYSTRUCTURE', { kind: 'bodystructure' }],
  ['UID', { kind: 'uid' }],
  ['MODSEQ', { kind: 'modseq' }],
  ['EMAILID', { kind: 'emailid' }],
  ['THREADID', { kind: 'threadid' }],
  ['SAVEDATE', { kind: 'savedate' }],
]);

export interface FetchItems {
  readonly attributes: readonly FetchAttribute[];
  readonly macro?: 'ALL' | 'FAST' | 'FULL';
}

/** RFC 9051 §9: "ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")". */
export function parseFetchItems(c: Cursor): FetchItems {
  if (c.take(OPEN)) {
    const attributes = [parseFetchAttribute(c)];
    while (c.take(SP)) attributes.push(parseFetchAttribute(c));
    c.expect(CLOSE, '")" after the fetch attributes');
    return { attributes };
  }
  const name = asciiUpper(c.peekWord(isNameChar));
  const macro = MACROS.get(name);
  if (macro !== undefined) {
    c.word(isNameChar);
    return { attributes: macro, macro: name as 'ALL' | 'FAST' | 'FULL' };
  }
  return { attributes: [parseFetchAttribute(c)] };
}

function parseFetchAttribute(c: Cursor): FetchAttribute {
  const name = asciiUpper(c.word(isNameChar));
  if (name === '') return c.fail('expected a fetch attribute');
  const simple = SIMPLE.get(name);
  if (simple !== undefined) return simple;
  switch (name) {
    case 'BODY':
      if (c.peek() !== LBRACKET) return { kind: 'body' };
      return bodySection(c, false);
    case 'BODY.PEEK':
      return bodySection(c, true);
    case 'BINARY':
    case 'BINARY.PEEK': {
      const part = sectionBinary(c);
      const partial = parsePartial(c);
      const peek = name === 'BINARY.PEEK';
      return partial === undefined ? { kind: 'binary', part, peek } : { kind: 'binary', part, peek, partial };
    }
    case 'BINARY.SIZE':
      return { kind: 'binary.size', part: sectionBinary(c) };
    default:
      return c.fail(`unknown fetch attribute ${shown(name)}`);
  }
}

function bodySection(c: Cursor, peek: boolean): FetchAttribute {
  const section = parseSection(c);
  const partial = parsePartial(c);
  return partial === undefined ? { kind: 'body-section', section, peek } : { kind: 'body-section', section, peek, partial };
}

/** RFC 9051 §9 section = "[" [section-spec] "]". */
function parseSection(c: Cursor): Section {
  c.expect(LBRACKET, '"[" to open a section');
  if (c.take(RBRACKET)) return { part: [] };
  const part: number[] = [];
  if (isDigit(c.peek())) {
    part.push(c.nzNumber());
    while (c.take(DOT)) {
      if (!isDigit(c.peek())) {
        const section = sectionText(c, part, true);
        c.expect(RBRACKET, '"]" to close the section');
        return section;
      }
      part.push(c.nzNumber());
    }
    c.expect(RBRACKET, '"]" to close the section');
    return { part };
  }
  const section = sectionText(c, part, false);
  c.expect(RBRACKET, '"]" to close the section');
  return section;
}

/** RFC 9051 §9 section-msgtext, and "MIME" after a part number (section-text). */
function sectionText(c: Cursor, part: readonly number[], afterPart: boolean): Section {
  const text = asciiUpper(c.word(isNameChar));
  switch (text) {
    case 'HEADER':
    case 'TEXT':
      return { part, text };
    case 'MIME':
      if (!afterPart) c.fail('MIME needs a part number (RFC 9051 §6.4.5)');
      return { part, text };
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT': {
      c.sp();
      return { part, text, fields: headerList(c) };
    }
    default:
      return c.fail('expected HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT or MIME in the section');
  }
}

/** RFC 9051 §9 header-list = "(" header-fld-name *(SP header-fld-name) ")". */
function headerList(c: Cursor): string[] {
  c.expect(OPEN, '"(" to open the header field list');
  const fields = [c.astring('a header field name')];
  while (c.take(SP)) fields.push(c.astring('a header field name'));
  c.expect(CLOSE, '")" after the header field names');
  return fields;
}

/** RFC 3516 §4.2 / RFC 9051 §9 section-binary = "[" [section-part] "]". */
function sectionBinary(c: Cursor): number[] {
  c.expect(LBRACKET, '"[" to open the section');
  const part: number[] = [];
  if (!c.take(RBRACKET)) {
    part.push(c.nzNumber());
    while (c.take(DOT)) part.push(c.nzNumber());
    c.expect(RBRACKET, '"]" to close the section');
  }
  return part;
}

/** RFC 9051 §9 partial = "<" number64 "." nz-number64 ">". */
function parsePartial(c: Cursor): Partial | undefined {
  if (!c.take(0x3c)) return undefined;
  const offset = c.number64();
  c.expect(DOT, '"." in the partial range');
  const length = c.nzNumber64();
  c.expect(0x3e, '">" to close the partial range');
  return { offset, length };
}

/** RFC 4466 §2.4 fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")", read after the SP. */
export function parseFetchModifiers(c: Cursor, uid: boolean): FetchModifiers {
  c.expect(OPEN, '"(" to open the fetch modifiers');
  let changedSince: number | undefined;
  let vanished = false;
  do {
    const name = c.keyword('a fetch modifier');
    if (name === 'CHANGEDSINCE' && changedSince === undefined) {
      c.sp();
      // RFC 7162 §3.1.4.1 asks for mod-sequence-value (>= 1); 0 is accepted and means "any".
      changedSince = c.number64();
    } else if (name === 'VANISHED' && !vanished) {
      vanished = true;
    } else {
      c.fail(`unknown or repeated fetch modifier ${shown(name)}`);
    }
  } while (c.take(SP));
  c.expect(CLOSE, '")" after the fetch modifiers');
  if (vanished && !uid) c.fail('VANISHED is only allowed in UID FETCH (RFC 7162 §3.2.6)');
  if (vanished && changedSince === undefined) c.fail('VANISHED needs CHANGEDSINCE (RFC 7162 §3.2.6)');
  const modifiers: { changedSince?: number; vanished?: true } = {};
  if (changedSince !== undefined) modifiers.changedSince = changedSince;
  if (vanished) modifiers.vanished = true;
  return modifiers;
}

/** RFC 4466 §2.5 store-modifiers, read after the SP: only UNCHANGEDSINCE (RFC 7162 §3.1.3). */
export function parseStoreModifiers(c: Cursor): StoreModifiers {
  c.expect(OPEN, '"(" to open the store modifiers');
  let unchangedSince: number | undefined;
  do {
    const name = c.keyword('a store modifier');
    if (name !== 'UNCHANGEDSINCE' || unchangedSince !== undefined) c.fail(`unknown or repeated store modifier ${shown(name)}`);
    c.sp();
    unchangedSince = c.number64(); // mod-sequence-valzer
  } while (c.take(SP));
  c.expect(CLOSE, '")" after the store modifiers');
  return unchangedSince === undefined ? {} : { unchangedSince };
}

export interface FlagUpdate {
  readonly mode: 'add' | 'remove' | 'replace';
  readonly silent: boolean;
  readonly flags: readonly string[];
}

/** RFC 9051 §9 store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag))). */
export function parseFlagUpdate(c: Cursor): FlagUpdate {
  const mode = c.take(0x2b) ? 'add' : c.take(0x2d) ? 'remove' : 'replace';
  const item = asciiUpper(c.word(isNameChar));
  if (item !== 'FLAGS' && item !== 'FLAGS.SILENT') c.fail('expected FLAGS, +FLAGS or -FLAGS (optionally .SILENT)');
  c.sp();
  let flags: string[];
  if (c.peek() === OPEN) {
    flags = c.flagList();
  } else {
    flags = [c.flag()];
    while (c.take(SP)) flags.push(c.flag());
  }
  return { mode, silent: item === 'FLAGS.SILENT', flags };
}
