import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { asciiCasemap, compareCodePoints, compressWhitespace, containsFolded, FOLD_CACHE_LIMIT, unicodeCasemap } from './collate.ts';

void test('unicodeCasemap: RFC 5051 simple titlecase, then NFKD', () => {
  const cases: [string, string][] = [
    ['hello World', 'HELLO WORLD'],
    ['', ''],
    ['[xyz] _', '[XYZ] _'],
    ['é', 'E\u0301'], // titlecase É, then decomposed
    ['É', 'E\u0301'],
    ['ß', 'ß'], // no simple uppercase mapping
    ['ǆ', 'Dz\u030c'], // titlecase ǅ (not uppercase Ǆ), which NFKD splits
    ['Ǆ', 'Dz\u030c'],
    ['ǉ', 'Lj'],
    ['ǳ', 'Dz'],
    ['ᾳ', 'Α\u0345'], // U+1FB3 → U+1FBC, then NFKD
    ['ᾀ', unicodeCasemap('ᾈ')],
    ['ı', 'I'], // dotless i: simple uppercase I
    ['ſ', 'S'], // long s
    ['ﬁ', 'fi'], // NFKD after titlecase (RFC 5051 order)
    ['ა', 'ა'], // Georgian Mkhedruli: titlecase is itself
    ['𐐨', '𐐀'], // Deseret, outside the BMP
    ['Ä ä', 'A\u0308 A\u0308'],
  ];
  for (const [input, folded] of cases) assert.equal(unicodeCasemap(input), folded, JSON.stringify(input));
});

void test('unicodeCasemap: case variants fold alike; any string folds without throwing', () => {
  const letters = [...'abcxyzäöüéèçñøåæœαβγδωабвгдяё ,.1'];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...letters), { maxLength: 30 }), (chars) => {
      const s = chars.join('');
      assert.equal(unicodeCasemap(s), unicodeCasemap(s.toUpperCase()));
    }),
  );
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => typeof unicodeCasemap(s) === 'string'));
});

void test('FOLD_CACHE_LIMIT bounds the cache, folding stays right beyond it', () => {
  assert.equal(FOLD_CACHE_LIMIT, 4096);
  let many = '';
  for (let cp = 0x100; cp < 0x100 + FOLD_CACHE_LIMIT + 500; cp++) if (cp < 0xd800) many += String.fromCodePoint(cp);
  unicodeCasemap(many);
  assert.equal(unicodeCasemap('ǆé'), 'Dz\u030cE\u0301');
});

void test('asciiCasemap: RFC 4790 i;ascii-casemap touches a-z only', () => {
  assert.equal(asciiCasemap('\\Seen $Label1 é'), '\\SEEN $LABEL1 é');
});

void test('compareCodePoints orders like UTF-8 octets (RFC 5051 §2.2)', () => {
  assert.ok(compareCodePoints('A', 'B') < 0);
  assert.ok(compareCodePoints('AB', 'A') > 0);
  assert.equal(compareCodePoints('same', 'same'), 0);
  assert.ok(compareCodePoints('\uffff', '😀') < 0); // UTF-16 order would say the opposite
  assert.ok(compareCodePoints('\ue000', '\ud800\udc00') < 0);
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }), (a, b) => {
      const expected = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
      // Lone surrogates encode as U+FFFD in UTF-8; compare only well-formed strings.
      if (!a.isWellFormed() || !b.isWellFormed()) return;
      assert.equal(Math.sign(compareCodePoints(a, b)), expected);
    }),
  );
});

void test('containsFolded: case-insensitive substring; the empty needle is everywhere', () => {
  const cases: [string, string, boolean][] = [
    ['Hello Beautiful World', 'eautiful worl', true],
    ['Hello', 'HELLO', true],
    ['Grüße', 'GRÜSSE', false], // ß has no simple mapping
    ['Grüße', 'grüße', true],
    ['abc', '', true],
    ['', 'a', false],
  ];
  for (const [haystack, needle, expected] of cases) {
    assert.equal(containsFolded(haystack, unicodeCasemap(needle)), expected, `${haystack} / ${needle}`);
  }
});

void test('compressWhitespace: drops leading whitespace, folds runs to one space', () => {
  assert.equal(compressWhitespace('  a \t\r\n b  '), 'a b ');
  assert.equal(compressWhitespace('plain'), 'plain');
});
