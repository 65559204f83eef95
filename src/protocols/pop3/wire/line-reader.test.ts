import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createCommandLineReader, type LineEvent } from './line-reader.ts';
import { MAX_AUTH_COMMAND_LINE_OCTETS } from './limits.ts';
import { bytes, cuts, framingBytes, latin1, oneByteAtATime, splitAt } from './wire.test-support.ts';

type Seen = string | 'too-long' | 'bare-lf';

function show(event: LineEvent): Seen {
  return event.kind === 'line' ? latin1(event.line) : event.kind;
}

/** Pushes each part, draining next() after each push, as the server does. */
function read(parts: readonly Uint8Array[]): { events: Seen[]; pending: number } {
  const reader = createCommandLineReader();
  const events: Seen[] = [];
  for (const part of parts) {
    reader.push(part);
    for (let event = reader.next(); event !== undefined; event = reader.next()) events.push(show(event));
  }
  return { events, pending: reader.pending() };
}

const long = (n: number) => 'A'.repeat(n);

// [input, events, bytes left pending]
const CASES: readonly (readonly [string, readonly Seen[], number])[] = [
  ['STAT\r\n', ['STAT'], 0],
  ['USER a\r\nPASS b c\r\n', ['USER a', 'PASS b c'], 0],
  ['\r\n', [''], 0],
  ['STAT', [], 4],
  ['STAT\r', [], 5],
  // RFC 1939 §3: commands end with CRLF; a bare LF ends nothing but the bad line.
  ['STAT\n', ['bare-lf'], 0],
  ['STAT\nQUIT\r\n', ['bare-lf', 'QUIT'], 0],
  ['ST\rAT\r\n', ['ST\rAT'], 0],
  ['\x00\x00\r\n', ['\x00\x00'], 0],
  ['\xff\xfe\r\n', ['\xff\xfe'], 0],
  // The reader's limit is the AUTH limit; the parser applies 255 to other commands.
  [`AUTH PLAIN ${long(MAX_AUTH_COMMAND_LINE_OCTETS - 13)}\r\n`, [`AUTH PLAIN ${long(MAX_AUTH_COMMAND_LINE_OCTETS - 13)}`], 0],
  [`AUTH PLAIN ${long(MAX_AUTH_COMMAND_LINE_OCTETS - 12)}\r\nNOOP\r\n`, ['too-long', 'NOOP'], 0],
  [`${long(100 * 1024)}\r\nSTAT\r\n`, ['too-long', 'STAT'], 0],
  [`${long(100 * 1024)}`, [], 0],
  // STLS injection: the reader hands everything over; discarding is the server's call.
  ['STLS\r\nUSER evil\r\n', ['STLS', 'USER evil'], 0],
];

void test('line events: CRLF only, over-long lines skipped, garbage passed on as lines', () => {
  for (const [input, events, pending] of CASES) assert.deepEqual(read([bytes(input)]), { events, pending }, JSON.stringify(input.slice(0, 40)));
});

void test('the same cases fed one byte at a time give the same events', () => {
  for (const [input, events, pending] of CASES) assert.deepEqual(read(oneByteAtATime(bytes(input))), { events, pending }, JSON.stringify(input.slice(0, 40)));
});

void test('discard drops the plaintext pipelined behind STLS (RFC 2595 §4)', () => {
  const reader = createCommandLineReader();
  reader.push(bytes('STLS\r\nUSER injected@example.com\r\nPASS x'));
  assert.equal(show(reader.next() ?? { kind: 'bare-lf' }), 'STLS');
  reader.discard();
  assert.equal(reader.pending(), 0);
  assert.equal(reader.next(), undefined);
  reader.push(bytes('CAPA\r\n'));
  assert.equal(show(reader.next() ?? { kind: 'bare-lf' }), 'CAPA');
});

void test('property: any split of any input gives the same events and never throws', () => {
  fc.assert(
    fc.property(framingBytes(400), cuts(400), (data, at) => {
      const whole = read([data]);
      assert.deepEqual(read(splitAt(data, at)), whole);
      assert.deepEqual(read(oneByteAtATime(data)), whole);
    }),
    { numRuns: 500 },
  );
});
