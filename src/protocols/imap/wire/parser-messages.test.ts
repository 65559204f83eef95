// Selected-state commands: FETCH, STORE, COPY, MOVE, UID EXPUNGE, SEARCH, SORT, THREAD. Tables
// read through the reader as one push and one byte at a time (readOne), and generated commands.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeAstring } from './encoder.ts';
import { MAX_SEARCH_DEPTH } from './limits.ts';
import { formatSequenceSet } from './sequence.ts';
import type { FetchAttribute, ImapCommand, SearchKey, SequenceSet } from './types.ts';
import { readOne, replacer } from './wire.test-support.ts';

const I = Infinity;
const set = (...ranges: [number, number][]): SequenceSet => ({ kind: 'set', ranges: ranges.map(([from, to]) => ({ from, to })) });
const one = set([1, 1]);
const SAVED: SequenceSet = { kind: 'saved' };
const fetch = (attributes: FetchAttribute[], extra: Partial<Extract<ImapCommand, { name: 'FETCH' }>> = {}): ImapCommand => ({ name: 'FETCH', uid: false, set: one, attributes, modifiers: {}, ...extra });
const search = (key: SearchKey, extra: Partial<Extract<ImapCommand, { name: 'SEARCH' }>> = {}): ImapCommand => ({ name: 'SEARCH', uid: false, key, ...extra });
const header = (field: string, value: string): SearchKey => ({ kind: 'header', field, value });
const flag = (name: string, value = true): SearchKey => ({ kind: 'flag', flag: name, set: value });
const FAST: FetchAttribute[] = [{ kind: 'flags' }, { kind: 'internaldate' }, { kind: 'rfc822.size' }];

const VALID_MESSAGES: readonly (readonly [string | Uint8Array, ImapCommand])[] = [
  ['a FETCH 1 FLAGS', fetch([{ kind: 'flags' }])],
  ['a fetch 1 uid', fetch([{ kind: 'uid' }])],
  ['a FETCH 1:* ALL', fetch([...FAST, { kind: 'envelope' }], { set: set([1, I]), macro: 'ALL' })],
  ['a FETCH 1 fast', fetch(FAST, { macro: 'FAST' })],
  ['a FETCH 1 FULL', fetch([...FAST, { kind: 'envelope' }, { kind: 'body' }], { macro: 'FULL' })],
  ['a FETCH *:1 UID', fetch([{ kind: 'uid' }], { set: set([1, I]) })],
  ['a FETCH 3:1,* UID', fetch([{ kind: 'uid' }], { set: set([1, 3], [I, I]) })],
  ['a FETCH $ FLAGS', fetch([{ kind: 'flags' }], { set: SAVED })],
  ['a FETCH 4294967295 FLAGS', fetch([{ kind: 'flags' }], { set: set([4294967295, 4294967295]) })],
  [
    'a FETCH 1 (UID RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE BODY RFC822 RFC822.HEADER RFC822.TEXT MODSEQ EMAILID THREADID SAVEDATE)',
    fetch(
      ['uid', 'rfc822.size', 'internaldate', 'envelope', 'bodystructure', 'body', 'rfc822', 'rfc822.header', 'rfc822.text', 'modseq', 'emailid', 'threadid', 'savedate'].map(
        (kind) => ({ kind }) as FetchAttribute,
      ),
    ),
  ],
  ['a FETCH 1 BODY[]', fetch([{ kind: 'body-section', section: { part: [] }, peek: false }])],
  ['a FETCH 1 body.peek[text]<3.3>', fetch([{ kind: 'body-section', section: { part: [], text: 'TEXT' }, peek: true, partial: { offset: 3, length: 3 } }])],
  ['a FETCH 1 (BODY.PEEK[1.2.MIME] BODY[2.HEADER])', fetch([{ kind: 'body-section', section: { part: [1, 2], text: 'MIME' }, peek: true }, { kind: 'body-section', section: { part: [2], text: 'HEADER' }, peek: false }])],
  ['a FETCH 1 BODY[1.1.1]', fetch([{ kind: 'body-section', section: { part: [1, 1, 1] }, peek: false }])],
  [
    'a FETCH 1 (BODY.PEEK[HEADER.FIELDS (From Subject X-foo __proto__)] BODY[1.HEADER.FIELDS.NOT ("Date" {2}\r\nTo)]<10.20>)',
    fetch([
      { kind: 'body-section', section: { part: [], text: 'HEADER.FIELDS', fields: ['From', 'Subject', 'X-foo', '__proto__'] }, peek: true },
      { kind: 'body-section', section: { part: [1], text: 'HEADER.FIELDS.NOT', fields: ['Date', 'To'] }, peek: false, partial: { offset: 10, length: 20 } },
    ]),
  ],
  ['a FETCH 1 (BINARY.PEEK[1]<0.10> BINARY[] BINARY.SIZE[2.1] binary.size[])', fetch([{ kind: 'binary', part: [1], peek: true, partial: { offset: 0, length: 10 } }, { kind: 'binary', part: [], peek: false }, { kind: 'binary.size', part: [2, 1] }, { kind: 'binary.size', part: [] }])],
  ['a FETCH 1 (FLAGS) (CHANGEDSINCE 12345)', fetch([{ kind: 'flags' }], { modifiers: { changedSince: 12345 } })],
  ['a FETCH 1 FLAGS (changedsince 0)', fetch([{ kind: 'flags' }], { modifiers: { changedSince: 0 } })],
  ['a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)', fetch([{ kind: 'flags' }], { uid: true, set: set([1, I]), modifiers: { changedSince: 1, vanished: true } })],
  ['a UID FETCH 1 (FLAGS) (VANISHED CHANGEDSINCE 9223372036854775807)', fetch([{ kind: 'flags' }], { uid: true, modifiers: { changedSince: Number.MAX_SAFE_INTEGER, vanished: true } })],
  ['a STORE 1 +FLAGS \\Seen', { name: 'STORE', uid: false, set: one, mode: 'add', silent: false, flags: ['\\Seen'], modifiers: {} }],
  ['a STORE 1,2 -flags (\\seen \\FLAGGED)', { name: 'STORE', uid: false, set: set([1, 1], [2, 2]), mode: 'remove', silent: false, flags: ['\\Seen', '\\Flagged'], modifiers: {} }],
  ['a STORE 1 FLAGS ()', { name: 'STORE', uid: false, set: one, mode: 'replace', silent: false, flags: [], modifiers: {} }],
  ['a STORE 1 FLAGS.SILENT $hello \\Draft', { name: 'STORE', uid: false, set: one, mode: 'replace', silent: true, flags: ['$hello', '\\Draft'], modifiers: {} }],
  ['a STORE 1 +flags NIL', { name: 'STORE', uid: false, set: one, mode: 'add', silent: false, flags: ['NIL'], modifiers: {} }],
  ['a STORE 1 +FLAGS (__proto__ constructor)', { name: 'STORE', uid: false, set: one, mode: 'add', silent: false, flags: ['__proto__', 'constructor'], modifiers: {} }],
  ['a UID STORE 1:3 (UNCHANGEDSINCE 0) +FLAGS.SILENT (\\Deleted)', { name: 'STORE', uid: true, set: set([1, 3]), mode: 'add', silent: true, flags: ['\\Deleted'], modifiers: { unchangedSince: 0 } }],
  ['a COPY 1:3 Archive', { name: 'COPY', uid: false, set: set([1, 3]), mailbox: 'Archive' }],
  ['a UID MOVE $ "Trash"', { name: 'MOVE', uid: true, set: SAVED, mailbox: 'Trash' }],
  ['a MOVE 1 inbox', { name: 'MOVE', uid: false, set: one, mailbox: 'INBOX' }],
  ['a UID COPY 5 {3}\r\nx y', { name: 'COPY', uid: true, set: set([5, 5]), mailbox: 'x y' }],
  ['a UID EXPUNGE 3000:3002', { name: 'UID EXPUNGE', set: set([3000, 3002]) }],
  ['a SEARCH ALL', search({ kind: 'all' })],
  ['a search unseen', search(flag('\\Seen', false))],
  ['a SEARCH ANSWERED DELETED DRAFT FLAGGED SEEN UNANSWERED UNDELETED UNDRAFT UNFLAGGED', search({ kind: 'and', keys: [flag('\\Answered'), flag('\\Deleted'), flag('\\Draft'), flag('\\Flagged'), flag('\\Seen'), flag('\\Answered', false), flag('\\Deleted', false), flag('\\Draft', false), flag('\\Flagged', false)] })],
  ['a SEARCH NEW OLD RECENT', search({ kind: 'and', keys: [{ kind: 'new' }, { kind: 'old' }, { kind: 'recent', set: true }] })],
  ['a SEARCH NOT RECENT', search({ kind: 'not', key: { kind: 'recent', set: true } })],
  ['a SEARCH KEYWORD $hello UNKEYWORD $Junk', search({ kind: 'and', keys: [flag('$hello'), flag('$Junk', false)] })],
  ['a SEARCH BCC a CC b FROM c SUBJECT "hello world" TO {1}\r\ne', search({ kind: 'and', keys: [header('Bcc', 'a'), header('Cc', 'b'), header('From', 'c'), header('Subject', 'hello world'), header('To', 'e')] })],
  ['a SEARCH HEADER x-extra "" BODY nil TEXT NIL', search({ kind: 'and', keys: [header('x-extra', ''), { kind: 'body', value: 'nil' }, { kind: 'text', value: 'NIL' }] })],
  ['a SEARCH SUBJECT "Grüße"', search(header('Subject', 'Grüße'))],
  ['a SEARCH before 26-mar-2007 ON "1-Jan-2024" SINCE 29-Feb-2024', search({ kind: 'and', keys: [{ kind: 'date', which: 'internal', op: 'before', date: '2007-03-26' }, { kind: 'date', which: 'internal', op: 'on', date: '2024-01-01' }, { kind: 'date', which: 'internal', op: 'since', date: '2024-02-29' }] })],
  ['a SEARCH SENTBEFORE 1-Jan-2000 SENTON 02-Jan-2000 SENTSINCE 3-Jan-2000', search({ kind: 'and', keys: [{ kind: 'date', which: 'sent', op: 'before', date: '2000-01-01' }, { kind: 'date', which: 'sent', op: 'on', date: '2000-01-02' }, { kind: 'date', which: 'sent', op: 'since', date: '2000-01-03' }] })],
  ['a SEARCH SAVEDBEFORE 1-Jan-2000 SAVEDON 1-Jan-2000 SAVEDSINCE 1-Jan-2000 SAVEDATESUPPORTED', search({ kind: 'and', keys: [{ kind: 'date', which: 'save', op: 'before', date: '2000-01-01' }, { kind: 'date', which: 'save', op: 'on', date: '2000-01-01' }, { kind: 'date', which: 'save', op: 'since', date: '2000-01-01' }, { kind: 'savedatesupported' }] })],
  ['a SEARCH LARGER 100 SMALLER 0', search({ kind: 'and', keys: [{ kind: 'size', op: 'larger', octets: 100 }, { kind: 'size', op: 'smaller', octets: 0 }] })],
  ['a SEARCH OLDER 3600 YOUNGER 1', search({ kind: 'and', keys: [{ kind: 'within', op: 'older', seconds: 3600 }, { kind: 'within', op: 'younger', seconds: 1 }] })],
  ['a SEARCH 1:3,5 UID 4:2 *', search({ kind: 'and', keys: [{ kind: 'sequence', set: set([1, 3], [5, 5]) }, { kind: 'uid', set: set([2, 4]) }, { kind: 'sequence', set: set([I, I]) }] })],
  ['a SEARCH $ UID $', search({ kind: 'and', keys: [{ kind: 'sequence', set: SAVED }, { kind: 'uid', set: SAVED }] })],
  ['a SEARCH (3) uid 5', search({ kind: 'and', keys: [{ kind: 'sequence', set: set([3, 3]) }, { kind: 'uid', set: set([5, 5]) }] })],
  ['a SEARCH OR 1 UID 3 NOT (SEEN FLAGGED)', search({ kind: 'and', keys: [{ kind: 'or', left: { kind: 'sequence', set: one }, right: { kind: 'uid', set: set([3, 3]) } }, { kind: 'not', key: { kind: 'and', keys: [flag('\\Seen'), flag('\\Flagged')] } }] })],
  ['a SEARCH ((((ALL))))', search({ kind: 'all' })],
  ['a SEARCH MODSEQ 5', search({ kind: 'modseq', modSeq: 5 })],
  ['a SEARCH MODSEQ "/flags/\\\\seen" all 1', search({ kind: 'modseq', modSeq: 1, entry: { name: '/flags/\\seen', type: 'all' } })],
  ['a SEARCH MODSEQ "/flags/$MDNSent" PRIV 0', search({ kind: 'modseq', modSeq: 0, entry: { name: '/flags/$MDNSent', type: 'priv' } })],
  ['a SEARCH EMAILID M6d99ac3275bb4e THREADID T64b478a75b7ea9', search({ kind: 'and', keys: [{ kind: 'emailid', id: 'M6d99ac3275bb4e' }, { kind: 'threadid', id: 'T64b478a75b7ea9' }] })],
  ['a SEARCH CHARSET UTF-8 SUBJECT {6}\r\nGrüß', search(header('Subject', 'Grüß'), { charset: 'UTF-8' })],
  ['a SEARCH charset "us-ascii" ALL', search({ kind: 'all' }, { charset: 'US-ASCII' })],
  [Uint8Array.from([...Buffer.from('a SEARCH CHARSET ISO-8859-1 SUBJECT {4}\r\ncaf'), 0xe9]), search(header('Subject', 'café'), { charset: 'ISO-8859-1' })],
  ['a SEARCH RETURN () ALL', search({ kind: 'all' }, { returnOptions: { all: true } })],
  ['a SEARCH RETURN (MIN MAX COUNT ALL SAVE) CHARSET UTF-8 ALL', search({ kind: 'all' }, { charset: 'UTF-8', returnOptions: { min: true, max: true, count: true, all: true, save: true } })],
  ['a SEARCH return (partial 4:2) all', search({ kind: 'all' }, { returnOptions: { partial: { from: 2, to: 4 } } })],
  ['a UID SEARCH RETURN (PARTIAL -1:-100 COUNT) UNDELETED', search(flag('\\Deleted', false), { uid: true, returnOptions: { partial: { from: -1, to: -100 }, count: true } })],
  ['a SEARCH RETURN (PARTIAL -100:-1) ALL', search({ kind: 'all' }, { returnOptions: { partial: { from: -1, to: -100 } } })],
  [`a SEARCH ${'FROM a '.repeat(999)}FROM a`, search({ kind: 'and', keys: Array.from({ length: 1000 }, () => header('From', 'a')) })],
  ['a SORT (ARRIVAL) US-ASCII ALL', { name: 'SORT', uid: false, criteria: [{ key: 'ARRIVAL', reverse: false }], charset: 'US-ASCII', key: { kind: 'all' } }],
  ['a UID SORT (reverse date subject DISPLAYFROM reverse displayto cc from size to) utf-8 UNSEEN 1:5', { name: 'SORT', uid: true, criteria: [{ key: 'DATE', reverse: true }, { key: 'SUBJECT', reverse: false }, { key: 'DISPLAYFROM', reverse: false }, { key: 'DISPLAYTO', reverse: true }, { key: 'CC', reverse: false }, { key: 'FROM', reverse: false }, { key: 'SIZE', reverse: false }, { key: 'TO', reverse: false }], charset: 'UTF-8', key: { kind: 'and', keys: [flag('\\Seen', false), { kind: 'sequence', set: set([1, 5]) }] } }],
  ['a SORT RETURN (MIN COUNT) (SIZE) US-ASCII ALL', { name: 'SORT', uid: false, criteria: [{ key: 'SIZE', reverse: false }], charset: 'US-ASCII', key: { kind: 'all' }, returnOptions: { min: true, count: true } }],
  ['a sort return (partial 1:6) (reverse arrival) us-ascii all', { name: 'SORT', uid: false, criteria: [{ key: 'ARRIVAL', reverse: true }], charset: 'US-ASCII', key: { kind: 'all' }, returnOptions: { partial: { from: 1, to: 6 } } }],
  ['a THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000', { name: 'THREAD', uid: false, algorithm: 'ORDEREDSUBJECT', charset: 'UTF-8', key: { kind: 'date', which: 'internal', op: 'since', date: '2000-03-05' } }],
  ['a UID THREAD references us-ascii ALL', { name: 'THREAD', uid: true, algorithm: 'REFERENCES', charset: 'US-ASCII', key: { kind: 'all' } }],
];

const INVALID_MESSAGES: readonly (readonly [string | Uint8Array, 'BAD' | 'NO', string | undefined])[] = [
  ['a FETCH', 'BAD', undefined],
  ['a FETCH 1', 'BAD', undefined],
  ['a FETCH 0 FLAGS', 'BAD', undefined],
  ['a FETCH 01 FLAGS', 'BAD', undefined],
  ['a FETCH 4294967296 FLAGS', 'BAD', undefined],
  ['a FETCH 1, FLAGS', 'BAD', undefined],
  ['a FETCH 1:2: FLAGS', 'BAD', undefined],
  ['a FETCH -1 FLAGS', 'BAD', undefined],
  ['a FETCH $,1 FLAGS', 'BAD', undefined],
  ['a FETCH 1 ()', 'BAD', undefined],
  ['a FETCH 1 (FLAGS', 'BAD', undefined],
  ['a FETCH 1 (FLAGS )', 'BAD', undefined],
  ['a FETCH 1 FOO', 'BAD', undefined],
  ['a FETCH 1 __proto__', 'BAD', undefined],
  ['a FETCH 1 (ALL)', 'BAD', undefined],
  ['a FETCH 1 BODY[HEADER.FIELDS]', 'BAD', undefined],
  ['a FETCH 1 BODY[HEADER.FIELDS ()]', 'BAD', undefined],
  ['a FETCH 1 BODY[MIME]', 'BAD', undefined],
  ['a FETCH 1 BODY[0]', 'BAD', undefined],
  ['a FETCH 1 BODY[1.]', 'BAD', undefined],
  ['a FETCH 1 BODY[TEXT', 'BAD', undefined],
  ['a FETCH 1 BODY.PEEK', 'BAD', undefined],
  ['a FETCH 1 BODY[]<0>', 'BAD', undefined],
  ['a FETCH 1 BODY[]<0.0>', 'BAD', undefined],
  ['a FETCH 1 BINARY[TEXT]', 'BAD', undefined],
  ['a FETCH 1 BINARY.SIZE[1]<0.1>', 'BAD', undefined],
  ['a FETCH 1 (FLAGS) (VANISHED)', 'BAD', undefined],
  ['a FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)', 'BAD', undefined],
  ['a UID FETCH 1 (FLAGS) (VANISHED)', 'BAD', undefined],
  ['a FETCH 1 FLAGS (FOO 1)', 'BAD', undefined],
  ['a FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)', 'BAD', undefined],
  ['a FETCH 1 FLAGS ()', 'BAD', undefined],
  ['a FETCH 1 FLAGS (CHANGEDSINCE 9223372036854775808)', 'BAD', undefined],
  ['a STORE 1 FLAGS', 'BAD', undefined],
  ['a STORE 1 +FLAGS \\Recent', 'BAD', undefined],
  ['a STORE 1 +FLAGS \\Foo', 'BAD', undefined],
  ['a STORE 1 +FLAGS (\\Seen', 'BAD', undefined],
  ['a STORE 1 XFLAGS \\Seen', 'BAD', undefined],
  ['a STORE 1 FLAGS.LOUD \\Seen', 'BAD', undefined],
  ['a STORE 1 (UNCHANGEDSINCE) FLAGS ()', 'BAD', undefined],
  ['a STORE 1 (FOO 1) FLAGS ()', 'BAD', undefined],
  ['a STORE 1 +FLAGS "\\Seen"', 'BAD', undefined],
  ['a COPY 1', 'BAD', undefined],
  ['a COPY x y', 'BAD', undefined],
  ['a UID EXPUNGE', 'BAD', undefined],
  ['a UID EXPUNGE 1 2', 'BAD', undefined],
  ['a SEARCH', 'BAD', undefined],
  ['a SEARCH ', 'BAD', undefined],
  ['a SEARCH FOO', 'BAD', undefined],
  ['a SEARCH __proto__', 'BAD', undefined],
  ['a SEARCH (ALL', 'BAD', undefined],
  ['a SEARCH ALL)', 'BAD', undefined],
  ['a SEARCH ()', 'BAD', undefined],
  ['a SEARCH ALL  ALL', 'BAD', undefined],
  ['a SEARCH OR ALL', 'BAD', undefined],
  ['a SEARCH NOT', 'BAD', undefined],
  ['a SEARCH BEFORE 30-Feb-2024', 'BAD', undefined],
  ['a SEARCH BEFORE 29-Feb-2023', 'BAD', undefined],
  ['a SEARCH BEFORE 2024-01-01', 'BAD', undefined],
  ['a SEARCH BEFORE 1-Foo-2024', 'BAD', undefined],
  ['a SEARCH BEFORE 100-Jan-2024', 'BAD', undefined],
  ['a SEARCH BEFORE "1-Jan-2024', 'BAD', undefined],
  ['a SEARCH SMALLER -1', 'BAD', undefined],
  ['a SEARCH LARGER 9223372036854775808', 'BAD', undefined],
  ['a SEARCH OLDER 0', 'BAD', undefined],
  ['a SEARCH UID', 'BAD', undefined],
  ['a SEARCH UID 0', 'BAD', undefined],
  ['a SEARCH KEYWORD \\Seen', 'BAD', undefined],
  ['a SEARCH HEADER Subject', 'BAD', undefined],
  ['a SEARCH MODSEQ "/flags/\\\\seen" foo 1', 'BAD', undefined],
  ['a SEARCH MODSEQ "/other/x" all 1', 'BAD', undefined],
  ['a SEARCH MODSEQ "/flags/\\\\seen" all', 'BAD', undefined],
  ['a SEARCH EMAILID bad!id', 'BAD', undefined],
  [`a SEARCH EMAILID ${'x'.repeat(256)}`, 'BAD', undefined],
  ['a SEARCH CHARSET X-UNKNOWN ALL', 'NO', 'BADCHARSET'],
  ['a SEARCH CHARSET UTF-7 ALL', 'NO', 'BADCHARSET'],
  ['a SEARCH CHARSET', 'BAD', undefined],
  [Uint8Array.from([...Buffer.from('a SEARCH SUBJECT {1+}\r\n'), 0xe9]), 'BAD', undefined],
  ['a SEARCH RETURN (UPDATE) ALL', 'BAD', undefined],
  ['a SEARCH RETURN ALL', 'BAD', undefined],
  ['a SEARCH RETURN (MIN)', 'BAD', undefined],
  ['a SEARCH return (partial *:1) all', 'BAD', undefined],
  ['a SEARCH return (partial 1) all', 'BAD', undefined],
  ['a SEARCH return (partial 1:*) all', 'BAD', undefined],
  ['a SEARCH return (partial 0:5) all', 'BAD', undefined],
  ['a SEARCH return (partial -1:5) all', 'BAD', undefined],
  ['a SORT () UTF-8 ALL', 'BAD', undefined],
  ['a SORT (REVERSE) UTF-8 ALL', 'BAD', undefined],
  ['a SORT (FOO) UTF-8 ALL', 'BAD', undefined],
  ['a SORT (DATE) ALL', 'BAD', undefined],
  ['a SORT DATE UTF-8 ALL', 'BAD', undefined],
  ['a SORT (DATE) X-UNKNOWN ALL', 'NO', 'BADCHARSET'],
  ['a sort return (partial *:1) (arrival) us-ascii all', 'BAD', undefined],
  ['a sort return (partial 1) (arrival) us-ascii all', 'BAD', undefined],
  ['a sort return (partial 1:*) (arrival) us-ascii all', 'BAD', undefined],
  ['a THREAD FOO UTF-8 ALL', 'BAD', undefined],
  ['a THREAD REFERENCES UTF-8', 'BAD', undefined],
];

void test('valid selected-state commands (RFC 9051 §6.4, RFC 3501, RFC 7162, RFC 3516, RFC 4731, RFC 5256, RFC 9394 ...), one push and one byte at a time', () => {
  for (const [line, expected] of VALID_MESSAGES) {
    const event = readOne(line);
    assert.deepEqual(event, { kind: 'command', tag: 'a', command: expected }, JSON.stringify(event, replacer).slice(0, 400));
  }
});

void test('invalid selected-state commands are BAD (NO [BADCHARSET] for an unknown charset)', () => {
  for (const [line, status, code] of INVALID_MESSAGES) {
    const event = readOne(line);
    const label = `${JSON.stringify(typeof line === 'string' ? line.slice(0, 60) : 'bytes')}: ${JSON.stringify(event, replacer).slice(0, 300)}`;
    assert.equal(event.kind, 'error', label);
    if (event.kind === 'error') assert.deepEqual([event.status, event.code, event.tag, event.fatal], [status, code, 'a', false], label);
  }
});

void test(`MAX_SEARCH_DEPTH: ${MAX_SEARCH_DEPTH} levels of OR/NOT/parentheses, then BAD [LIMIT], never a stack overflow`, () => {
  assert.equal(MAX_SEARCH_DEPTH, 256);
  const ors = (count: number) => `a SEARCH ${'OR '.repeat(count)}${'ALL '.repeat(count)}ALL`;
  assert.equal(readOne(ors(MAX_SEARCH_DEPTH - 1)).kind, 'command');
  const deep = readOne(ors(MAX_SEARCH_DEPTH));
  assert.ok(deep.kind === 'error' && deep.code === 'LIMIT', JSON.stringify(deep));
  const nots = readOne(`a SEARCH ${'NOT '.repeat(10_000)}ALL`);
  assert.ok(nots.kind === 'error' && nots.code === 'LIMIT');
});

// Generated search programs: text (through the encoder for strings) and the tree expected.
type Case = readonly [string, SearchKey];
const word = fc.string({ unit: 'grapheme', minLength: 0, maxLength: 12 }).filter((text) => !text.includes('\0'));
const sequenceSet = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 })), { minLength: 1, maxLength: 3 })
  .map((ranges): SequenceSet => ({ kind: 'set', ranges: ranges.map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) })) }));
const leaf: fc.Arbitrary<Case> = fc.oneof(
  fc.constant<Case>(['ALL', { kind: 'all' }]),
  fc.constantFrom('SEEN', 'UNSEEN', 'DELETED', 'FLAGGED').map((name): Case => [name, flag(name.includes('SEEN') ? '\\Seen' : name === 'DELETED' ? '\\Deleted' : '\\Flagged', !name.startsWith('UN'))]),
  fc.tuple(fc.constantFrom('FROM', 'SUBJECT'), word).map(([name, value]): Case => [`${name} ${encodeAstring(value, { utf8: true })}`, header(name === 'FROM' ? 'From' : 'Subject', value)]),
  word.map((value): Case => [`BODY ${encodeAstring(value, { utf8: false })}`, { kind: 'body', value }]),
  fc.nat({ max: 1e9 }).map((octets): Case => [`LARGER ${octets}`, { kind: 'size', op: 'larger', octets }]),
  sequenceSet.map((value): Case => [formatSequenceSet(value), { kind: 'sequence', set: value }]),
  sequenceSet.map((value): Case => [`UID ${formatSequenceSet(value)}`, { kind: 'uid', set: value }]),
);
const { key } = fc.letrec<{ key: Case }>((tie) => ({
  key: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('key').map(([text, tree]): Case => [`NOT ${text}`, { kind: 'not', key: tree }]),
    fc.tuple(tie('key'), tie('key')).map(([[a, left], [b, right]]): Case => [`OR ${a} ${b}`, { kind: 'or', left, right }]),
    fc.array(tie('key'), { minLength: 1, maxLength: 3 }).map((keys): Case => [`(${keys.map(([text]) => text).join(' ')})`, keys.length === 1 && keys[0] !== undefined ? keys[0][1] : { kind: 'and', keys: keys.map(([, tree]) => tree) }]),
  ),
}));

void test('property: generated search programs parse to the tree they were written from', () => {
  fc.assert(
    fc.property(fc.array(key, { minLength: 1, maxLength: 4 }), fc.boolean(), (keys, uid) => {
      const text = `a ${uid ? 'UID ' : ''}SEARCH ${keys.map(([part]) => part).join(' ')}`;
      const tree: SearchKey = keys.length === 1 && keys[0] !== undefined ? keys[0][1] : { kind: 'and', keys: keys.map(([, part]) => part) };
      assert.deepEqual(readOne(text), { kind: 'command', tag: 'a', command: { name: 'SEARCH', uid, key: tree } });
    }),
    { numRuns: 300 },
  );
});

const attribute: fc.Arbitrary<readonly [string, FetchAttribute]> = fc.oneof(
  fc.constantFrom<readonly [string, FetchAttribute]>(['FLAGS', { kind: 'flags' }], ['UID', { kind: 'uid' }], ['ENVELOPE', { kind: 'envelope' }], ['BODYSTRUCTURE', { kind: 'bodystructure' }], ['MODSEQ', { kind: 'modseq' }]),
  fc
    .tuple(fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 3 }), fc.constantFrom(undefined, 'HEADER', 'TEXT', 'MIME'), fc.boolean(), fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 1e6 }))))
    .filter(([part, text]) => text !== 'MIME' || part.length > 0)
    .map(([part, text, peek, partial]): readonly [string, FetchAttribute] => {
      const spec = [...part.map(String), ...(text === undefined ? [] : [text])].join('.');
      const attributeText = `BODY${peek ? '.PEEK' : ''}[${spec}]${partial === null ? '' : `<${partial[0]}.${partial[1]}>`}`;
      const section = text === undefined ? { part } : { part, text };
      const base = { kind: 'body-section', section, peek } as const;
      return [attributeText, partial === null ? base : { ...base, partial: { offset: partial[0], length: partial[1] } }];
    }),
);

void test('property: generated FETCH attribute lists parse to what was written', () => {
  fc.assert(
    fc.property(fc.array(attribute, { minLength: 1, maxLength: 5 }), sequenceSet, (attributes, messages) => {
      const text = `a FETCH ${formatSequenceSet(messages)} (${attributes.map(([part]) => part).join(' ')})`;
      assert.deepEqual(readOne(text), { kind: 'command', tag: 'a', command: { name: 'FETCH', uid: false, set: messages, attributes: attributes.map(([, value]) => value), modifiers: {} } });
    }),
    { numRuns: 300 },
  );
});
