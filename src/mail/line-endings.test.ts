import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
// The contract toCrlf keeps: the same line ends as the SMTP client's DATA encoder sends.
import { encodeData } from '../protocols/smtp/wire/data-encoder.ts';
import { hasCrlfOnly, toCrlf } from './line-endings.ts';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const text = (value: Uint8Array) => Buffer.from(value).toString('latin1');

void test('toCrlf: table (RFC 5321 §2.3.8)', () => {
  const cases: [input: string, output: string, withFinal: string][] = [
    ['', '', ''],
    ['a', 'a', 'a\r\n'],
    ['a\r\n', 'a\r\n', 'a\r\n'],
    ['a\n', 'a\r\n', 'a\r\n'],
    ['a\r', 'a\r\n', 'a\r\n'],
    ['a\n\nb', 'a\r\n\r\nb', 'a\r\n\r\nb\r\n'],
    ['a\r\rb', 'a\r\n\r\nb', 'a\r\n\r\nb\r\n'],
    ['a\n\r\nb', 'a\r\n\r\nb', 'a\r\n\r\nb\r\n'],
    ['a\r\r\nb', 'a\r\n\r\nb', 'a\r\n\r\nb\r\n'],
    ['\n', '\r\n', '\r\n'],
    ['\r', '\r\n', '\r\n'],
    ['\r\n\r\n', '\r\n\r\n', '\r\n\r\n'],
    ['x\0y', 'x\0y', 'x\0y\r\n'],
  ];
  for (const [input, output, withFinal] of cases) {
    assert.equal(text(toCrlf(bytes(input))), output, JSON.stringify(input));
    assert.equal(text(toCrlf(bytes(input), true)), withFinal, `${JSON.stringify(input)} final`);
    assert.equal(hasCrlfOnly(bytes(input)), input === output, `${JSON.stringify(input)} hasCrlfOnly`);
  }
  // Nothing to change: the same array comes back, no copy.
  const clean = bytes('a\r\nb\r\n');
  assert.equal(toCrlf(clean, true), clean);
});

void test('property: toCrlf gives CRLF only, is idempotent, and matches what DATA sends', () => {
  const octets = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string({ unit: fc.constantFrom('\r', '\n', '.', 'a', ' '), maxLength: 60 }).map(bytes));
  fc.assert(
    fc.property(octets, (input) => {
      const once = toCrlf(input, true);
      assert.ok(hasCrlfOnly(once));
      assert.deepEqual(toCrlf(once, true), once);
      // DATA = dot-stuffed CRLF message + "." CRLF; undoing the stuffing gives toCrlf's bytes.
      const data = text(encodeData(input));
      assert.ok(data.endsWith('.\r\n'));
      const unstuffed = data.slice(0, -3).replace(/(^|\r\n)\./g, '$1');
      assert.equal(unstuffed, text(once));
    }),
  );
});
