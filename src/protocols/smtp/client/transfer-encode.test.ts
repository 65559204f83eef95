import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytes, latin1 } from '../wire/wire.test-support.ts';
import { decodeQuotedPrintable } from './mime.test-support.ts';
import { encodeBase64Lines, encodeQuotedPrintable, MAX_ENCODED_LINE_CHARS } from './transfer-encode.ts';

/** Text with every line break (CRLF or LF) as CRLF: what quoted-printable carries. */
function canonicalText(input: Uint8Array): string {
  return latin1(input).replace(/\r?\n/g, '\r\n');
}

void test('quoted-printable: RFC 2045 §6.7 rules 1-5', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['', ''],
    ['plain ascii\r\n', 'plain ascii\r\n'],
    ['caf\xc3\xa9\r\n', 'caf=C3=A9\r\n'],
    ['a=b\r\n', 'a=3Db\r\n'],
    // Rule 3: white space ending a line is encoded.
    ['trailing \r\ntab\t\r\n', 'trailing=20\r\ntab=09\r\n'],
    ['trailing ', 'trailing=20'],
    ['in the middle', 'in the middle'],
    // Rule 4: LF alone is a line break in text too; a bare CR is an octet.
    ['a\nb\n', 'a\r\nb\r\n'],
    ['a\rb\r\n', 'a=0Db\r\n'],
    ['a\r\r\n', 'a=0D\r\n'],
    ['no final break', 'no final break'],
    ['\x00\x7f\xff', '=00=7F=FF'],
    // RFC 2046 §5.1.1: no encoded line may look like a boundary delimiter.
    ['--boundary\r\n', '=2D-boundary\r\n'],
    ['a-b\r\n', 'a-b\r\n'],
  ];
  for (const [input, encoded] of cases) assert.equal(latin1(encodeQuotedPrintable(bytes(input))), encoded, JSON.stringify(input));
});

void test('quoted-printable: rule 5, soft line breaks keep every line at 76 characters or fewer', () => {
  const long = encodeQuotedPrintable(bytes(`${'x'.repeat(200)}\r\n${'\xe9'.repeat(100)}`));
  const lines = latin1(long).split('\r\n');
  for (const line of lines) assert.ok(line.length <= MAX_ENCODED_LINE_CHARS, line);
  assert.equal(lines[0], `${'x'.repeat(75)}=`);
  assert.ok(!lines.some((line) => /=[0-9A-F]?=$/.test(line)), 'no escape is split by a soft break');
  assert.equal(MAX_ENCODED_LINE_CHARS, 76);
});

void test('base64 in lines of 76 characters (RFC 2045 §6.8)', () => {
  assert.equal(latin1(encodeBase64Lines(new Uint8Array(0))), '');
  assert.equal(latin1(encodeBase64Lines(bytes('\x00\xff\r\n'))), 'AP8NCg==\r\n');
  const big = new Uint8Array(200).map((_, i) => i);
  const text = latin1(encodeBase64Lines(big));
  const lines = text.split('\r\n').slice(0, -1);
  assert.deepEqual(lines.map((line) => line.length), [76, 76, 76, 40]);
  assert.deepEqual(Buffer.from(lines.join(''), 'base64'), Buffer.from(big));
});

void test('property: quoted-printable is 7-bit, short-lined, and decodes to the text with CRLF line ends', () => {
  const octets = fc.array(fc.oneof(fc.constantFrom(0x0d, 0x0a, 0x20, 0x09, 0x3d, 0x2d, 0x2e), fc.integer({ min: 0, max: 255 })), { maxLength: 400 }).map((array) => Uint8Array.from(array));
  fc.assert(
    fc.property(octets, (input) => {
      const encoded = latin1(encodeQuotedPrintable(input));
      assert.ok(/^[\x20-\x7e\r\n\t]*$/.test(encoded), 'printable 7-bit');
      for (const line of encoded.split('\r\n')) {
        assert.ok(line.length <= MAX_ENCODED_LINE_CHARS);
        assert.ok(!/[ \t]$/.test(line), 'no line ends in white space');
        assert.ok(!line.startsWith('-'), 'no line starts with "-"');
        assert.ok(!line.includes('\r') && !line.includes('\n'));
      }
      assert.equal(latin1(decodeQuotedPrintable(encoded)), canonicalText(input));
    }),
    { numRuns: 1000 },
  );
});
