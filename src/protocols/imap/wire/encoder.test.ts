// The response encoder: string forms (atom, quoted, literal), lists, status responses and codes,
// the chunked builder, and properties: what it writes parses back to the value, and no CR, LF or
// NUL ever leaves a literal.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  appendUidCode,
  badCharsetCode,
  capabilityCode,
  continuationResponse,
  copyUidCode,
  encodeAstring,
  encodeFlagList,
  encodeList,
  encodeLiteral,
  encodeLiteral8,
  encodeNstring,
  encodeNumber,
  encodeString,
  highestModSeqCode,
  modifiedCode,
  noModSeqCode,
  permanentFlagsCode,
  statusResponse,
  uidNextCode,
  uidValidityCode,
  untaggedResponse,
} from './encoder.ts';
import { ResponseBuilder } from './response-builder.ts';
import { concat, latin1, readOne, utf8 } from './wire.test-support.ts';

const ASCII = { utf8: false } as const;
const UTF8 = { utf8: true } as const;

void test('astring: atom when it can be, quoted string, or literal (RFC 9051 §4.1, §4.3)', () => {
  const cases: [string, boolean, string][] = [
    ['INBOX', false, 'INBOX'],
    ['Sent.2024', false, 'Sent.2024'],
    ['x]', false, 'x]'],
    ['~foo', false, '~foo'],
    ['', false, '""'],
    ['a b', false, '"a b"'],
    ['NIL', false, '"NIL"'],
    ['nil', false, '"nil"'],
    ['a%', false, '"a%"'],
    ['a*', false, '"a*"'],
    ['(x)', false, '"(x)"'],
    ['{5}', false, '"{5}"'],
    ['a"b', false, '"a\\"b"'],
    ['a\\b', false, '"a\\\\b"'],
    ['tab\there', false, '"tab\there"'],
    ['a\r\nb', false, '{4}\r\na\r\nb'],
    ['a\nb', true, '{3}\r\na\nb'],
    ['Grüße', false, '{7}\r\nGrüße'],
    ['Grüße', true, '"Grüße"'],
    ['😀', true, '"😀"'],
    ['😀', false, '{4}\r\n😀'],
    ['a\0b', true, '"a\ufffdb"'],
    ['\ud800', true, '"\ufffd"'],
  ];
  for (const [value, utf8Session, expected] of cases) assert.equal(encodeAstring(value, { utf8: utf8Session }), expected, JSON.stringify(value));
});

void test('string and nstring never use an atom; NIL for null', () => {
  assert.equal(encodeString('abc', ASCII), '"abc"');
  assert.equal(encodeNstring(null, ASCII), 'NIL');
  assert.equal(encodeNstring('NIL', ASCII), '"NIL"');
  assert.equal(encodeNstring('', UTF8), '""');
});

void test('literal and literal8 pass the octets through (RFC 9051 §4.3, RFC 3516 §4.3)', () => {
  const body = utf8('hello');
  const chunks = encodeLiteral(body);
  assert.equal(latin1(chunks[0] ?? new Uint8Array()), '{5}\r\n');
  assert.equal(chunks[1], body);
  assert.equal(latin1(concat(encodeLiteral8(Uint8Array.of(0, 1)))), '~{2}\r\n\x00\x01');
  assert.equal(latin1(concat(encodeLiteral(new Uint8Array(0)))), '{0}\r\n');
});

void test('lists and flag lists (RFC 9051 §4.4, §9 flag-list)', () => {
  assert.equal(encodeList([]), '()');
  assert.equal(encodeList(['MESSAGES', '3', '"x"']), '(MESSAGES 3 "x")');
  assert.equal(encodeFlagList(['\\Seen', '$Forwarded', 'NIL', '\\*']), '(\\Seen $Forwarded NIL \\*)');
  assert.equal(encodeFlagList(['bad flag', '\\', '', 'ok', 'x]', 'a"b']), '(ok)');
});

void test('status, untagged and continuation responses keep to one line', () => {
  assert.equal(statusResponse('a1', 'OK', 'SELECT completed', 'READ-WRITE'), 'a1 OK [READ-WRITE] SELECT completed\r\n');
  assert.equal(statusResponse('*', 'BYE', 'Logging out'), '* BYE Logging out\r\n');
  assert.equal(statusResponse('a2', 'NO', 'bad\r\nA3 OK injected'), 'a2 NO bad  A3 OK injected\r\n');
  assert.equal(statusResponse('a2', 'BAD', ''), 'a2 BAD bad\r\n');
  assert.equal(statusResponse('*', 'OK', 'x', 'ALERT]x'), '* OK [ALERT x] x\r\n');
  assert.equal(untaggedResponse('3 EXISTS'), '* 3 EXISTS\r\n');
  assert.equal(continuationResponse(), '+ \r\n');
  assert.equal(continuationResponse('Ready for literal data'), '+ Ready for literal data\r\n');
  assert.equal(continuationResponse('YWJj\r\n'), '+ YWJj  \r\n');
});

void test('response codes', () => {
  assert.equal(uidNextCode(7), 'UIDNEXT 7');
  assert.equal(uidValidityCode(3857529045), 'UIDVALIDITY 3857529045');
  assert.equal(highestModSeqCode(715194045007), 'HIGHESTMODSEQ 715194045007');
  assert.equal(noModSeqCode(), 'NOMODSEQ');
  assert.equal(modifiedCode([7, 9, 1, 2, 3]), 'MODIFIED 1:3,7,9');
  assert.equal(modifiedCode({ kind: 'set', ranges: [{ from: 1, to: 3 }] }), 'MODIFIED 1:3');
  assert.equal(copyUidCode(38505, [304, 319, 320], [3956, 3957, 3958]), 'COPYUID 38505 304,319:320 3956:3958');
  assert.equal(appendUidCode(38505, [3955]), 'APPENDUID 38505 3955');
  assert.equal(appendUidCode(1, [5, 6, 7]), 'APPENDUID 1 5:7');
  assert.equal(permanentFlagsCode(['\\Seen', '\\Deleted', '\\*']), 'PERMANENTFLAGS (\\Seen \\Deleted \\*)');
  assert.equal(capabilityCode(['IMAP4rev2', 'IDLE']), 'CAPABILITY IMAP4rev2 IDLE');
  assert.equal(badCharsetCode(), 'BADCHARSET');
  assert.equal(badCharsetCode(['UTF-8', 'US-ASCII']), 'BADCHARSET (UTF-8 US-ASCII)');
  assert.equal(encodeNumber(0), '0');
  assert.throws(() => encodeNumber(-1), RangeError);
  assert.throws(() => encodeNumber(1.5), RangeError);
  assert.throws(() => encodeNumber(Infinity), RangeError);
});

void test('ResponseBuilder: text encoded once, literal octets passed by reference', () => {
  const body = utf8('Subject: hi\r\n\r\nbody');
  const chunks = ResponseBuilder.untagged(ASCII).number(1).atom('FETCH').open().atom('UID').number(7).atom('FLAGS').flags(['\\Seen']).atom('BODY[]').literal(body).atom('ENVELOPE').open().nstring(null).string('a b').astring('x').close().close().finish();
  assert.equal(latin1(concat(chunks)), `* 1 FETCH (UID 7 FLAGS (\\Seen) BODY[] {${body.length}}\r\n${latin1(body)} ENVELOPE (NIL "a b" x))\r\n`);
  assert.equal(chunks.length, 3);
  assert.equal(chunks[1], body);
  const binary = new ResponseBuilder(UTF8).raw('* 2 FETCH (BINARY[1] ').literal8(Uint8Array.of(0)).close().finish();
  assert.equal(latin1(concat(binary)), '* 2 FETCH (BINARY[1] ~{1}\r\n\x00)\r\n');
  const empty = ResponseBuilder.untagged(ASCII).number(1).atom('FETCH').open().atom('BODY[]').literal(new Uint8Array(0)).close().finish();
  assert.equal(latin1(concat(empty)), '* 1 FETCH (BODY[] {0}\r\n)\r\n');
});

const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', '\r', '\n', '\0', '%', ']', 'é', '{', '}'), maxLength: 30 }), fc.constant('x'.repeat(1100)));

void test('property: CR, LF and NUL only ever appear inside a literal; 8-bit only with UTF-8 or in a literal', () => {
  fc.assert(
    fc.property(anyText, fc.boolean(), (value, utf8Session) => {
      const encoded = encodeAstring(value, { utf8: utf8Session });
      const literal = /^\{(\d+)\}\r\n/.exec(encoded);
      if (literal === null) {
        assert.ok(!/[\r\n\0]/.test(encoded));
        if (!utf8Session) assert.ok(!/[^\x00-\x7f]/.test(encoded));
      } else {
        assert.equal(Number(literal[1]), utf8(encoded.slice(literal[0].length)).length);
        assert.ok(!encoded.includes('\0'));
      }
    }),
    { numRuns: 1000 },
  );
});

void test('property: encoder output read back by the command reader gives the value', () => {
  fc.assert(
    fc.property(anyText, fc.boolean(), (value, utf8Session) => {
      const expected = value.replace(/\0/g, '\ufffd').toWellFormed();
      const event = readOne(`a LOGIN ${encodeAstring(value, { utf8: utf8Session })} ${encodeString(value, { utf8: utf8Session })}`);
      assert.deepEqual(event, { kind: 'command', tag: 'a', command: { name: 'LOGIN', user: expected, password: expected } });
    }),
    { numRuns: 500 },
  );
});
