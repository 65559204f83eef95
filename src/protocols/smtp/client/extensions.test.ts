import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ReplyReader } from '../wire/reply.ts';
import { bytes, oneByteAtATime } from '../wire/wire.test-support.ts';
import { NO_EXTENSIONS, parseEhloReply, type Extensions } from './extensions.ts';
import { CLIENT_MAX_REPLY_LINE_OCTETS, CLIENT_MAX_REPLY_LINES } from './limits.ts';

const POSTFIX = [
  'mx.example.net',
  'PIPELINING',
  'SIZE 10240000',
  'VRFY',
  'ETRN',
  'STARTTLS',
  'ENHANCEDSTATUSCODES',
  '8BITMIME',
  'DSN',
  'SMTPUTF8',
  'CHUNKING',
];

// [EHLO reply lines, expected fields (the rest as NO_EXTENSIONS)]
const CASES: readonly (readonly [readonly string[], Partial<Extensions>])[] = [
  [['greeting only'], {}],
  [
    POSTFIX,
    {
      pipelining: true,
      size: 10240000,
      startTls: true,
      enhancedStatusCodes: true,
      eightBitMime: true,
      dsn: true,
      smtputf8: true,
      chunking: true,
      keywords: POSTFIX.slice(1),
    },
  ],
  // Postfix's smtp-sink ends its EHLO reply with an empty line.
  [['smtp-sink', 'PIPELINING', 'AUTH PLAIN LOGIN', ''], { pipelining: true, auth: ['PLAIN', 'LOGIN'], keywords: ['PIPELINING', 'AUTH PLAIN LOGIN'] }],
  // RFC 5321 §2.4: keywords are case-insensitive.
  [['x', 'pipelining', 'Size 5', 'binarymime', 'requiretls'], { pipelining: true, size: 5, binaryMime: true, requireTls: true, keywords: ['PIPELINING', 'SIZE 5', 'BINARYMIME', 'REQUIRETLS'] }],
  // RFC 1870 §4: no number, or 0: no fixed limit; an unreadable number reads as none too.
  [['x', 'SIZE'], { size: 0, keywords: ['SIZE'] }],
  [['x', 'SIZE 0'], { size: 0, keywords: ['SIZE 0'] }],
  [['x', 'SIZE lots'], { size: 0, keywords: ['SIZE lots'] }],
  [['x', 'SIZE 123456789012345678901'], { size: 0, keywords: ['SIZE 123456789012345678901'] }],
  [['x', 'SIZE 99999999999999999999'], { size: Number.MAX_SAFE_INTEGER, keywords: ['SIZE 99999999999999999999'] }],
  // The pre-standard "AUTH=" line, beside the standard one: mechanisms merged, not listed twice.
  [['x', 'AUTH=LOGIN PLAIN', 'AUTH PLAIN LOGIN CRAM-MD5'], { auth: ['LOGIN', 'PLAIN', 'CRAM-MD5'], keywords: ['AUTH PLAIN LOGIN CRAM-MD5'] }],
  [['x', 'auth plain x!y'], { auth: ['PLAIN'], keywords: ['AUTH plain x!y'] }],
  // Lines that are not keywords are skipped; extra spaces are tolerated.
  [['x', '-PIPELINING', '  DSN  ', '8BITMIME\t', '*STARTTLS', 'START TLS'], { dsn: true, eightBitMime: true, keywords: ['DSN', '8BITMIME', 'START TLS'] }],
];

function expected(fields: Partial<Extensions>): Extensions {
  return { ...NO_EXTENSIONS, ...fields };
}

void test('parseEhloReply: the service extensions of RFC 5321 §4.1.1.1 into typed fields', () => {
  for (const [lines, fields] of CASES) assert.deepEqual(parseEhloReply(lines), expected(fields), JSON.stringify(lines));
});

void test('the same EHLO replies, read off the wire one byte at a time, give the same extensions', () => {
  for (const [lines, fields] of CASES) {
    const wire = lines.map((line, i) => `250${i === lines.length - 1 ? ' ' : '-'}${line}\r\n`).join('');
    const reader = new ReplyReader({ maxLineOctets: CLIENT_MAX_REPLY_LINE_OCTETS, maxLines: CLIENT_MAX_REPLY_LINES });
    let read: Extensions | undefined;
    for (const part of oneByteAtATime(bytes(wire))) {
      reader.push(part);
      const reply = reader.next();
      if (reply !== undefined) {
        assert.ok(reply.ok);
        read = parseEhloReply(reply.value.lines);
      }
    }
    assert.deepEqual(read, expected(fields), JSON.stringify(lines));
  }
});

void test('property: any reply lines give extensions without throwing, keywords upper-cased', () => {
  const line = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('PIPELINING', 'SIZE 1', 'SIZE -1', 'AUTH=', 'AUTH', 'auth=plain', 'DSN', '8BITMIME', 'SMTPUTF8', 'CHUNKING'),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
      const parsed = parseEhloReply(lines);
      for (const keyword of parsed.keywords) assert.equal(keyword.split(' ')[0], keyword.split(' ')[0]?.toUpperCase());
      for (const mechanism of parsed.auth) assert.match(mechanism, /^[A-Z0-9_-]{1,20}$/);
      assert.ok(parsed.size === undefined || (Number.isSafeInteger(parsed.size) && parsed.size >= 0));
    }),
    { numRuns: 500 },
  );
});
