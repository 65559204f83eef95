import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bodyStart, topOfMessage } from './top.ts';
import { bytes, framingBytes, latin1 } from './wire.test-support.ts';

const MESSAGE = 'From: a@example.org\r\nSubject: hi\r\n\r\nline 1\r\nline 2\r\n.line 3\r\n';

// [message, n, expected cut]
const CASES: readonly (readonly [string, number, string])[] = [
  [MESSAGE, 0, 'From: a@example.org\r\nSubject: hi\r\n\r\n'],
  [MESSAGE, 1, 'From: a@example.org\r\nSubject: hi\r\n\r\nline 1\r\n'],
  [MESSAGE, 3, MESSAGE],
  [MESSAGE, 100, MESSAGE],
  // No blank line: the message is all header.
  ['Subject: x\r\n', 0, 'Subject: x\r\n'],
  ['Subject: x', 5, 'Subject: x'],
  ['', 0, ''],
  // An empty header.
  ['\r\nbody\r\nmore\r\n', 0, '\r\n'],
  ['\r\nbody\r\nmore\r\n', 1, '\r\nbody\r\n'],
  // The last body line without CRLF.
  ['S: x\r\n\r\nend', 1, 'S: x\r\n\r\nend'],
  ['S: x\r\n\r\nend', 0, 'S: x\r\n\r\n'],
  // Lines end at LF, so bare LF lines count (and a bare LF blank line ends the header).
  ['S: x\n\nb1\nb2\n', 1, 'S: x\n\nb1\n'],
  ['S: x\r\n\r\na\nb\r\nc\r\n', 2, 'S: x\r\n\r\na\nb\r\n'],
  // A header line holding a bare CR is not blank.
  ['S: x\r\n\r\r\nbody\r\n', 0, 'S: x\r\n\r\r\nbody\r\n'],
];

void test('TOP: header, blank line, then n body lines (RFC 1939 §7)', () => {
  for (const [message, n, expected] of CASES) assert.equal(latin1(topOfMessage(bytes(message), n)), expected, `${JSON.stringify(message)} ${n}`);
  assert.equal(bodyStart(bytes(MESSAGE)), MESSAGE.indexOf('line 1'));
  assert.equal(bodyStart(bytes('no blank line\r\n')), undefined);
});

void test('property: TOP is a prefix that grows with n and holds the whole header', () => {
  fc.assert(
    fc.property(framingBytes(300), fc.nat({ max: 20 }), (message, n) => {
      const cut = topOfMessage(message, n);
      const next = topOfMessage(message, n + 1);
      assert.equal(latin1(cut), latin1(message.subarray(0, cut.length)));
      assert.ok(next.length >= cut.length);
      const start = bodyStart(message);
      assert.ok(cut.length >= (start ?? message.length));
      if (start !== undefined) {
        const lines = latin1(message.subarray(start, cut.length)).split('\n').length - 1;
        assert.ok(lines <= n, 'at most n body lines');
      }
    }),
    { numRuns: 1000 },
  );
});
