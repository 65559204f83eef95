import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatReply, MAX_REPLY_LINE_OCTETS, MAX_REPLY_LINES, ReplyReader, type Reply, type ReplyErrorReason } from './reply.ts';
import { bytes, cuts, framingBytes, oneByteAtATime, splitAt, utf8 } from './wire.test-support.ts';

void test('formatReply: "code-" continuation lines, "code " last line, enhanced code on every line (RFC 2034 §4)', () => {
  const cases: readonly (readonly [Reply, string])[] = [
    [{ code: 250, lines: ['Ok'] }, '250 Ok\r\n'],
    [{ code: 250, enhanced: '2.0.0', lines: ['Ok'] }, '250 2.0.0 Ok\r\n'],
    [{ code: 250, enhanced: '', lines: ['Ok'] }, '250 Ok\r\n'],
    [{ code: 334, lines: [''] }, '334 \r\n'], // RFC 4954 §4: the space is sent before an empty challenge
    [{ code: 250, lines: [] }, '250 \r\n'],
    [{ code: 250, lines: ['mx.example.com', 'PIPELINING', 'SIZE 1000'] }, '250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n'],
    [{ code: 550, enhanced: '5.7.1', lines: ['Refused', 'See policy'] }, '550-5.7.1 Refused\r\n550 5.7.1 See policy\r\n'],
    [{ code: 250, enhanced: '2.0.0', lines: [''] }, '250 2.0.0\r\n'],
    [{ code: 250, lines: ['üser@bücher.example ok'] }, '250 üser@bücher.example ok\r\n'],
  ];
  for (const [reply, text] of cases) assert.equal(formatReply(reply), text);
});

void test('formatReply refuses a malformed reply (a programming error)', () => {
  for (const reply of [
    { code: 250, lines: ['a\r\nMAIL FROM:<x@y>'] },
    { code: 250, lines: ['ok', 'b\n'] },
    { code: 250, lines: ['a\rb'] },
    { code: 199, lines: ['x'] },
    { code: 600, lines: ['x'] },
    { code: 260, lines: ['x'] },
    { code: 25, lines: ['x'] },
    { code: 250.5, lines: ['x'] },
    { code: 250, enhanced: '5.0.0', lines: ['x'] }, // class must match the code (RFC 3463 §2)
    { code: 354, enhanced: '2.0.0', lines: ['x'] },
    { code: 250, enhanced: '2.0', lines: ['x'] },
    { code: 250, enhanced: '2.0.1000', lines: ['x'] },
  ]) {
    assert.throws(() => formatReply(reply), RangeError, JSON.stringify(reply));
  }
});

type Got = Reply | { readonly error: ReplyErrorReason };

function readAll(parts: readonly Uint8Array[], maxLineOctets = MAX_REPLY_LINE_OCTETS, maxLines = MAX_REPLY_LINES): Got[] {
  const reader = new ReplyReader({ maxLineOctets, maxLines });
  const got: Got[] = [];
  for (const part of parts) {
    reader.push(part);
    for (let result = reader.next(); result !== undefined; result = reader.next()) {
      if (result.ok) got.push(result.value);
      else {
        got.push({ error: result.error.reason });
        // Errors are final: next() keeps returning it.
        const again = reader.next();
        assert.ok(again !== undefined && !again.ok && again.error.reason === result.error.reason);
        return got;
      }
    }
  }
  return got;
}

// [input, replies and errors]
const CASES: readonly (readonly [string, readonly Got[]])[] = [
  ['220 mx.example.com ESMTP\r\n', [{ code: 220, lines: ['mx.example.com ESMTP'] }]],
  ['250-mx.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n', [{ code: 250, lines: ['mx.example.com', 'PIPELINING', '8BITMIME'] }]],
  ['250 2.1.0 Ok\r\n', [{ code: 250, enhanced: '2.1.0', lines: ['Ok'] }]],
  ['550-5.7.1 Refused\r\n550 5.7.1 Policy\r\n', [{ code: 550, enhanced: '5.7.1', lines: ['Refused', 'Policy'] }]],
  ['550-5.7.1 Refused\r\n550 more text\r\n', [{ code: 550, enhanced: '5.7.1', lines: ['Refused', 'more text'] }]],
  ['250 2.0.0\r\n', [{ code: 250, enhanced: '2.0.0', lines: [''] }]],
  ['250 5.0.0 class mismatch\r\n', [{ code: 250, lines: ['5.0.0 class mismatch'] }]],
  ['250 2.0.0.1 not a code\r\n', [{ code: 250, lines: ['2.0.0.1 not a code'] }]],
  ['354 End data with <CR><LF>.<CR><LF>\r\n', [{ code: 354, lines: ['End data with <CR><LF>.<CR><LF>'] }]],
  ['250\r\n', [{ code: 250, lines: [''] }]],
  ['334 \r\n', [{ code: 334, lines: [''] }]],
  ['250 ok\r\n221 bye\r\n', [{ code: 250, lines: ['ok'] }, { code: 221, lines: ['bye'] }]],
  ['250-part', []],
  ['250-a\r\n251 b\r\n', [{ error: 'code-mismatch' }]],
  ['hello\r\n', [{ error: 'syntax' }]],
  ['25\r\n', [{ error: 'syntax' }]],
  ['150 x\r\n', [{ error: 'syntax' }]],
  ['260 x\r\n', [{ error: 'syntax' }]],
  ['250x\r\n', [{ error: 'syntax' }]],
  ['250 ok\n', [{ error: 'bare-lf' }]],
  [`250 ${'x'.repeat(600)}\r\n`, [{ error: 'too-long' }]],
  [`${'250-x\r\n'.repeat(MAX_REPLY_LINES)}250 x\r\n`, [{ error: 'too-many-lines' }]],
  ['250 ok\r\n500 a\nb\r\n', [{ code: 250, lines: ['ok'] }, { error: 'bare-lf' }]],
];

void test('ReplyReader: one code per reply (RFC 5321 §4.2.1), enhanced codes extracted (RFC 2034 §4)', () => {
  for (const [input, expected] of CASES) assert.deepEqual(readAll([bytes(input)]), expected, JSON.stringify(input.slice(0, 60)));
  assert.deepEqual(readAll([utf8('250 üser@bücher.example\r\n')]), [{ code: 250, lines: ['üser@bücher.example'] }]);
  assert.deepEqual(readAll([bytes('250 \xff\r\n')]), [{ code: 250, lines: ['\ufffd'] }]);
});

void test('the same replies fed one byte at a time read the same', () => {
  for (const [input, expected] of CASES) assert.deepEqual(readAll(oneByteAtATime(bytes(input))), expected, JSON.stringify(input.slice(0, 60)));
});

void test('MAX_REPLY_LINE_OCTETS and MAX_REPLY_LINES', () => {
  assert.equal(MAX_REPLY_LINE_OCTETS, 512);
  assert.equal(MAX_REPLY_LINES, 100);
  const longest = `250 ${'x'.repeat(MAX_REPLY_LINE_OCTETS - 6)}\r\n`;
  assert.equal(longest.length, MAX_REPLY_LINE_OCTETS);
  assert.deepEqual(readAll([bytes(longest)]), [{ code: 250, lines: ['x'.repeat(MAX_REPLY_LINE_OCTETS - 6)] }]);
  assert.deepEqual(readAll([bytes(`250 ${'x'.repeat(MAX_REPLY_LINE_OCTETS - 5)}\r\n`)]), [{ error: 'too-long' }]);
  const most = `${'250-x\r\n'.repeat(MAX_REPLY_LINES - 1)}250 x\r\n`;
  assert.deepEqual(readAll([bytes(most)]), [{ code: 250, lines: Array.from({ length: MAX_REPLY_LINES }, () => 'x') }]);
  assert.throws(() => new ReplyReader({ maxLineOctets: 512, maxLines: 0 }), RangeError);
});

// Texts that do not themselves start like an enhanced status code.
const replyText = fc
  .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 })
  .filter((text) => !/^[245]\.[0-9]/.test(text));

void test('property: formatted replies read back; any bytes and any split never throw and agree', () => {
  const codes = fc.integer({ min: 2, max: 5 }).chain((c) => fc.tuple(fc.constant(c), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 9 })));
  fc.assert(
    fc.property(codes, fc.boolean(), fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 999 })), fc.array(replyText, { minLength: 1, maxLength: 5 }), cuts(400), ([a, b, c], withEnhanced, [s, d], lines, at) => {
      const code = a * 100 + b * 10 + c;
      const enhanced = withEnhanced && a !== 3 ? `${a}.${s}.${d}` : undefined;
      const reply: Reply = enhanced === undefined ? { code, lines } : { code, enhanced, lines };
      assert.deepEqual(readAll(splitAt(bytes(formatReply(reply)), at), 1000), [reply]);
    }),
  );
  fc.assert(
    fc.property(framingBytes(300), cuts(300), (data, at) => {
      assert.deepEqual(readAll(splitAt(data, at), 64, 4), readAll([data], 64, 4));
    }),
    { numRuns: 1000 },
  );
});
