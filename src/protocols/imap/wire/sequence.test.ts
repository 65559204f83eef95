// Sequence sets: parsing (table, through the reader one byte at a time), formatting, and the
// format/parse round trip.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatNumberSet, formatSequenceSet } from './sequence.ts';
import type { SequenceSet } from './types.ts';
import { readOne } from './wire.test-support.ts';

const I = Infinity;
const set = (...ranges: [number, number][]): SequenceSet => ({ kind: 'set', ranges: ranges.map(([from, to]) => ({ from, to })) });

const VALID: readonly (readonly [string, SequenceSet])[] = [
  ['1', set([1, 1])],
  ['1:3', set([1, 3])],
  ['3:1', set([1, 3])], // RFC 9051 §9 seq-range: either order
  ['*', set([I, I])],
  ['1:*', set([1, I])],
  ['*:4', set([4, I])],
  ['1,3:5,*', set([1, 1], [3, 5], [I, I])],
  ['2,4:7,9,12:*', set([2, 2], [4, 7], [9, 9], [12, I])],
  ['5,5,1:1', set([5, 5], [5, 5], [1, 1])],
  ['$', { kind: 'saved' }], // RFC 5182
  ['4294967295', set([4294967295, 4294967295])],
];

const INVALID = ['0', '01', '1:0', '', '1:', ':1', '1,,2', '1,', ',1', '1:2:3', '$1', '$,1', '4294967296', '*0', '-1', '1.5', '1 :2'];

function parse(text: string): SequenceSet | undefined {
  const event = readOne(`a UID EXPUNGE ${text}`);
  return event.kind === 'command' && event.command.name === 'UID EXPUNGE' ? event.command.set : undefined;
}

void test('sequence sets parse (RFC 9051 §9 sequence-set, RFC 5182 "$"), one push and one byte at a time', () => {
  for (const [text, expected] of VALID) assert.deepEqual(parse(text), expected, text);
});

void test('invalid sequence sets are BAD', () => {
  for (const text of INVALID) assert.equal(parse(text), undefined, text);
});

void test('formatNumberSet compresses numbers into ranges', () => {
  assert.equal(formatNumberSet([1, 2, 3, 5, 7, 8, 9]), '1:3,5,7:9');
  assert.equal(formatNumberSet([9, 8, 7, 5, 3, 2, 1, 2]), '1:3,5,7:9');
  assert.equal(formatNumberSet([4294967295]), '4294967295');
  assert.equal(formatNumberSet([]), '');
  assert.equal(formatNumberSet(new Set([10, 11])), '10:11');
  // COPYUID keeps the correspondence of source and destination (RFC 4315 §3).
  assert.equal(formatNumberSet([3, 4, 5, 1], { keepOrder: true }), '3:5,1');
  assert.equal(formatNumberSet([5, 4], { keepOrder: true }), '5,4');
});

void test('formatSequenceSet writes "$", "*" and ranges', () => {
  assert.equal(formatSequenceSet({ kind: 'saved' }), '$');
  assert.equal(formatSequenceSet(set([1, 3], [5, 5], [7, I], [I, I])), '1:3,5,7:*,*');
});

const range = fc.tuple(fc.oneof(fc.integer({ min: 1, max: 4294967295 }), fc.constant(I)), fc.oneof(fc.integer({ min: 1, max: 4294967295 }), fc.constant(I)));

void test('property: a formatted sequence set parses back to itself', () => {
  fc.assert(
    fc.property(fc.array(range, { minLength: 1, maxLength: 6 }), (ranges) => {
      const value = set(...ranges.map(([a, b]): [number, number] => [Math.min(a, b), Math.max(a, b)]));
      assert.deepEqual(parse(formatSequenceSet(value)), value);
    }),
    { numRuns: 300 },
  );
});

void test('property: formatNumberSet covers exactly the numbers given', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 60 }), (numbers) => {
      const text = formatNumberSet(numbers);
      const expanded = text === '' ? [] : text.split(',').flatMap((part) => {
        const [from = 0, to = from] = part.split(':').map(Number);
        return Array.from({ length: to - from + 1 }, (_, i) => from + i);
      });
      assert.deepEqual(expanded, [...new Set(numbers)].sort((a, b) => a - b));
    }),
  );
});
