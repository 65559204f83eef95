import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChunkReader, MAX_BDAT_CHUNK_OCTETS } from './bdat.ts';
import { bytes, concat, cuts, framingBytes, latin1, oneByteAtATime, splitAt } from './wire.test-support.ts';

interface Read {
  readonly chunk: string;
  readonly rest: string;
  readonly done: boolean;
}

/** Feeds the parts; once done, the rest of each push (and later pushes) belongs to the commands. */
function read(size: number, parts: readonly Uint8Array[]): Read {
  const reader = new ChunkReader(size);
  const chunk: Uint8Array[] = [];
  const rest: Uint8Array[] = [];
  let done = false;
  for (const part of parts) {
    if (done) {
      rest.push(part);
      continue;
    }
    const step = reader.push(part);
    chunk.push(step.bytes);
    rest.push(step.rest);
    done = step.done;
    if (!done) assert.equal(step.rest.length, 0);
  }
  return { chunk: latin1(concat(chunk)), rest: latin1(concat(rest)), done };
}

// [size, input, expected]: binary-transparent, no dot-stuffing, no line-ending rules
const CASES: readonly (readonly [number, string, Read])[] = [
  [0, '', { chunk: '', rest: '', done: false }], // nothing pushed yet
  [0, 'QUIT\r\n', { chunk: '', rest: 'QUIT\r\n', done: true }],
  [5, 'hello', { chunk: 'hello', rest: '', done: true }],
  [5, 'hel', { chunk: 'hel', rest: '', done: false }],
  [5, 'hello world', { chunk: 'hello', rest: ' world', done: true }],
  [7, 'a\r\n.\r\nb', { chunk: 'a\r\n.\r\nb', rest: '', done: true }],
  [6, '\n.\n\r.\rMAIL FROM:<x@y>\r\n', { chunk: '\n.\n\r.\r', rest: 'MAIL FROM:<x@y>\r\n', done: true }],
  [3, '\x00\xff\x80RSET\r\n', { chunk: '\x00\xff\x80', rest: 'RSET\r\n', done: true }],
];

void test('BDAT chunks: exactly chunk-size octets, binary-transparent (RFC 3030 §2)', () => {
  for (const [size, input, expected] of CASES) {
    assert.deepEqual(read(size, input === '' ? [] : [bytes(input)]), expected, `${size} ${JSON.stringify(input)}`);
  }
});

void test('the same cases fed one byte at a time read the same', () => {
  for (const [size, input, expected] of CASES) {
    assert.deepEqual(read(size, oneByteAtATime(bytes(input))), expected, `${size} ${JSON.stringify(input)}`);
  }
});

void test('MAX_BDAT_CHUNK_OCTETS bounds the reader; remaining counts down', () => {
  assert.equal(MAX_BDAT_CHUNK_OCTETS, 2 ** 31 - 1);
  const reader = new ChunkReader(MAX_BDAT_CHUNK_OCTETS);
  reader.push(bytes('abc'));
  assert.equal(reader.remaining, MAX_BDAT_CHUNK_OCTETS - 3);
  for (const size of [MAX_BDAT_CHUNK_OCTETS + 1, -1, 1.5, Number.NaN]) {
    assert.throws(() => new ChunkReader(size), RangeError, String(size));
  }
});

void test('property: any chunk and any split give back the chunk and the rest', () => {
  fc.assert(
    fc.property(framingBytes(200), framingBytes(50), cuts(250), (chunk, after, at) => {
      const data = concat([chunk, after]);
      const expected = { chunk: latin1(chunk), rest: latin1(after), done: true };
      const parts = splitAt(data, at);
      assert.deepEqual(read(chunk.length, parts), expected);
      assert.deepEqual(read(chunk.length, oneByteAtATime(data)), chunk.length === 0 && data.length === 0 ? { chunk: '', rest: '', done: false } : expected);
    }),
  );
});
