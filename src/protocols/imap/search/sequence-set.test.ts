import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { SequenceSet } from '../wire/types.ts';
import { formatSequenceSet, inSequenceSet } from './sequence-set.ts';

const set = (...ranges: [number, number][]): SequenceSet => ({ kind: 'set', ranges: ranges.map(([from, to]) => ({ from, to })) });
const none = () => false;

void test('inSequenceSet: ranges, reversed ranges, * and $', () => {
  const cases: [SequenceSet, number, number, boolean][] = [
    [set([1, 3], [5, 5]), 2, 9, true],
    [set([1, 3], [5, 5]), 4, 9, false],
    [set([4, 2]), 3, 9, true], // RFC 9051 §9: 4:2 is 2:4
    [set([Infinity, Infinity]), 9, 9, true], // * is the largest number in use
    [set([Infinity, Infinity]), 8, 9, false],
    [set([Infinity, 3]), 5, 9, true], // *:3
    [set([6, Infinity]), 5, 5, true], // 6:* when 5 is the largest: 5:6
    [set([1, 4294967295]), 4000000000, 4000000000, true],
    [set(), 1, 1, false],
  ];
  for (const [s, value, star, expected] of cases) assert.equal(inSequenceSet(s, value, star, none, value), expected, JSON.stringify([s, value, star]));
  const saved = new Set([10, 30]);
  assert.equal(inSequenceSet({ kind: 'saved' }, 1, 9, (uid) => saved.has(uid), 10), true);
  assert.equal(inSequenceSet({ kind: 'saved' }, 2, 9, (uid) => saved.has(uid), 20), false);
});

void test('formatSequenceSet: ascending runs compress, order is kept (RFC 4731 §3.1, ESORT)', () => {
  const cases: [number[], string][] = [
    [[], ''],
    [[1], '1'],
    [[1, 2, 3, 5], '1:3,5'],
    [[2, 4, 5], '2,4:5'],
    [[5, 3, 4, 2, 1], '5,3:4,2,1'],
    [[7, 7], '7,7'],
  ];
  for (const [ids, text] of cases) assert.equal(formatSequenceSet(ids), text);
});

void test('formatSequenceSet expands back to the same list', () => {
  const expand = (text: string) =>
    text === ''
      ? []
      : text.split(',').flatMap((part) => {
          const [a = '0', b = a] = part.split(':');
          return Array.from({ length: Number(b) - Number(a) + 1 }, (_, i) => Number(a) + i);
        });
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 30 }), (ids) => assert.deepEqual(expand(formatSequenceSet(ids)), ids)));
});
