import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { saslprep } from './saslprep.ts';

void test('RFC 4013 §3 examples', () => {
  assert.deepEqual(saslprep('I\u00ADX'), { ok: true, value: 'IX' }); // SOFT HYPHEN mapped to nothing
  assert.deepEqual(saslprep('user'), { ok: true, value: 'user' });
  assert.deepEqual(saslprep('USER'), { ok: true, value: 'USER' }); // case preserved
  assert.deepEqual(saslprep('\u00AA'), { ok: true, value: 'a' }); // NFKC
  assert.deepEqual(saslprep('\u2168'), { ok: true, value: 'IX' }); // NFKC
  assert.deepEqual(saslprep('\u0007'), { ok: false, error: 'prohibited-character' });
  assert.deepEqual(saslprep('\u0627\u0031'), { ok: false, error: 'bidi-violation' });
});

void test('mapping, normalization and prohibition table', () => {
  const valid: [string, string][] = [
    ['a\u00A0b', 'a b'], // C.1.2 non-ASCII space to SPACE
    ['a\u3000b', 'a b'],
    ['a\u200Bb', 'ab'], // B.1 zero width space removed
    ['pa\uFEFFss', 'pass'],
    ['caf\u0065\u0301', 'caf\u00E9'], // composed
    ['\uFB01', 'fi'], // compatibility ligature
    ['pass word', 'pass word'],
    ['\u0627\u0031\u0628', '\u0627\u0031\u0628'], // RandALCat at both ends, digit inside
    ['\u05D0\u05D1', '\u05D0\u05D1'],
    ['😀x', '😀x'],
  ];
  for (const [input, expected] of valid) assert.deepEqual(saslprep(input), { ok: true, value: expected }, JSON.stringify(input));

  const invalid: [string, string][] = [
    ['', 'empty'],
    ['\u00AD', 'empty'],
    ['a\u0000b', 'prohibited-character'], // C.2.1
    ['a\u007Fb', 'prohibited-character'],
    ['a\u0085b', 'prohibited-character'], // C.2.2
    ['a\u2028b', 'prohibited-character'],
    ['a\uE000b', 'prohibited-character'], // C.3 private use
    ['a\u{10FFFD}', 'prohibited-character'],
    ['a\uFDD0', 'prohibited-character'], // C.4
    ['a\u{1FFFF}', 'prohibited-character'],
    ['a\uD800b', 'prohibited-character'], // C.5 lone surrogate
    ['a\uFFFD', 'prohibited-character'], // C.6
    ['a\u2FF0', 'prohibited-character'], // C.7
    ['a\u202Eb', 'prohibited-character'], // C.8
    ['a\u{E0041}', 'prohibited-character'], // C.9
    ['\u05D0a\u05D1', 'bidi-violation'], // RandALCat with LCat
    ['\u05D01', 'bidi-violation'], // does not end with RandALCat
  ];
  for (const [input, error] of invalid) assert.deepEqual(saslprep(input), { ok: false, error }, JSON.stringify(input));
});

void test('unassigned code points: allowed in queries, rejected in stored strings (RFC 4013 §2.5)', () => {
  assert.deepEqual(saslprep('a\u0378b', 'query'), { ok: true, value: 'a\u0378b' });
  assert.deepEqual(saslprep('a\u0378b', 'stored'), { ok: false, error: 'unassigned-code-point' });
});

void test('property: never throws, and a prepared string prepares to itself', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (input) => {
      const prepared = saslprep(input);
      if (prepared.ok) assert.deepEqual(saslprep(prepared.value), prepared);
    }),
    { numRuns: 3000 },
  );
});
