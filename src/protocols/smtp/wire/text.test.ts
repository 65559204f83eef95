import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { asciiLower, asciiText, asciiUpper, decodeUtf8, hasNonAscii, isAsciiBytes, isAtext, isDotString, utf8Length } from './text.ts';

void test('strict UTF-8 (RFC 3629): overlong, surrogate and out-of-range forms refused', () => {
  assert.equal(decodeUtf8(new Uint8Array([0x61, 0xc3, 0xbc])), 'aü');
  for (const sequence of [[0xc3], [0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80]]) {
    assert.equal(decodeUtf8(new Uint8Array(sequence)), undefined, JSON.stringify(sequence));
  }
});

void test('character classes: atext (RFC 5322 §3.2.3, RFC 6531 §3.3), Dot-string (RFC 5321 §4.1.2)', () => {
  for (const text of ['a', 'a.b', "!#$%&'*+-/=?^_`{|}~", 'user+tag']) assert.ok(isDotString(text, false), text);
  for (const text of ['', '.', 'a.', '.a', 'a..b', 'a b', 'a"b', 'a@b', 'a(b', 'ü']) assert.ok(!isDotString(text, false), text);
  assert.ok(isDotString('üser.名前', true));
  assert.ok(!isAtext('\u0085', true)); // C1 controls are not atext even with UTF-8
  assert.ok(!isAtext('\u2028', true));
  assert.equal(asciiUpper('mail ﬁ ı'), 'MAIL ﬁ ı'); // only ASCII letters change
  assert.equal(asciiLower('MAIL İ \u212A'), 'mail İ \u212A'); // dotted I and the Kelvin sign stay
  assert.ok(hasNonAscii('aü') && !hasNonAscii('abc'));
  assert.ok(isAsciiBytes(new Uint8Array([0, 0x7f])) && !isAsciiBytes(new Uint8Array([0x80])));
});

void test('property: utf8Length agrees with TextEncoder; asciiText is Latin-1; nothing throws', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (text) => {
      assert.equal(utf8Length(text), new TextEncoder().encode(text).length);
      isDotString(text, true);
      isDotString(text, false);
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 10_000 }), (data) => {
      const text = asciiText(data);
      assert.equal(text.length, data.length);
      assert.ok([...data].every((byte, i) => text.charCodeAt(i) === byte));
      decodeUtf8(data);
    }),
    { numRuns: 50 },
  );
});
