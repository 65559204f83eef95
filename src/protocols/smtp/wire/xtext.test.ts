import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeUtf8AddrUnitext,
  decodeUtf8AddrXtext,
  decodeXtext,
  encodeUtf8AddrUnitext,
  encodeUtf8AddrXtext,
  encodeXtext,
} from './xtext.ts';

void test('xtext decoding: RFC 3461 §4, "+" with two upper-case hex digits', () => {
  const valid: readonly (readonly [string, string])[] = [
    ['', ''],
    ['abc', 'abc'],
    ['a+2Bb', 'a+b'],
    ['a+3Db', 'a=b'],
    ['+20', ' '],
    ['user+40example.com', 'user@example.com'],
    ['!~', '!~'],
    ['+C3+BC', 'ü'], // octets read as UTF-8
  ];
  for (const [text, decoded] of valid) assert.deepEqual(decodeXtext(text), { ok: true, value: decoded }, text);
  for (const text of ['+2b', '+2', '+', '+G0', 'a=b', 'a b', 'ü', '\u0000', '\t', '+FF', '+C3', '+C3+28']) {
    assert.equal(decodeXtext(text).ok, false, JSON.stringify(text));
  }
});

void test('xtext encoding: upper-case hexchars for "+", "=", SP, controls and non-ASCII', () => {
  assert.equal(encodeXtext('a+b=c d'), 'a+2Bb+3Dc+20d');
  assert.equal(encodeXtext('ü'), '+C3+BC');
  assert.equal(encodeXtext('\u0000\u007f'), '+00+7F');
  assert.throws(() => encodeXtext('\uD800'), RangeError);
});

void test('utf-8-addr-xtext and utf-8-addr-unitext: RFC 6533 §3', () => {
  const valid: readonly (readonly [string, string, string])[] = [
    // [encoded, decoder, decoded]
    ['user@example.com', 'both', 'user@example.com'],
    ['\\x{FC}ser@example.com', 'both', 'üser@example.com'],
    ['\\x{fc}ser@example.com', 'both', 'üser@example.com'], // RFC 5234 HEXDIG is case-insensitive
    ['a\\x{2B}b@example.com', 'both', 'a+b@example.com'],
    ['a\\x{3D}b@example.com', 'both', 'a=b@example.com'],
    ['a\\x{5C}b@example.com', 'both', 'a\\b@example.com'],
    ['a\\x{20}b@example.com', 'both', 'a b@example.com'],
    ['\\x{1F600}@example.com', 'both', '😀@example.com'],
    ['\\x{10FFFF}@example.com', 'both', '\u{10FFFF}@example.com'],
    ['üser@bücher.example', 'unitext', 'üser@bücher.example'],
  ];
  for (const [encoded, which, decoded] of valid) {
    if (which === 'both') assert.deepEqual(decodeUtf8AddrXtext(encoded), { ok: true, value: decoded }, encoded);
    assert.deepEqual(decodeUtf8AddrUnitext(encoded), { ok: true, value: decoded }, encoded);
  }
  assert.equal(decodeUtf8AddrXtext('üser@example.com').ok, false); // raw UTF-8 is unitext only
  for (const encoded of [
    '',
    'a+b@example.com',
    'a=b@example.com',
    'a b@example.com',
    'a\\b@example.com',
    '\\x{}',
    '\\x{F}',
    '\\x{0FC}', // leading zero
    '\\x{41}', // ASCII letter: not a HEXPOINT
    '\\x{0A}', // CR/LF never
    '\\x{01}', // controls refused (deviation, see xtext.ts)
    '\\x{85}',
    '\\x{D800}',
    '\\x{110000}',
    '\\x{20FFFF}',
    '\\x{1234567}',
    '\\x{FC',
    '\\X{FC}',
    'a\u0000b',
    'a\u0085b',
  ]) {
    assert.equal(decodeUtf8AddrUnitext(encoded).ok, false, JSON.stringify(encoded));
    assert.equal(decodeUtf8AddrXtext(encoded).ok, false, JSON.stringify(encoded));
  }
  assert.equal(encodeUtf8AddrXtext('üser+x=y\\z @bücher.example'), '\\x{FC}ser\\x{2B}x\\x{3D}y\\x{5C}z\\x{20}@b\\x{FC}cher.example');
  assert.equal(encodeUtf8AddrUnitext('üser+x@bücher.example'), 'üser\\x{2B}x@bücher.example');
  assert.throws(() => encodeUtf8AddrXtext('a\u0000b'), RangeError);
  assert.throws(() => encodeUtf8AddrXtext(''), RangeError);
});

const address = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((text) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(text));

void test('property: round trips, and decoders never throw', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (value) => {
      assert.deepEqual(decodeXtext(encodeXtext(value)), { ok: true, value });
    }),
  );
  fc.assert(
    fc.property(address, (value) => {
      const xtext = encodeUtf8AddrXtext(value);
      assert.ok(/^[\x21-\x7e]+$/.test(xtext) && !/[+=]/.test(xtext), xtext);
      assert.deepEqual(decodeUtf8AddrXtext(xtext), { ok: true, value });
      assert.deepEqual(decodeUtf8AddrUnitext(encodeUtf8AddrUnitext(value)), { ok: true, value });
      // utf-8-addr-xtext is valid xtext that decodes to itself (RFC 6533 §3: no "+" or "=").
      assert.deepEqual(decodeXtext(xtext), { ok: true, value: xtext });
    }),
  );
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('+', '=', '\\', 'x', '{', '}', '2', 'B', 'F', 'C', 'a', ' ', 'ü', '\u0000'), maxLength: 30 }), (text) => {
      decodeXtext(text);
      decodeUtf8AddrXtext(text);
      decodeUtf8AddrUnitext(text);
    }),
    { numRuns: 2000 },
  );
});
