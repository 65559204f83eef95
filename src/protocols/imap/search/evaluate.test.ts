process.env.TZ = 'Europe/Helsinki';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { SearchKey, SequenceSet } from '../wire/types.ts';
import { containsModSeq, matches, MAX_SEARCH_KEY_DEPTH, searchIds } from './evaluate.ts';
import type { SearchableMessage, SearchContext } from './message.ts';
import { testMessage } from './testing/fake-message.ts';

const NOW = new Date(Date.UTC(2024, 5, 1, 12, 0, 0));
const context: SearchContext = { maxSeq: 3, maxUid: 30, saved: [20, 30], now: NOW };
const set = (from: number, to = from): SequenceSet => ({ kind: 'set', ranges: [{ from, to }] });

/** Three messages with distinct attributes; the tables below pick among them. */
const messages: SearchableMessage[] = [
  testMessage(
    [
      'From: "Alice Example" <alice@example.com>',
      'To: team: bob@example.org, carol@example.org;',
      'Subject: Quarterly   report\t draft',
      'Date: Sun, 25 Mar 2007 23:30:00 -1100',
      'X-Tag: first',
      'X-Tag: second value',
      'Message-ID: <m1@example.com>',
    ],
    'The numbers look GOOD.\r\nCafé au lait.\r\n',
    { seq: 1, uid: 10, modSeq: 5, flags: ['\\Seen', '$Work'], recent: true, internalDate: new Date(Date.UTC(2024, 5, 1, 11, 0, 0)), saveDate: new Date(Date.UTC(2024, 0, 1, 12)), emailId: 'Eaaa', threadId: 'Taaa' },
  ),
  testMessage(
    ['From: bob@example.org (Bobby Tables)', 'Cc: =?utf-8?q?J=C3=BCrgen?= <juergen@example.de>', 'Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?='],
    'plain body',
    { seq: 2, uid: 20, modSeq: 9, flags: ['\\Answered', '\\Flagged'], recent: false, internalDate: new Date(Date.UTC(2024, 4, 1, 0, 0, 0)), saveDate: null, emailId: 'Ebbb', threadId: null },
  ),
  testMessage([], 'x'.repeat(100), { seq: 3, uid: 30, modSeq: 12, flags: ['\\Deleted', '\\Draft'], recent: true, internalDate: new Date(Date.UTC(2007, 2, 24, 22, 30)), emailId: 'Eccc' }),
];

const seqs = (key: SearchKey) => searchIds(messages, key, context).seqs;

void test('flags and keywords, case-insensitive; NEW, OLD, RECENT (RFC 9051 §6.4.4, RFC 3501)', () => {
  const cases: [SearchKey, number[]][] = [
    [{ kind: 'flag', flag: '\\Seen', set: true }, [1]],
    [{ kind: 'flag', flag: '\\SEEN', set: false }, [2, 3]],
    [{ kind: 'flag', flag: '$work', set: true }, [1]],
    [{ kind: 'flag', flag: '$Nope', set: false }, [1, 2, 3]],
    [{ kind: 'flag', flag: '\\Recent', set: true }, [1, 3]],
    [{ kind: 'new' }, [3]],
    [{ kind: 'old' }, [2]],
    [{ kind: 'recent', set: true }, [1, 3]],
    [{ kind: 'recent', set: false }, [2]],
    [{ kind: 'all' }, [1, 2, 3]],
  ];
  for (const [key, expected] of cases) assert.deepEqual(seqs(key), expected, JSON.stringify(key));
});

void test('HEADER and the address and subject keys (RFC 9051 §6.4.4, Dovecot forms)', () => {
  const header = (field: string, value: string): SearchKey => ({ kind: 'header', field, value });
  const cases: [SearchKey, number[]][] = [
    [header('Subject', ''), [1, 2]], // empty value: the field exists
    [header('x-tag', ''), [1]],
    [header('X-TAG', 'SECOND'), [1]], // any instance of the field, any case
    [header('Subject', 'report draft'), [1]], // whitespace runs compressed
    [header('Subject', 'quarterly   report'), [1]], // or as written
    [header('Subject', 'grüße'), [2]], // RFC 2047 decoded, folded
    [header('From', 'alice example'), [1]],
    [header('From', 'bobby'), [2]], // a comment-form name, as Dovecot re-writes it
    [header('From', 'tables <bob@'), [2]], // matched against "Bobby Tables <bob@example.org>"
    [header('To', 'team:'), [1]], // a group name
    [header('To', 'carol@example.org'), [1]],
    [header('Cc', 'jürgen'), [2]],
    [header('Cc', 'JÜRGEN <juergen'), [2]],
    [header('Bcc', ''), []],
    [header('Message-ID', 'm1@'), [1]],
  ];
  for (const [key, expected] of cases) assert.deepEqual(seqs(key), expected, JSON.stringify(key));
});

void test('BODY and TEXT: folded substrings of the body, and of header plus body', () => {
  const cases: [SearchKey, number[]][] = [
    [{ kind: 'body', value: 'numbers look good' }, [1]],
    [{ kind: 'body', value: 'CAFÉ' }, [1]],
    [{ kind: 'body', value: 'quarterly' }, []],
    [{ kind: 'text', value: 'quarterly' }, [1]],
    [{ kind: 'text', value: 'plain' }, [2]],
    [{ kind: 'body', value: '' }, [1, 2, 3]],
  ];
  for (const [key, expected] of cases) assert.deepEqual(seqs(key), expected, JSON.stringify(key));
});

void test('date keys compare calendar days: internal and saved in local time, sent as written', () => {
  const date = (which: 'internal' | 'sent' | 'save', op: 'before' | 'on' | 'since', d: string): SearchKey => ({ kind: 'date', which, op, date: d });
  const cases: [SearchKey, number[]][] = [
    // Message 3 arrived 2007-03-24 22:30 UTC = 2007-03-25 00:30 Helsinki.
    [date('internal', 'on', '2007-03-25'), [3]],
    [date('internal', 'on', '2007-03-24'), []],
    [date('internal', 'before', '2024-05-01'), [3]],
    [date('internal', 'since', '2024-05-01'), [1, 2]],
    [date('internal', 'on', '2024-06-01'), [1]],
    // Message 1 was sent on 2007-03-25 in its own zone (-1100), the 26th in UTC.
    [date('sent', 'on', '2007-03-25'), [1]],
    [date('sent', 'before', '2007-03-26'), [1]],
    [date('sent', 'since', '2007-03-26'), []],
    [{ kind: 'not', key: date('sent', 'since', '2007-03-26') }, [1, 2, 3]], // no Date: never matches
    // Save dates; message 2 has none, its internal date stands in.
    [date('save', 'on', '2024-01-01'), [1]],
    [date('save', 'on', '2024-05-01'), [2]],
    [date('internal', 'on', 'not-a-date'), []],
  ];
  for (const [key, expected] of cases) assert.deepEqual(seqs(key), expected, JSON.stringify(key));
});

void test('WITHIN, sizes, sets, MODSEQ, object IDs, SAVEDATESUPPORTED', () => {
  const cases: [SearchKey, number[]][] = [
    [{ kind: 'within', op: 'younger', seconds: 3600 }, [1]], // exactly an hour old: inclusive
    [{ kind: 'within', op: 'older', seconds: 3600 }, [1, 2, 3]],
    [{ kind: 'within', op: 'older', seconds: 3601 }, [2, 3]],
    [{ kind: 'size', op: 'larger', octets: messages[1]?.size ?? 0 }, [1]], // sizes: 1 > 2 > 3
    [{ kind: 'size', op: 'smaller', octets: messages[1]?.size ?? 0 }, [3]],
    [{ kind: 'size', op: 'smaller', octets: messages[2]?.size ?? 0 }, []],
    [{ kind: 'sequence', set: set(2, Infinity) }, [2, 3]],
    [{ kind: 'sequence', set: set(Infinity) }, [3]],
    [{ kind: 'sequence', set: { kind: 'saved' } }, [2, 3]], // $: the saved UIDs
    [{ kind: 'uid', set: set(Infinity) }, [3]],
    [{ kind: 'uid', set: set(15, 25) }, [2]],
    [{ kind: 'uid', set: set(31, Infinity) }, [3]], // 31:* is 30:31
    [{ kind: 'uid', set: { kind: 'saved' } }, [2, 3]],
    [{ kind: 'modseq', modSeq: 9 }, [2, 3]],
    [{ kind: 'modseq', modSeq: 9, entry: { name: '/flags/\\seen', type: 'all' } }, [2, 3]],
    [{ kind: 'emailid', id: 'Ebbb' }, [2]],
    [{ kind: 'emailid', id: 'ebbb' }, []],
    [{ kind: 'threadid', id: 'Taaa' }, [1]],
    [{ kind: 'savedatesupported' }, [1]],
  ];
  for (const [key, expected] of cases) assert.deepEqual(seqs(key), expected, JSON.stringify(key));
  assert.deepEqual(searchIds(messages, { kind: 'uid', set: { kind: 'saved' } }, { ...context, saved: undefined }).seqs, []);
});

void test('NOT, OR, AND; searchIds gives sequence numbers and UIDs in order', () => {
  const seen: SearchKey = { kind: 'flag', flag: '\\Seen', set: true };
  const big: SearchKey = { kind: 'size', op: 'larger', octets: 50 };
  assert.deepEqual(seqs({ kind: 'not', key: seen }), [2, 3]);
  assert.deepEqual(seqs({ kind: 'or', left: seen, right: { kind: 'uid', set: set(20) } }), [1, 2]);
  assert.deepEqual(seqs({ kind: 'and', keys: [big, { kind: 'body', value: 'xxx' }] }), [3]);
  assert.deepEqual(seqs({ kind: 'and', keys: [] }), [1, 2, 3]);
  const hits = searchIds([...messages].reverse(), { kind: 'recent', set: true }, context);
  assert.deepEqual([hits.seqs, hits.uids, hits.messages.map((m) => m.seq)], [[1, 3], [10, 30], [1, 3]]);
});

void test('an AND reads bodies only when the cheap keys still match', () => {
  let bodyReads = 0;
  const counted = messages.map((m) => ({ ...m, bodyText: () => (bodyReads++, m.bodyText()), fullText: () => (bodyReads++, m.fullText()) }));
  searchIds(counted, { kind: 'and', keys: [{ kind: 'body', value: 'x' }, { kind: 'uid', set: set(30) }] }, context);
  assert.equal(bodyReads, 1);
});

void test('MAX_SEARCH_KEY_DEPTH: deeper nesting does not match and does not exhaust the stack', () => {
  assert.equal(MAX_SEARCH_KEY_DEPTH, 1000);
  const nest = (depth: number): SearchKey => {
    let key: SearchKey = { kind: 'all' };
    for (let i = 0; i < depth; i++) key = { kind: 'and', keys: [key] };
    return key;
  };
  assert.equal(matches(nest(MAX_SEARCH_KEY_DEPTH), messages[0] as SearchableMessage, context), true);
  assert.equal(matches(nest(MAX_SEARCH_KEY_DEPTH + 1), messages[0] as SearchableMessage, context), false);
  assert.equal(matches(nest(200_000), messages[0] as SearchableMessage, context), false);
});

void test('containsModSeq finds MODSEQ anywhere in the key (RFC 7162 §3.1.5)', () => {
  assert.equal(containsModSeq({ kind: 'all' }), false);
  assert.equal(containsModSeq({ kind: 'or', left: { kind: 'all' }, right: { kind: 'not', key: { kind: 'modseq', modSeq: 1 } } }), true);
  assert.equal(containsModSeq({ kind: 'and', keys: [{ kind: 'all' }, { kind: 'modseq', modSeq: 1 }] }), true);
});

const keyArbitrary: fc.Arbitrary<SearchKey> = fc.letrec<{ key: SearchKey }>((tie) => ({
  key: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<SearchKey>({ kind: 'all' }),
    fc.record({ kind: fc.constant('flag' as const), flag: fc.constantFrom('\\Seen', '\\deleted', '$Work', '\\Recent', ''), set: fc.boolean() }),
    fc.record({ kind: fc.constant('header' as const), field: fc.constantFrom('From', 'to', 'Subject', 'X-Tag', 'Nope'), value: fc.string({ maxLength: 6 }) }),
    fc.record({ kind: fc.constantFrom('body' as const, 'text' as const), value: fc.string({ unit: 'binary', maxLength: 6 }) }),
    fc.record({ kind: fc.constant('date' as const), which: fc.constantFrom('internal' as const, 'sent' as const, 'save' as const), op: fc.constantFrom('before' as const, 'on' as const, 'since' as const), date: fc.constantFrom('2007-03-25', '2024-05-01', 'junk', '2024-02-30') }),
    fc.record({ kind: fc.constant('size' as const), op: fc.constantFrom('larger' as const, 'smaller' as const), octets: fc.nat() }),
    fc.record({ kind: fc.constantFrom('uid' as const, 'sequence' as const), set: fc.oneof(fc.constant<SequenceSet>({ kind: 'saved' }), fc.array(fc.record({ from: fc.oneof(fc.nat(40), fc.constant(Infinity)), to: fc.oneof(fc.nat(40), fc.constant(Infinity)) }), { maxLength: 3 }).map((ranges): SequenceSet => ({ kind: 'set', ranges }))) }),
    fc.record({ kind: fc.constant('not' as const), key: tie('key') }),
    fc.record({ kind: fc.constant('or' as const), left: tie('key'), right: tie('key') }),
    fc.record({ kind: fc.constant('and' as const), keys: fc.array(tie('key'), { maxLength: 3 }) }),
  ),
})).key;

void test('property: any key evaluates without throwing; NOT is the complement; AND order does not matter', () => {
  fc.assert(
    fc.property(keyArbitrary, keyArbitrary, (a, b) => {
      const all = [1, 2, 3];
      const hits = seqs(a);
      assert.deepEqual(seqs({ kind: 'not', key: a }), all.filter((s) => !hits.includes(s)));
      assert.deepEqual(seqs({ kind: 'and', keys: [a, b] }), seqs({ kind: 'and', keys: [b, a] }));
      assert.deepEqual(seqs({ kind: 'or', left: a, right: b }), all.filter((s) => hits.includes(s) || seqs(b).includes(s)));
    }),
  );
});
