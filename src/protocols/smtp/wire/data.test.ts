import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DataDecoder, END_OF_DATA, type BareLineEndings, type DataOutcome } from './data.ts';
import { bytes, concat, cuts, framingBytes, latin1, oneByteAtATime, splitAt } from './wire.test-support.ts';

interface Decoded {
  readonly output: string;
  readonly end?: { readonly outcome: DataOutcome; readonly rest: string };
}

/** Feeds the parts, stopping at the end event as the server does (the rest goes back to the line reader). */
function decode(parts: readonly Uint8Array[], bareLineEndings: BareLineEndings, maxMessageOctets = 1_000_000): Decoded {
  const decoder = new DataDecoder({ maxMessageOctets, bareLineEndings });
  const output: Uint8Array[] = [];
  const rest: Uint8Array[] = [];
  let outcome: DataOutcome | undefined;
  for (const part of parts) {
    if (outcome !== undefined) {
      rest.push(part);
      continue;
    }
    for (const event of decoder.push(part)) {
      assert.equal(outcome, undefined, 'nothing after the end event');
      if (event.kind === 'chunk') output.push(event.bytes);
      else {
        outcome = event.outcome;
        rest.push(event.rest);
      }
    }
  }
  assert.equal(decoder.ended, outcome !== undefined);
  return outcome === undefined ? { output: latin1(concat(output)) } : { output: latin1(concat(output)), end: { outcome, rest: latin1(concat(rest)) } };
}

const SMUGGLED = 'MAIL FROM:<attacker@example.com>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\n\r\nsmuggled\r\n.\r\n';

// [input, mode, expected]; with 'reject' the output stops at the first bare line ending
const CASES: readonly (readonly [string, BareLineEndings, Decoded])[] = [
  ['.\r\n', 'reject', { output: '', end: { outcome: 'ok', rest: '' } }],
  ['.\r\nQUIT\r\n', 'reject', { output: '', end: { outcome: 'ok', rest: 'QUIT\r\n' } }],
  ['Subject: x\r\n\r\nbody\r\n.\r\n', 'reject', { output: 'Subject: x\r\n\r\nbody\r\n', end: { outcome: 'ok', rest: '' } }],
  ['a\r\n..b\r\n.c\r\n...\r\n.\r\nNOOP\r\n', 'reject', { output: 'a\r\n.b\r\nc\r\n..\r\n', end: { outcome: 'ok', rest: 'NOOP\r\n' } }],
  ['\r\n.\r\n', 'reject', { output: '\r\n', end: { outcome: 'ok', rest: '' } }],
  ['a\r\n\x00.\r\n.\r\n', 'reject', { output: 'a\r\n\x00.\r\n', end: { outcome: 'ok', rest: '' } }],
  ['a\r\n . \r\n.\r\n', 'reject', { output: 'a\r\n . \r\n', end: { outcome: 'ok', rest: '' } }],
  ['a\r\n.', 'reject', { output: 'a\r\n' }],
  ['a\r\n.\r', 'reject', { output: 'a\r\n' }],
  ['binary \xff\xfe\x80\r\n.\r\n', 'reject', { output: 'binary \xff\xfe\x80\r\n', end: { outcome: 'ok', rest: '' } }],
  // SMTP smuggling: none of these ends the data; each is a bare line ending.
  [`a\n.\n${SMUGGLED}`, 'reject', { output: 'a', end: { outcome: 'bare-line-ending', rest: '' } }],
  [`a\n.\r\n${SMUGGLED}`, 'reject', { output: 'a', end: { outcome: 'bare-line-ending', rest: '' } }],
  [`a\r.\n${SMUGGLED}`, 'reject', { output: 'a', end: { outcome: 'bare-line-ending', rest: '' } }],
  [`a\r.\r\n${SMUGGLED}`, 'reject', { output: 'a', end: { outcome: 'bare-line-ending', rest: '' } }],
  [`a\r\n.\n${SMUGGLED}`, 'reject', { output: 'a\r\n', end: { outcome: 'bare-line-ending', rest: '' } }],
  [`a\r\n.\r${SMUGGLED}`, 'reject', { output: 'a\r\n', end: { outcome: 'bare-line-ending', rest: '' } }],
  [`\n.\r\n${SMUGGLED}`, 'reject', { output: '', end: { outcome: 'bare-line-ending', rest: '' } }],
  ['a\nb\r\n.\r\n', 'reject', { output: 'a', end: { outcome: 'bare-line-ending', rest: '' } }],
  ['a\rb\r\n.\r\n', 'reject', { output: 'a', end: { outcome: 'bare-line-ending', rest: '' } }],
  ['a\r\r\n.\r\nQUIT\r\n', 'reject', { output: 'a', end: { outcome: 'bare-line-ending', rest: 'QUIT\r\n' } }],
  // The same with 'normalize': bare CR and LF become CRLF, yet still never end the data.
  [`a\n.\n${SMUGGLED}`, 'normalize', { output: `a\r\n.\r\n${SMUGGLED.replace('\r\nsmuggled\r\n.\r\n', '\r\nsmuggled\r\n')}`, end: { outcome: 'ok', rest: '' } }],
  [`a\n.\r\nb\r\n.\r\n`, 'normalize', { output: 'a\r\n.\r\nb\r\n', end: { outcome: 'ok', rest: '' } }],
  [`a\r.\nb\r\n.\r\n`, 'normalize', { output: 'a\r\n.\r\nb\r\n', end: { outcome: 'ok', rest: '' } }],
  [`a\r.\r\nb\r\n.\r\n`, 'normalize', { output: 'a\r\n.\r\nb\r\n', end: { outcome: 'ok', rest: '' } }],
  [`a\r\n.\rb\r\n.\r\n`, 'normalize', { output: 'a\r\n.\r\nb\r\n', end: { outcome: 'ok', rest: '' } }],
  [`a\n..b\r\n.\r\n`, 'normalize', { output: 'a\r\n.b\r\n', end: { outcome: 'ok', rest: '' } }],
  ['a\r\r\n.\r\n', 'normalize', { output: 'a\r\n\r\n', end: { outcome: 'ok', rest: '' } }],
  ['\n\n.\r\n.\r\n', 'normalize', { output: '\r\n\r\n.\r\n', end: { outcome: 'ok', rest: '' } }],
];

void test('DATA decoding: only CRLF "." CRLF ends the data (RFC 5321 §4.1.1.4), dots unstuffed (§4.5.2)', () => {
  for (const [input, mode, expected] of CASES) {
    assert.deepEqual(decode([bytes(input)], mode), expected, `${mode} ${JSON.stringify(input)}`);
  }
});

void test('the same cases fed one byte at a time decode the same', () => {
  for (const [input, mode, expected] of CASES) {
    assert.deepEqual(decode(oneByteAtATime(bytes(input)), mode), expected, `${mode} ${JSON.stringify(input)}`);
  }
});

void test('END_OF_DATA is CRLF "." CRLF', () => {
  assert.equal(latin1(END_OF_DATA), '\r\n.\r\n');
});

void test('the size limit: past it, no more chunks, but framing is kept to the terminator (RFC 1870 §6.3)', () => {
  const message = 'x'.repeat(98) + '\r\n'; // 100 octets
  assert.deepEqual(decode([bytes(`${message}.\r\nQUIT\r\n`)], 'reject', 100), { output: message, end: { outcome: 'ok', rest: 'QUIT\r\n' } });
  const over = decode([bytes(`${message}y\r\n.\r\nQUIT\r\n`)], 'reject', 100);
  assert.deepEqual(over.end, { outcome: 'too-large', rest: 'QUIT\r\n' });
  assert.ok(over.output.length <= 100);
  // In small pieces: the first 100 octets may have been emitted, nothing after.
  const pieces = decode(oneByteAtATime(bytes(`${message}${'y'.repeat(500)}\r\n.\r\nQUIT\r\n`)), 'normalize', 100);
  assert.deepEqual(pieces, { output: message, end: { outcome: 'too-large', rest: 'QUIT\r\n' } });
  // Dot-unstuffed octets are what count.
  assert.equal(decode([bytes('..\r\n.\r\n')], 'reject', 3).end?.outcome, 'ok');
  assert.throws(() => new DataDecoder({ maxMessageOctets: -1, bareLineEndings: 'reject' }), RangeError);
});

void test('the first problem decides the outcome; pushing after the end throws', () => {
  assert.equal(decode([bytes('xxxx\nyyyy\r\n.\r\n')], 'reject', 3).end?.outcome, 'too-large');
  assert.equal(decode([bytes('x\nyyyy\r\n.\r\n')], 'reject', 3).end?.outcome, 'bare-line-ending');
  const decoder = new DataDecoder({ maxMessageOctets: 10, bareLineEndings: 'reject' });
  decoder.push(bytes('.\r\n'));
  assert.throws(() => decoder.push(bytes('x')), Error);
});

/** Lines of arbitrary octets without CR or LF: a message with only CRLF line endings. */
const messageLines = fc.array(
  framingBytes(40).map((line) => line.filter((byte) => byte !== 0x0d && byte !== 0x0a)),
  { maxLength: 12 },
);

/** RFC 5321 §4.5.2 and §4.1.1.4 written out independently of DataEncoder. */
function stuffAndTerminate(lines: readonly Uint8Array[]): Uint8Array {
  return concat([...lines.flatMap((line) => [line[0] === 0x2e ? Uint8Array.of(0x2e) : new Uint8Array(0), line, bytes('\r\n')]), bytes('.\r\n')]);
}

void test('property: a dot-stuffed, terminated message decodes to itself for any split', () => {
  fc.assert(
    fc.property(messageLines, framingBytes(30), cuts(700), fc.constantFrom<BareLineEndings>('reject', 'normalize'), (lines, after, at, mode) => {
      const message = latin1(concat(lines.flatMap((line) => [line, bytes('\r\n')])));
      const wire = concat([stuffAndTerminate(lines), after]);
      const expected = { output: message, end: { outcome: 'ok', rest: latin1(after) } };
      assert.deepEqual(decode(splitAt(wire, at), mode), expected);
      assert.deepEqual(decode(oneByteAtATime(wire), mode), expected);
    }),
    { numRuns: 500 },
  );
});

void test('property: any bytes, any split: same result, never throws, never ends without CRLF "." CRLF', () => {
  fc.assert(
    fc.property(framingBytes(300), cuts(300), fc.constantFrom<BareLineEndings>('reject', 'normalize'), fc.nat(300), (data, at, mode, limit) => {
      const whole = decode([data], mode, limit);
      assert.deepEqual(decode(splitAt(data, at), mode, limit), whole);
      if (whole.end !== undefined) {
        // The data ended at a real end-of-data sequence (or "." CRLF at the very start).
        const consumed = latin1(data).slice(0, data.length - whole.end.rest.length);
        assert.ok(consumed === '.\r\n' || consumed.endsWith('\r\n.\r\n'), JSON.stringify(consumed));
      }
      // No bare CR or LF ever leaves the decoder (a cut at the size limit may split a CRLF),
      // and never more than the limit.
      const body = whole.output.length === limit ? whole.output.replace(/\r$/, '') : whole.output;
      assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(body), JSON.stringify(whole.output));
      assert.ok(whole.output.length <= limit);
    }),
    { numRuns: 1000 },
  );
});

void test('property: runs of plain lines (the fast path) decode as the state machine decodes them octet by octet', () => {
  fc.assert(
    fc.property(framingBytes(300), cuts(300), fc.constantFrom<BareLineEndings>('reject', 'normalize'), fc.nat(300), (data, at, mode, limit) => {
      // One octet at a time never holds a whole line, so only the state machine runs.
      assert.deepEqual(decode(splitAt(data, at), mode, limit), decode(oneByteAtATime(data), mode, limit));
    }),
    { numRuns: 1000 },
  );
});
