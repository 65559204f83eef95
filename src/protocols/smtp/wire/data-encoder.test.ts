import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DataDecoder } from './data.ts';
import { DataEncoder, encodeData } from './data-encoder.ts';
import { bytes, concat, cuts, framingBytes, latin1, oneByteAtATime, splitAt } from './wire.test-support.ts';

function encodeParts(parts: readonly Uint8Array[]): string {
  const encoder = new DataEncoder();
  return latin1(concat([...parts.map((part) => encoder.push(part)), encoder.end()]));
}

// [message, wire form]
const CASES: readonly (readonly [string, string])[] = [
  ['', '.\r\n'],
  ['a\r\n', 'a\r\n.\r\n'],
  ['a', 'a\r\n.\r\n'],
  ['.\r\n', '..\r\n.\r\n'],
  ['a\r\n.b\r\n..\r\n', 'a\r\n..b\r\n...\r\n.\r\n'],
  ['a\r\n.', 'a\r\n..\r\n.\r\n'],
  // Bare line endings are sent as CRLF: no smuggled end-of-data reaches the next hop.
  ['a\n.\nMAIL FROM:<x@y>\n', 'a\r\n..\r\nMAIL FROM:<x@y>\r\n.\r\n'],
  ['a\r.\r\n', 'a\r\n..\r\n.\r\n'],
  ['a\r', 'a\r\n.\r\n'],
  ['a\r\r\n', 'a\r\n\r\n.\r\n'],
  [' .\r\n', ' .\r\n.\r\n'],
];

void test('DATA encoding: dot-stuffing (RFC 5321 §4.5.2), CRLF only, terminator (§4.1.1.4)', () => {
  for (const [message, wire] of CASES) {
    assert.equal(latin1(encodeData(bytes(message))), wire, JSON.stringify(message));
  }
});

void test('the same messages fed one byte at a time encode the same', () => {
  for (const [message, wire] of CASES) assert.equal(encodeParts(oneByteAtATime(bytes(message))), wire, JSON.stringify(message));
  const encoder = new DataEncoder();
  encoder.end();
  assert.throws(() => encoder.push(bytes('x')), Error);
  assert.throws(() => encoder.end(), Error);
});

void test('property: any message, any split, goes through the decoder as its CRLF form', () => {
  fc.assert(
    fc.property(framingBytes(300), cuts(300), (message, at) => {
      const wire = bytes(encodeParts(splitAt(message, at)));
      assert.equal(latin1(wire), latin1(encodeData(message)));
      const decoder = new DataDecoder({ maxMessageOctets: 10_000, bareLineEndings: 'reject' });
      const events = decoder.push(wire);
      const end = events.at(-1);
      assert.ok(end?.kind === 'end' && end.outcome === 'ok' && end.rest.length === 0);
      const output = latin1(concat(events.flatMap((event) => (event.kind === 'chunk' ? [event.bytes] : []))));
      // What the decoder gives back is the message with every bare CR/LF as CRLF, ending in CRLF.
      const normalized = latin1(message).replace(/\r\n|\r|\n/g, '\r\n');
      assert.equal(output, normalized === '' || normalized.endsWith('\r\n') ? normalized : `${normalized}\r\n`);
    }),
    { numRuns: 500 },
  );
});
