import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { SearchReturn } from '../wire/types.ts';
import { esearchModSeq, esearchResult, formatEsearchData, savedResult, type EsearchData } from './esearch.ts';
import type { SearchableMessage } from './message.ts';
import { testMessage } from './testing/fake-message.ts';

void test('esearchResult: MIN, MAX, COUNT, ALL (RFC 4731 §3.1)', () => {
  const ids = [1, 2, 3, 5, 6];
  const cases: [readonly number[], SearchReturn, EsearchData][] = [
    [ids, {}, { all: '1:3,5:6' }], // RETURN () means ALL
    [ids, { all: true }, { all: '1:3,5:6' }],
    [ids, { min: true }, { min: 1 }],
    [ids, { max: true }, { max: 6 }],
    [ids, { count: true }, { count: 5 }],
    [ids, { min: true, max: true, count: true }, { min: 1, max: 6, count: 5 }],
    [[], {}, {}],
    [[], { min: true, max: true }, {}],
    [[], { count: true }, { count: 0 }],
    [ids, { save: true }, {}], // SAVE alone: no ESEARCH response (RFC 5182 §2.1)
    [ids, { save: true, min: true }, { min: 1 }],
    [[5, 3, 4, 2, 1], { all: true, min: true, max: true }, { min: 5, max: 1, all: '5,3:4,2,1' }], // ESORT: sort order
  ];
  for (const [list, ret, expected] of cases) assert.deepEqual(esearchResult(list, ret), expected, JSON.stringify([list, ret]));
});

void test('esearchResult: PARTIAL (RFC 9394 §3.1), as imaptest search-partial and sort-partial expect', () => {
  const five = [1, 2, 3, 4, 5];
  const cases: [readonly number[], { from: number; to: number }, { range: string; set: string | null }][] = [
    [five, { from: 1, to: 1 }, { range: '1:1', set: '1' }],
    [five, { from: 2, to: 4 }, { range: '2:4', set: '2:4' }],
    [five, { from: 4, to: 2 }, { range: '2:4', set: '2:4' }],
    [five, { from: 1, to: 6 }, { range: '1:6', set: '1:5' }],
    [five, { from: 6, to: 6 }, { range: '6:6', set: null }],
    [[1, 2, 4, 5], { from: 2, to: 3 }, { range: '2:3', set: '2,4' }],
    [[5, 4, 3, 2, 1], { from: 2, to: 4 }, { range: '2:4', set: '4,3,2' }],
    [five, { from: -1, to: -2 }, { range: '-1:-2', set: '4:5' }], // the last two
    [five, { from: -3, to: -1 }, { range: '-1:-3', set: '3:5' }],
    [five, { from: -10, to: -4 }, { range: '-4:-10', set: '1:2' }],
    [five, { from: -7, to: -6 }, { range: '-6:-7', set: null }],
    [[], { from: 1, to: 10 }, { range: '1:10', set: null }],
    [five, { from: 0, to: 3 }, { range: '0:3', set: null }], // invalid: the parser refuses these
    [five, { from: -1, to: 3 }, { range: '-1:3', set: null }],
  ];
  for (const [ids, partial, expected] of cases) assert.deepEqual(esearchResult(ids, { partial }).partial, expected, JSON.stringify([ids, partial]));
  assert.deepEqual(esearchResult(five, { partial: { from: 1, to: 2 }, count: true }), { partial: { range: '1:2', set: '1:2' }, count: 5 });
});

void test('property: PARTIAL picks the positions it names, in result order', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { maxLength: 30 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), (ids, a, b, fromEnd) => {
      const partial = fromEnd ? { from: -a, to: -b } : { from: a, to: b };
      const [low, high] = [Math.min(a, b), Math.max(a, b)];
      const expected = fromEnd ? ids.slice(Math.max(ids.length - high, 0), Math.max(ids.length - low + 1, 0)) : ids.slice(low - 1, high);
      const got = esearchResult(ids, { partial }).partial?.set ?? null;
      assert.equal(got, expected.length === 0 ? null : esearchResult(expected, {}).all);
    }),
  );
});

void test('savedResult: what SAVE keeps (RFC 5182 §2.1)', () => {
  const uids = [10, 20, 30];
  assert.deepEqual(savedResult(uids, { save: true }), [10, 20, 30]);
  assert.deepEqual(savedResult(uids, { save: true, min: true }), [10]);
  assert.deepEqual(savedResult(uids, { save: true, max: true }), [30]);
  assert.deepEqual(savedResult(uids, { save: true, min: true, max: true }), [10, 30]);
  assert.deepEqual(savedResult([10], { save: true, min: true, max: true }), [10]);
  assert.deepEqual(savedResult(uids, { save: true, min: true, count: true }), [10, 20, 30]);
  assert.deepEqual(savedResult(uids, { save: true, partial: { from: 2, to: 3 } }), [20, 30]);
  assert.deepEqual(savedResult([], { save: true, min: true }), []);
});

void test('esearchModSeq: the highest mod-sequence returned (RFC 7162 §3.1.5, imaptest esearch-condstore)', () => {
  const at = (seq: number, modSeq: number): SearchableMessage => testMessage([], '', { seq, uid: seq, modSeq });
  const hits = [at(1, 4), at(2, 7), at(3, 5)];
  assert.equal(esearchModSeq(hits, {}), 7);
  assert.equal(esearchModSeq(hits, { all: true }), 7);
  assert.equal(esearchModSeq(hits, { min: true }), 4);
  assert.equal(esearchModSeq(hits, { max: true }), 5);
  assert.equal(esearchModSeq(hits.slice(1), { min: true, max: true }), 7);
  assert.equal(esearchModSeq(hits, { min: true, count: true }), 7);
  assert.equal(esearchModSeq([], { all: true }), undefined);
});

void test('formatEsearchData: items in Dovecot order', () => {
  assert.equal(formatEsearchData({ min: 1, max: 6, all: '1:6', count: 6 }, 9), 'MIN 1 MAX 6 ALL 1:6 COUNT 6 MODSEQ 9');
  assert.equal(formatEsearchData({ partial: { range: '6:6', set: null } }), 'PARTIAL (6:6 NIL)');
  assert.equal(formatEsearchData({ partial: { range: '2:4', set: '3:4,2' } }), 'PARTIAL (2:4 3:4,2)');
  assert.equal(formatEsearchData({}), '');
});
