import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_RESPONSE_LINE_OCTETS } from './limits.ts';
import { formatChallenge, formatListing, formatStatus, RESPONSE_CODES, type Status } from './response.ts';
import { decodeMultilineByCrlf, latin1 } from './wire.test-support.ts';

// [status, line]
const CASES: readonly (readonly [Status, string])[] = [
  [{ ok: true, text: 'Postwarden POP3 server ready' }, '+OK Postwarden POP3 server ready\r\n'],
  [{ ok: true, text: '' }, '+OK\r\n'],
  [{ ok: true, text: '2 320' }, '+OK 2 320\r\n'],
  [{ ok: false, text: 'No such message' }, '-ERR No such message\r\n'],
  [{ ok: false, code: 'IN-USE', text: 'Do you have another POP session running?' }, '-ERR [IN-USE] Do you have another POP session running?\r\n'],
  [{ ok: false, code: 'LOGIN-DELAY', text: 'wait' }, '-ERR [LOGIN-DELAY] wait\r\n'],
  [{ ok: false, code: 'SYS/TEMP', text: 'try later' }, '-ERR [SYS/TEMP] try later\r\n'],
  [{ ok: false, code: 'SYS/PERM', text: 'gone' }, '-ERR [SYS/PERM] gone\r\n'],
  [{ ok: false, code: 'AUTH', text: 'Authentication failed' }, '-ERR [AUTH] Authentication failed\r\n'],
  [{ ok: false, code: 'UTF8', text: 'x' }, '-ERR [UTF8] x\r\n'],
  [{ ok: false, code: 'SYS/TEMP', text: '' }, '-ERR [SYS/TEMP]\r\n'],
];

void test('status lines: "+OK" / "-ERR", response codes in brackets (RFC 2449 §8, RFC 3206)', () => {
  for (const [status, line] of CASES) assert.equal(formatStatus(status), line);
  assert.deepEqual([...RESPONSE_CODES], ['AUTH', 'SYS/TEMP', 'SYS/PERM', 'IN-USE', 'LOGIN-DELAY', 'UTF8']);
});

void test('a status line is one printable line within 512 octets, or a programming error', () => {
  assert.equal(MAX_RESPONSE_LINE_OCTETS, 512);
  const longest = 'x'.repeat(MAX_RESPONSE_LINE_OCTETS - '+OK \r\n'.length);
  assert.equal(formatStatus({ ok: true, text: longest }).length, MAX_RESPONSE_LINE_OCTETS);
  assert.throws(() => formatStatus({ ok: true, text: `${longest}x` }), RangeError);
  for (const bad of ['a\r\n+OK injected', 'a\nb', 'a\rb', 'nul\0', 'ü']) assert.throws(() => formatStatus({ ok: false, text: bad }), RangeError, JSON.stringify(bad));
});

void test('challenges: "+" SP base64, the space even before empty data (RFC 5034 §4)', () => {
  assert.equal(formatChallenge(''), '+ \r\n');
  assert.equal(formatChallenge('cj1hYmM='), '+ cj1hYmM=\r\n');
  assert.equal(formatChallenge('A'.repeat(2000)).length, 2004, 'challenges are exempt from the 512-octet limit');
  for (const bad of ['not base64', 'a\r\n', '===']) assert.throws(() => formatChallenge(bad), RangeError);
});

void test('listings: one line each, then "." CRLF; our lines are stuffed like any other', () => {
  assert.equal(latin1(formatListing(['TOP', 'UIDL', 'SASL PLAIN'])), 'TOP\r\nUIDL\r\nSASL PLAIN\r\n.\r\n');
  assert.equal(latin1(formatListing([])), '.\r\n');
  assert.equal(latin1(formatListing(['.odd'])), '..odd\r\n.\r\n');
  assert.throws(() => formatListing(['a\r\nb']), RangeError);
  assert.throws(() => formatListing(['x'.repeat(MAX_RESPONSE_LINE_OCTETS)]), RangeError);
});

void test('property: listings decode back to their lines', () => {
  const line = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 60 });
  fc.assert(
    fc.property(fc.array(line, { maxLength: 20 }), (lines) => {
      const decoded = decodeMultilineByCrlf(formatListing(lines));
      assert.equal(latin1(decoded?.message ?? new Uint8Array(0)), lines.map((text) => `${text}\r\n`).join(''));
    }),
  );
});
