// Modified UTF-7: a table of valid and invalid names (from RFC 3501 §5.1.3, Dovecot's
// test-imap-utf7 and the imaptest mutf7 script), the same names read one byte at a time through
// the command reader as a SELECT argument, and round-trip properties.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkMailboxNameCharacters, decodeMailboxName, encodeMailboxName } from './mutf7.ts';
import { readOne } from './wire.test-support.ts';

// [decoded, wire]
const VALID: readonly (readonly [string, string])[] = [
  ['', ''],
  ['INBOX', 'INBOX'],
  ['&', '&-'],
  ['&&x&&', '&-&-x&-&-'],
  ['pää', 'p&AOQA5A-'], // imaptest mutf7
  ['tietäjä', 'tiet&AOQ-j&AOQ-'],
  ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'], // RFC 3501 §5.1.3
  ['日本語', '&ZeVnLIqe-'],
  ['😀', '&2D3eAA-'], // a surrogate pair
  ['a😀b', 'a&2D3eAA-b'],
  ['\u00e4&', '&AOQ-&-'],
  ['\u0000', '&AAA-'], // valid encoding (checkMailboxNameCharacters refuses the name)
  ['\u007f', '&AH8-'],
  ['Entwürfe', 'Entw&APw-rfe'],
  [' x ', ' x '],
];

const INVALID: readonly string[] = [
  '&', // unterminated
  '&AOQ', // unterminated
  'x&AOQA5A', // unterminated
  '&Jjo!', // Dovecot: invalid character in a run
  '&U,BTFw-&ZeVnLIqe-', // Dovecot: adjacent runs are one run
  '&AOQ-&AOQ-',
  '&ACY-', // "&" encoded instead of "&-"
  '&AGE-', // "a" encoded: printable US-ASCII must represent itself
  '&ACA-', // SP encoded
  '&AH4-', // "~" encoded
  '&A-', // a character too many (6 bits)
  '&AA-', // 12 bits
  '&AOR-', // non-zero padding bits
  '&AOQA5B-',
  '&2D0-', // lone high surrogate
  '&3gA-', // lone low surrogate
  '&2D0AQQ-', // high surrogate then a BMP character
  '&AOQ=-', // padding is not used
  '&AOQ/-', // "/" is "," in modified BASE64
  'p\u00e4', // 8-bit in a modified UTF-7 name
  'a\tb', // control character
  'a\u007fb',
];

void test('decodeMailboxName: canonical modified UTF-7 only (RFC 3501 §5.1.3)', () => {
  for (const [decoded, wire] of VALID) assert.deepEqual(decodeMailboxName(wire), { ok: true, value: decoded }, wire);
  for (const wire of INVALID) assert.equal(decodeMailboxName(wire).ok, false, JSON.stringify(wire));
});

void test('encodeMailboxName writes the canonical form; lone surrogates become U+FFFD', () => {
  for (const [decoded, wire] of VALID) assert.equal(encodeMailboxName(decoded), wire, decoded);
  assert.equal(encodeMailboxName('\ud800'), encodeMailboxName('\ufffd'));
  assert.equal(encodeMailboxName('a\ud800b'), 'a&,,0-b');
});

void test('the same names read one byte at a time through the reader as SELECT arguments, then decoded', () => {
  for (const [decoded, wire] of VALID) {
    const event = readOne(`a SELECT "${wire}"`);
    assert.ok(event.kind === 'command' && event.command.name === 'SELECT');
    const mailbox = event.command.mailbox === 'INBOX' ? 'INBOX' : event.command.mailbox;
    assert.deepEqual(decodeMailboxName(mailbox), { ok: true, value: decoded }, wire);
  }
  for (const wire of INVALID.filter((name) => /^[\x20-\x7e]*$/.test(name) && !name.includes('"') && !name.includes('\\'))) {
    const event = readOne(`a SELECT "${wire}"`);
    assert.ok(event.kind === 'command' && event.command.name === 'SELECT');
    assert.equal(decodeMailboxName(event.command.mailbox).ok, false, wire);
  }
});

void test('checkMailboxNameCharacters: RFC 6855 §3 Net-Unicode names', () => {
  for (const name of ['INBOX', 'Entwürfe', '日本語', '😀', 'a b']) assert.deepEqual(checkMailboxNameCharacters(name), { ok: true, value: name });
  for (const name of ['\u0000', 'a\tb', 'a\u007fb', 'a\u0085b', 'a\u2028b', 'a\u2029b', 'a\ud800b']) assert.equal(checkMailboxNameCharacters(name).ok, false, JSON.stringify(name));
});

void test('property: decode(encode(name)) is the name for any well-formed string', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: fc.constantFrom('&', '-', 'a', 'ä', '😀', ' ', '\u0001'), maxLength: 20 })), (name) => {
      const wire = encodeMailboxName(name);
      assert.match(wire, /^[\x20-\x7e]*$/);
      assert.deepEqual(decodeMailboxName(wire), { ok: true, value: name });
    }),
    { numRuns: 1000 },
  );
});

void test('property: a decodable wire name is canonical (encode(decode(wire)) === wire); no input throws', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('&', '-', 'A', 'O', 'Q', '5', ',', '+', 'a', '/', '=', 'x', '2', 'D', '3', 'e'), maxLength: 16 }), (wire) => {
      const decoded = decodeMailboxName(wire);
      if (decoded.ok) assert.equal(encodeMailboxName(decoded.value), wire);
    }),
    { numRuns: 3000 },
  );
});
