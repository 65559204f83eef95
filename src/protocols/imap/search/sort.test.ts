import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { SortCriterion, SortKey } from '../wire/types.ts';
import type { SearchableMessage } from './message.ts';
import { sortMessages, sortValue } from './sort.ts';
import { testMessage } from './testing/fake-message.ts';

const at = (seconds: number) => new Date(seconds * 1000);
const by = (...keys: string[]): SortCriterion[] =>
  keys.map((k) => (k.startsWith('-') ? { key: k.slice(1) as SortKey, reverse: true } : { key: k as SortKey, reverse: false }));
const order = (messages: readonly SearchableMessage[], ...keys: string[]) => sortMessages(messages, by(...keys)).map((m) => m.seq);

const messages = [
  testMessage(['From: Zed <a@x.org>', 'To: team: b@x.org;', 'Cc: c@x.org', 'Subject: Re: beta', 'Date: Thu, 1 Jan 1970 00:00:30 +0000'], 'one', { seq: 1, uid: 1, internalDate: at(300) }),
  testMessage(['From: b@x.org', 'To: "Ärger" <z@x.org>', 'Subject: alpha', 'Date: broken'], 'two two', { seq: 2, uid: 2, internalDate: at(10) }),
  testMessage(['From: "alpha" <c@x.org>', 'To: A@x.org', 'Cc: B@x.org', 'Subject: [list] Beta'], 'three three three', { seq: 3, uid: 3, internalDate: at(300) }),
  testMessage(['Subject: Fwd: ALPHA', 'Date: Thu, 1 Jan 1970 00:00:20 +0000'], '', { seq: 4, uid: 4, internalDate: at(5) }),
];

void test('sort values per criterion (RFC 5256 §3, RFC 5957 §2)', () => {
  const [m1, m2, m3, m4] = messages as [SearchableMessage, SearchableMessage, SearchableMessage, SearchableMessage];
  const cases: [SearchableMessage, SortKey, number | string][] = [
    [m1, 'ARRIVAL', 300],
    [m1, 'DATE', 30],
    [m2, 'DATE', 10], // Date: unusable: the internal date (§2.2)
    [m3, 'DATE', 300], // no Date:
    [m1, 'FROM', 'A'], // addr-mailbox, folded
    [m3, 'FROM', 'C'],
    [m4, 'FROM', ''],
    [m1, 'TO', 'TEAM'], // a group: its name
    [m3, 'CC', 'B'],
    [m1, 'SUBJECT', 'BETA'],
    [m3, 'SUBJECT', 'BETA'],
    [m4, 'SUBJECT', 'ALPHA'],
    [m1, 'DISPLAYFROM', 'ZED'],
    [m2, 'DISPLAYFROM', 'B@X.ORG'],
    [m2, 'DISPLAYTO', 'A\u0308RGER'],
    [m1, 'DISPLAYTO', 'TEAM'],
    [m4, 'DISPLAYTO', ''],
  ];
  for (const [message, key, value] of cases) assert.equal(sortValue(message, key), value, `${message.seq} ${key}`);
  assert.equal(sortValue(m2, 'SIZE'), m2.size);
});

void test('sortMessages: criteria in turn, REVERSE per criterion, ties in sequence order', () => {
  const cases: [string[], number[]][] = [
    [['ARRIVAL'], [4, 2, 1, 3]],
    [['-ARRIVAL'], [1, 3, 2, 4]], // ties stay ascending (imaptest sort-arrival)
    [['ARRIVAL', '-SIZE'], [4, 2, 1, 3]], // sizes 116, 78, 92, 61
    [['DATE'], [2, 4, 1, 3]],
    [['SUBJECT'], [2, 4, 1, 3]],
    [['SUBJECT', '-ARRIVAL'], [2, 4, 1, 3]],
    [['-SUBJECT', 'ARRIVAL'], [1, 3, 4, 2]],
    [['FROM'], [4, 1, 2, 3]],
    [['DISPLAYFROM'], [4, 3, 2, 1]],
    [['DISPLAYTO'], [4, 3, 2, 1]], // "", "A@x.org", "Ärger" (A U+0308 after A@), "team"
    [['CC'], [2, 4, 3, 1]],
    [['SIZE'], [4, 2, 3, 1]],
    [[], [1, 2, 3, 4]],
  ];
  for (const [keys, expected] of cases) assert.deepEqual(order(messages, ...keys), expected, keys.join(' '));
  assert.deepEqual(order([]), []);
});

const SORT_KEYS: SortKey[] = ['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO'];
const generated = fc
  .array(
    fc.record({
      arrival: fc.integer({ min: 0, max: 3 }),
      from: fc.constantFrom('a@x', 'B@x', 'Name <c@x>', '', 'g: a@x;'),
      subject: fc.constantFrom('a', 'Re: a', 'B', '[l] b', ''),
      body: fc.constantFrom('', 'x', 'xx'),
    }),
    { maxLength: 12 },
  )
  .map((rows) =>
    rows.map((r, i) => testMessage([`From: ${r.from}`, `Subject: ${r.subject}`], r.body, { seq: i + 1, uid: 10 * (i + 1), internalDate: at(r.arrival) })),
  );
const criteria = fc.array(fc.record({ key: fc.constantFrom(...SORT_KEYS), reverse: fc.boolean() }), { maxLength: 3 });

void test('property: a permutation, ordered by the criteria, ties by sequence number', () => {
  fc.assert(
    fc.property(generated, criteria, (list, crit) => {
      const sorted = sortMessages(list, crit);
      assert.deepEqual(sorted.map((m) => m.seq).sort((a, b) => a - b), list.map((m) => m.seq));
      for (let i = 1; i < sorted.length; i++) {
        const [x, y] = [sorted[i - 1] as SearchableMessage, sorted[i] as SearchableMessage];
        const same = crit.every((c) => sortValue(x, c.key) === sortValue(y, c.key));
        if (same) assert.ok(x.seq < y.seq, 'ties in sequence order');
      }
      // Sorting an already sorted list changes nothing.
      assert.deepEqual(sortMessages(sorted, crit).map((m) => m.seq), sorted.map((m) => m.seq));
    }),
  );
});
