import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  MAX_AUTH_COMMAND_LINE_OCTETS,
  MAX_COMMAND_LINE_OCTETS,
  MAX_EXTENDED_COMMAND_LINE_OCTETS,
  SmtpLineReader,
  type LineEvent,
} from './line-reader.ts';
import { bytes, concat, cuts, framingBytes, latin1, oneByteAtATime, splitAt } from './wire.test-support.ts';

type Seen = string | { readonly kind: 'too-long' } | { readonly kind: 'bare-lf' };

function show(event: LineEvent): Seen {
  return event.kind === 'line' ? latin1(event.line) : { kind: event.kind };
}

/** Pushes each part, draining next() after each push, as a server does. */
function read(parts: readonly Uint8Array[], maxLineOctets = MAX_COMMAND_LINE_OCTETS): { events: Seen[]; pending: number } {
  const reader = new SmtpLineReader({ maxLineOctets });
  const events: Seen[] = [];
  for (const part of parts) {
    reader.push(part);
    for (let event = reader.next(); event !== undefined; event = reader.next()) events.push(show(event));
  }
  return { events, pending: reader.pending() };
}

const TOO_LONG = { kind: 'too-long' } as const;
const BARE_LF = { kind: 'bare-lf' } as const;
const long = (n: number) => 'A'.repeat(n);

// [input, expected events, bytes left pending]
const CASES: readonly (readonly [string, readonly Seen[], number])[] = [
  ['NOOP\r\n', ['NOOP'], 0],
  ['EHLO a\r\nMAIL FROM:<>\r\n', ['EHLO a', 'MAIL FROM:<>'], 0],
  ['\r\n', [''], 0],
  ['NOOP', [], 4],
  ['NOOP\r', [], 5],
  ['NOOP\n', [BARE_LF], 0],
  ['\n', [BARE_LF], 0],
  ['NO\rOP\r\n', ['NO\rOP'], 0], // a bare CR is a byte of the line; the command parser refuses it
  ['\x00\r\n', ['\x00'], 0],
  ['NOOP\r\r\n', ['NOOP\r'], 0],
  ['lower case\r\n', ['lower case'], 0],
  // SMTP smuggling sequences are no command line ends either
  ['DATA\r\nx\n.\nMAIL FROM:<a@b>\r\n', ['DATA', BARE_LF, BARE_LF, 'MAIL FROM:<a@b>'], 0],
  ['a\r.\r\nMAIL FROM:<a@b>\r\n', ['a\r.', 'MAIL FROM:<a@b>'], 0],
  // limits: 512 octets with the CRLF is the longest line
  [`${long(510)}\r\n`, [long(510)], 0],
  [`${long(511)}\r\n`, [TOO_LONG], 0],
  [`${long(511)}\n`, [BARE_LF], 0],
  [`${long(512)}\n`, [TOO_LONG], 0],
  [`${long(600)}\r\nQUIT\r\n`, [TOO_LONG, 'QUIT'], 0],
  [`${long(100_000)}\r\nQUIT\r\n`, [TOO_LONG, 'QUIT'], 0],
  [`${long(100_000)}`, [], 0],
  [`${long(100_000)}\nQUIT\r\n`, [TOO_LONG, 'QUIT'], 0],
];

void test('line events: only CRLF ends a line (RFC 5321 §2.3.8), too-long lines are skipped', () => {
  for (const [input, expected, pending] of CASES) {
    const whole = read([bytes(input)]);
    assert.deepEqual(whole.events, expected, JSON.stringify(input.slice(0, 60)));
    assert.equal(whole.pending, pending, JSON.stringify(input.slice(0, 60)));
  }
});

void test('the same cases fed one byte at a time give the same events', () => {
  for (const [input, expected, pending] of CASES) {
    const split = read(oneByteAtATime(bytes(input)));
    assert.deepEqual(split.events, expected, JSON.stringify(input.slice(0, 60)));
    assert.equal(split.pending, pending);
  }
});

void test('the limit constants: 512, then larger limits for MAIL/RCPT and AUTH', () => {
  assert.equal(MAX_COMMAND_LINE_OCTETS, 512);
  assert.equal(MAX_EXTENDED_COMMAND_LINE_OCTETS, 4096);
  // SIZE 26 + BODY 16 + SMTPUTF8 10 + RET/ENVID 100 + AUTH 500 + REQUIRETLS 11 over 512.
  assert.ok(MAX_EXTENDED_COMMAND_LINE_OCTETS >= 512 + 26 + 16 + 10 + 100 + 500 + 11);
  assert.equal(MAX_AUTH_COMMAND_LINE_OCTETS, 12288 + 'AUTH '.length + 20 + 1 + 2);
  for (const limit of [MAX_COMMAND_LINE_OCTETS, MAX_EXTENDED_COMMAND_LINE_OCTETS, MAX_AUTH_COMMAND_LINE_OCTETS]) {
    assert.deepEqual(read([bytes(`${long(limit - 2)}\r\n`)], limit).events, [long(limit - 2)]);
    assert.deepEqual(read([bytes(`${long(limit - 1)}\r\n`)], limit).events, [TOO_LONG]);
  }
  assert.throws(() => new SmtpLineReader({ maxLineOctets: 1 }), RangeError);
  assert.throws(() => new SmtpLineReader({ maxLineOctets: Number.NaN }), RangeError);
});

void test('a 100 KB line costs bounded memory, whether it comes in pieces or at once', () => {
  const reader = new SmtpLineReader({ maxLineOctets: MAX_COMMAND_LINE_OCTETS });
  const piece = bytes(long(1024));
  let peak = 0;
  for (let i = 0; i < 100; i++) {
    reader.push(piece);
    assert.equal(reader.next(), undefined);
    peak = Math.max(peak, reader.pending());
  }
  assert.ok(peak <= MAX_COMMAND_LINE_OCTETS + piece.length, `peak ${peak}`);
  assert.equal(reader.pending(), 0);
  reader.push(bytes('tail\r\nQUIT\r\n'));
  assert.deepEqual(reader.next(), { kind: 'too-long' });
  assert.deepEqual(show(reader.next() ?? { kind: 'bare-lf' }), 'QUIT');

  const once = new SmtpLineReader({ maxLineOctets: MAX_COMMAND_LINE_OCTETS });
  once.push(bytes(long(100_000)));
  assert.equal(once.next(), undefined);
  assert.equal(once.pending(), 0);
});

void test('takeRemaining hands the unread bytes to the DATA or BDAT decoder (RFC 2920 §3)', () => {
  const reader = new SmtpLineReader({ maxLineOctets: MAX_COMMAND_LINE_OCTETS });
  // A BDAT chunk longer than a command line, without CRLF: next() must leave it untouched.
  const chunk = long(5000);
  reader.push(bytes(`BDAT 5000 LAST\r\n${chunk}QUIT\r\n`));
  assert.deepEqual(show(reader.next() ?? BARE_LF), 'BDAT 5000 LAST');
  const rest = reader.takeRemaining();
  assert.equal(latin1(rest), `${chunk}QUIT\r\n`);
  assert.equal(reader.pending(), 0);
  assert.equal(reader.next(), undefined);
  // The data decoder's rest comes back as ordinary input.
  reader.push(bytes('QUIT\r\n'));
  assert.deepEqual(show(reader.next() ?? BARE_LF), 'QUIT');
});

void test('discard throws away plaintext after STARTTLS (RFC 3207 §4.2)', () => {
  const reader = new SmtpLineReader({ maxLineOctets: MAX_COMMAND_LINE_OCTETS });
  reader.push(bytes('STARTTLS\r\nMAIL FROM:<attacker@example.com>\r\nRCPT'));
  assert.deepEqual(show(reader.next() ?? BARE_LF), 'STARTTLS');
  reader.discard();
  assert.equal(reader.pending(), 0);
  assert.equal(reader.next(), undefined);
  reader.push(bytes('EHLO client.example\r\n'));
  assert.deepEqual(show(reader.next() ?? BARE_LF), 'EHLO client.example');
  // Discarding in the middle of an over-long line forgets it too.
  reader.push(bytes(long(600)));
  assert.equal(reader.next(), undefined);
  reader.discard();
  reader.push(bytes('\r\nNOOP\r\n'));
  assert.deepEqual(show(reader.next() ?? BARE_LF), '');
  assert.deepEqual(show(reader.next() ?? BARE_LF), 'NOOP');
});

void test('property: any split of any input gives the same events and never throws', () => {
  fc.assert(
    fc.property(framingBytes(400), cuts(400), fc.integer({ min: 2, max: 40 }), (data, at, limit) => {
      const whole = read([data], limit);
      assert.deepEqual(read(splitAt(data, at), limit), whole);
      assert.deepEqual(read(oneByteAtATime(data), limit), whole);
    }),
    { numRuns: 500 },
  );
});

void test('property: lines joined with CRLF come back as they were', () => {
  const line = fc.string({ unit: 'binary-ascii', maxLength: 80 }).filter((text) => !/[\r\n]/.test(text));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 10 }), cuts(1000), (lines, at) => {
      const data = concat(lines.map((text) => bytes(`${text}\r\n`)));
      assert.deepEqual(read(splitAt(data, at), 100).events, lines);
    }),
  );
});
