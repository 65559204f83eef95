import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { deliveredOctets, encodeMultiline, MultilineEncoder } from './multiline.ts';
import { bytes, concat, cuts, decodeMultilineByCrlf, decodeMultilineByLf, framingBytes, latin1, oneByteAtATime, splitAt } from './wire.test-support.ts';

function encodeParts(parts: readonly Uint8Array[]): Uint8Array {
  const encoder = new MultilineEncoder();
  return concat([...parts.map((part) => encoder.push(part)), encoder.end()]);
}

/** What a client reads back: the message, plus the CRLF the encoder adds when it lacked one. */
function expectedBack(message: Uint8Array): Uint8Array {
  const n = message.length;
  return n === 0 || (message[n - 2] === 0x0d && message[n - 1] === 0x0a) ? message : concat([message, bytes('\r\n')]);
}

// [message, wire form]
const CASES: readonly (readonly [string, string])[] = [
  ['', '.\r\n'],
  ['a\r\n', 'a\r\n.\r\n'],
  ['a', 'a\r\n.\r\n'],
  ['.\r\n', '..\r\n.\r\n'],
  ['..\r\n', '...\r\n.\r\n'],
  ['.', '..\r\n.\r\n'],
  ['a\r\n.b\r\n..\r\n', 'a\r\n..b\r\n...\r\n.\r\n'],
  ['a\r\n.', 'a\r\n..\r\n.\r\n'],
  ['a\r\n.\r\nb\r\n', 'a\r\n..\r\nb\r\n.\r\n'],
  [' .\r\n', ' .\r\n.\r\n'],
  ['a.\r\n', 'a.\r\n.\r\n'],
  ['\r\n\r\n', '\r\n\r\n.\r\n'],
  // Bytes are sent as they are: bare CR and LF, NUL, 8-bit.
  ['a\rb\r\n', 'a\rb\r\n.\r\n'],
  ['a\r.\r\n', 'a\r.\r\n.\r\n'],
  ['\x00\xff\x80\r\n', '\x00\xff\x80\r\n.\r\n'],
  ['a\r', 'a\r\r\n.\r\n'],
  ['a\n', 'a\n\r\n.\r\n'],
  // A "." after a bare LF is stuffed as well: a client splitting at LF must not see an end.
  ['a\n.\r\n+OK forged\r\n', 'a\n..\r\n+OK forged\r\n.\r\n'],
  ['\n.', '\n..\r\n.\r\n'],
];

void test('multi-line bodies: byte-stuffing and termination (RFC 1939 §3)', () => {
  for (const [message, wire] of CASES) {
    assert.equal(latin1(encodeMultiline(bytes(message))), wire, JSON.stringify(message));
    assert.equal(deliveredOctets(bytes(message)), latin1(expectedBack(bytes(message))).length, JSON.stringify(message));
  }
});

void test('the same messages fed one byte at a time encode the same', () => {
  for (const [message, wire] of CASES) assert.equal(latin1(encodeParts(oneByteAtATime(bytes(message)))), wire, JSON.stringify(message));
  const encoder = new MultilineEncoder();
  encoder.end();
  assert.throws(() => encoder.push(bytes('x')), Error);
  assert.throws(() => encoder.end(), Error);
  assert.equal(new MultilineEncoder().push(new Uint8Array(0)).length, 0);
});

void test('property: any bytes, any split: the reference decoder gives the message back, byte for byte', () => {
  fc.assert(
    fc.property(framingBytes(400), cuts(400), (message, at) => {
      const wire = encodeParts(splitAt(message, at));
      assert.equal(latin1(wire), latin1(encodeMultiline(message)), 'the split does not matter');
      const decoded = decodeMultilineByLf(wire);
      assert.ok(decoded, 'terminated');
      assert.equal(latin1(decoded.message), latin1(expectedBack(message)));
      assert.equal(decoded.rest.length, 0, 'the termination line is the last line, never earlier');
      // A strict CRLF reader also ends exactly at the end, whatever the bytes.
      assert.equal(decodeMultilineByCrlf(wire)?.rest.length, 0);
    }),
    { numRuns: 2000 },
  );
});

void test('property: for messages with CRLF lines, a strict CRLF reader gets them back too', () => {
  const crlfText = fc
    .array(fc.array(fc.integer({ min: 0, max: 255 }).filter((byte) => byte !== 0x0a && byte !== 0x0d), { maxLength: 20 }), { maxLength: 20 })
    .map((lines) => concat(lines.map((line) => concat([Uint8Array.from(line), bytes('\r\n')]))));
  const dotty = fc.array(fc.constantFrom('.', '..', '.\r\n', 'x', '\r\n', ' '), { maxLength: 30 }).map((parts) => bytes(`${parts.join('')}\r\n`.replace(/\r?\n/g, '\r\n').replace(/\r(?!\n)/g, '')));
  fc.assert(
    fc.property(fc.oneof(crlfText, dotty), (message) => {
      const decoded = decodeMultilineByCrlf(encodeMultiline(message));
      assert.equal(latin1(decoded?.message ?? new Uint8Array(0)), latin1(expectedBack(message)));
      assert.equal(decoded?.rest.length, 0);
    }),
    { numRuns: 1000 },
  );
});

void test('a large message is encoded in one pass without growing beyond its stuffed size', () => {
  const line = bytes('.0123456789abcdef\r\n');
  const message = concat(Array.from({ length: 50_000 }, () => line));
  const wire = encodeMultiline(message);
  assert.equal(wire.length, message.length + 50_000 + 3);
  assert.equal(decodeMultilineByCrlf(wire)?.message.length, message.length);
});
