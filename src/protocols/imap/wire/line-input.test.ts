// The line buffer under the reader: literal announcements found at line ends, quote and
// parenthesis scanning, lines and skipped lines read whole or one byte at a time, and a property.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { findMarker, LineInput, newScan, scanBytes, type LineResult } from './line-input.ts';
import { bytes, cuts, framingBytes, latin1, oneByteAtATime, splitAt } from './wire.test-support.ts';

void test('findMarker: {n}, {n+}, ~{n}, ~{n+} at the very end of a line (RFC 9051 §9, RFC 7888 §3, RFC 3516 §4.3)', () => {
  const cases: [string, ReturnType<typeof findMarker>][] = [
    ['a LOGIN {5}', { start: 8, size: 5, sync: true, binary: false }],
    ['a LOGIN {5+}', { start: 8, size: 5, sync: false, binary: false }],
    ['a APPEND x ~{12}', { start: 11, size: 12, sync: true, binary: true }],
    ['a APPEND x ~{12+}', { start: 11, size: 12, sync: false, binary: true }],
    ['{0}', { start: 0, size: 0, sync: true, binary: false }],
    ['x{007}', { start: 1, size: 7, sync: true, binary: false }],
    [`{${'9'.repeat(30)}}`, { start: 0, size: Infinity, sync: true, binary: false }],
    ['a {5} ', undefined],
    ['a {}', undefined],
    ['a {+}', undefined],
    ['a {5++}', undefined],
    ['a {-5}', undefined],
    ['a 5}', undefined],
    ['}', undefined],
    ['', undefined],
  ];
  for (const [text, expected] of cases) assert.deepEqual(findMarker(bytes(text)), expected, text);
});

void test('scanBytes: quoted strings (with escapes) hide parentheses; depth and maximum depth', () => {
  const scan = newScan();
  scanBytes(bytes('((a "(\\")" (b)) c'), scan);
  assert.deepEqual(scan, { inQuote: false, escaped: false, depth: 1, maxDepth: 3 });
  const open = newScan(3);
  scanBytes(bytes('x "abc\\\\'), open);
  assert.deepEqual(open, { inQuote: true, escaped: false, depth: 3, maxDepth: 3 });
});

function readAll(parts: readonly Uint8Array[], maxOctets: number): string[] {
  const input = new LineInput();
  const seen: string[] = [];
  const show = (line: LineResult) =>
    line.kind === 'line' ? `line:${latin1(line.text)}:${line.octets}` : `long:${latin1(line.head).slice(0, 8)}:${latin1(line.tail)}:${line.inQuote}:${line.octets}`;
  for (const part of parts) {
    let rest = part;
    while (rest.length > 0 && input.empty && input.skipping) rest = rest.subarray(input.skipDirect(rest));
    input.append(rest);
    for (let line = input.readLine(maxOctets); line !== undefined; line = input.readLine(maxOctets)) seen.push(show(line));
  }
  return seen;
}

const LINES: readonly (readonly [string, number, readonly string[]])[] = [
  ['a\r\nbb\ncc\r\r\n', 10, ['line:a:3', 'line:bb:3', 'line:cc\r:5']],
  ['0123456789\r\n', 12, ['line:0123456789:12']],
  ['0123456789\r\n', 11, ['long:01234567:0123456789:false:12']],
  ['0123456789ab "x {5}\r\nok\r\n', 8, ['long:0123456:0123456789ab "x {5}:true:21', 'line:ok:4']],
  ['0123456789 {5}\nok\n', 8, ['long:0123456:0123456789 {5}:false:15', 'line:ok:3']],
  ['0123456789', 8, []],
];

void test('LineInput: lines up to the limit, longer ones skipped with their head and tail, one push and one byte at a time', () => {
  for (const [text, max, expected] of LINES) {
    assert.deepEqual(readAll([bytes(text)], max), expected, text);
    assert.deepEqual(readAll(oneByteAtATime(bytes(text)), max), expected, text);
  }
});

void test('LineInput: take, drop and takeAll hand out buffered octets', () => {
  const input = new LineInput();
  input.append(bytes('hello world'));
  assert.deepEqual(input.take(5), bytes('hello'));
  assert.equal(input.drop(1), 1);
  assert.equal(input.held(), 5);
  assert.deepEqual(input.takeAll(), bytes('world'));
  assert.equal(input.take(3), undefined);
  assert.equal(input.drop(3), 0);
  assert.ok(input.empty);
});

void test('property: any split gives the same lines, and held octets stay under limit plus push', () => {
  fc.assert(
    fc.property(framingBytes(300), cuts(300), fc.integer({ min: 2, max: 40 }), (data, at, max) => {
      const whole = readAll([data], max);
      assert.deepEqual(readAll(splitAt(data, at), max), whole);
      assert.deepEqual(readAll(oneByteAtATime(data), max), whole);
    }),
    { numRuns: 500 },
  );
});
