// The command reader: framing (lines, literals, continuation requests), refusals that keep the
// connection in step, raw lines, hand-over of the rest, memory bounds under hostile input. Every
// table case is also fed one byte at a time (driveBothWays), and properties check any split.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_LINE_OCTETS, MAX_LITERAL_OCTETS_BEFORE_AUTH } from './limits.ts';
import { ImapCommandReader, type ReaderEvent } from './reader.ts';
import { bytes, concat, cuts, drive, driveBothWays, framingBytes, latin1, oneByteAtATime, replacer, splitAt, type Seen } from './wire.test-support.ts';

/** A compact view of events: "a:NOOP", "+", "a:BAD[TOOBIG]", "*:BAD", "FATAL[TOOBIG]", "raw:DONE". */
function summary(events: readonly Seen[]): string[] {
  return events.map((event) => {
    if (event.kind === 'continue') return '+';
    if (event.kind === 'raw') return event.line.kind === 'line' ? `raw:${latin1(event.line.line)}` : 'raw:too-long';
    if (event.kind === 'command') return `${event.tag}:${event.command.name}`;
    const code = event.code === undefined ? '' : `[${event.code}]`;
    return event.fatal ? `FATAL${code}` : `${event.tag ?? '*'}:${event.status}${code}`;
  });
}

const long = (n: number) => 'x'.repeat(n);
const rawAfterAuthOrIdle = (event: ReaderEvent) => event.kind === 'command' && (event.command.name === 'AUTHENTICATE' || event.command.name === 'IDLE');

// [input, expected summary]
const CASES: readonly (readonly [string, readonly string[]])[] = [
  ['a NOOP\r\n', ['a:NOOP']],
  ['a NOOP\r\nb CAPABILITY\r\nc LOGOUT\r\n', ['a:NOOP', 'b:CAPABILITY', 'c:LOGOUT']],
  ['a NOOP\n', ['a:NOOP']], // a bare LF ends a line (deviation, as Dovecot)
  ['a NOOP', []],
  ['a NOOP\r', []],
  ['\r\n\r\na NOOP\r\n\n', ['a:NOOP']], // empty lines between commands are ignored
  ['a LOGIN {5}\r\nalice x\r\n', ['+', 'a:LOGIN']],
  ['a LOGIN {5+}\r\nalice x\r\n', ['a:LOGIN']],
  ['a LOGIN {5}\r\nali', ['+']],
  ['a LOGIN {10+}\r\nshort\r\n', []], // the literal is not complete: its octets include "\r\n"
  ['a LOGIN {10+}\r\nshort\r\nb NOOP\r\n', ['a:BAD']], // "short\r\nb NO" then "OP": the literal swallowed them
  ['a LOGIN {0}\r\n {0}\r\n\r\n', ['+', '+', 'a:LOGIN']],
  ['a LOGIN "{5}"\r\nb NOOP\r\n', ['a:BAD', 'b:NOOP']], // inside a quoted string "{5}" is no literal
  ['a LOGIN "x \\" {5}\r\nb NOOP\r\n', ['a:BAD', 'b:NOOP']], // unterminated quoted string: no literal either
  ['a LOGIN "x\\\\" {5}\r\nalice\r\n', ['+', 'a:LOGIN']], // the escaped backslash closes the quote
  ['a APPEND x ~{3}\r\n\x00\x01\x02\r\n', ['+', 'a:APPEND']],
  ['a APPEND x {3}\r\n\x00\x01\x02\r\nb NOOP\r\n', ['+', 'a:BAD', 'b:NOOP']], // NUL needs literal8
  ['a APPEND x {3+}\r\na\x00b (\\Seen) {2+}\r\nxy\r\nb NOOP\r\n', ['a:BAD', 'b:NOOP']],
  // A synchronizing literal is refused before "+" when the command is already wrong.
  ['a NOOP {5}\r\nb NOOP\r\n', ['a:BAD', 'b:NOOP']],
  ['a FROB {5}\r\nb NOOP\r\n', ['a:BAD', 'b:NOOP']],
  ['+ {5}\r\nb NOOP\r\n', ['*:BAD', 'b:NOOP']],
  ['a SELECT x (FOO) {5}\r\nb NOOP\r\n', ['a:BAD', 'b:NOOP']],
  ['a LOGIN x{5}\r\nb NOOP\r\n', ['a:BAD', 'b:NOOP']],
  // A non-synchronizing literal of a wrong command is still read (and dropped).
  ['a NOOP {5+}\r\nb NOO\r\nc NOOP\r\n', ['a:BAD', 'c:NOOP']],
  // Literals over the limit (8 KiB before login): NO for {n} (nothing sent), BAD for {n+} (octets dropped).
  ['a APPEND x {4294967295}\r\nb NOOP\r\n', ['a:NO[TOOBIG]', 'b:NOOP']],
  ['a APPEND x {99999999999999999999999999}\r\nb NOOP\r\n', ['a:NO[TOOBIG]', 'b:NOOP']],
  [`a APPEND x {${MAX_LITERAL_OCTETS_BEFORE_AUTH + 1}}\r\nb NOOP\r\n`, ['a:NO[TOOBIG]', 'b:NOOP']],
  [`a APPEND x {${MAX_LITERAL_OCTETS_BEFORE_AUTH + 1}+}\r\n${long(MAX_LITERAL_OCTETS_BEFORE_AUTH + 1)}\r\nb NOOP\r\n`, ['a:BAD[TOOBIG]', 'b:NOOP']],
  [`a APPEND x {${MAX_LITERAL_OCTETS_BEFORE_AUTH + 1}+}\r\n${long(MAX_LITERAL_OCTETS_BEFORE_AUTH + 1)} {3+}\r\nabc\r\nb NOOP\r\n`, ['a:BAD[TOOBIG]', 'b:NOOP']],
  [`a APPEND x {${MAX_LITERAL_OCTETS_BEFORE_AUTH + 1}+}\r\n${long(MAX_LITERAL_OCTETS_BEFORE_AUTH + 1)} {3}\r\nb NOOP\r\n`, ['a:BAD[TOOBIG]', 'b:NOOP']],
  ['a APPEND x {4294967295+}\r\nb NOOP\r\n', ['FATAL[TOOBIG]']],
  ['a APPEND x {4294967295+}\r\nb NOOP\r\n'.replace('{4294967295+}', '{99999999999999999999+}'), ['FATAL[TOOBIG]']],
  ['a APPEND x ~{4294967295}\r\nb NOOP\r\n', ['a:NO[TOOBIG]', 'b:NOOP']],
  // Over-long lines are skipped, then answered; a literal announced at their end is honoured.
  [`a LOGIN ${long(MAX_LINE_OCTETS)}\r\nb NOOP\r\n`, ['a:BAD[TOOBIG]', 'b:NOOP']],
  [`a LOGIN ${long(100_000)}\r\nb NOOP\r\n`, ['a:BAD[TOOBIG]', 'b:NOOP']],
  [`a LOGIN ${long(100_000)} {5+}\r\nb NOO\r\nc NOOP\r\n`, ['a:BAD[TOOBIG]', 'c:NOOP']],
  [`a LOGIN ${long(100_000)} {5}\r\nb NOOP\r\n`, ['a:BAD[TOOBIG]', 'b:NOOP']],
  [`a LOGIN "${long(100_000)} {5+}\r\nb NOOP\r\n`, ['a:BAD[TOOBIG]', 'b:NOOP']], // in a quoted string: no literal
  [`${long(100_000)}\r\nb NOOP\r\n`, ['*:BAD[TOOBIG]', 'b:NOOP']],
  [`${long(100_000)}`, []],
  // Nesting and NUL.
  [`a SEARCH ${'('.repeat(65)}ALL${')'.repeat(65)}\r\nb NOOP\r\n`, ['a:BAD[LIMIT]', 'b:NOOP']],
  [`a SEARCH ${'('.repeat(10_000)}\r\nb NOOP\r\n`, ['a:BAD[LIMIT]', 'b:NOOP']],
  [`a SEARCH ${'('.repeat(64)}ALL${')'.repeat(64)}\r\n`, ['a:SEARCH']],
  ['a SEARCH SUBJECT "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("\r\n', ['a:SEARCH']],
  ['a NOOP\x00\r\nb NOOP\r\n', ['a:BAD', 'b:NOOP']],
  ['\x00\x00\x00\r\nb NOOP\r\n', ['*:BAD', 'b:NOOP']],
  // AUTHENTICATE and IDLE: the next line is raw.
  ['a AUTHENTICATE PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\nb NOOP\r\n', ['a:AUTHENTICATE', 'raw:AGFsaWNlAHNlY3JldA==', 'b:NOOP']],
  ['a AUTHENTICATE PLAIN\r\n*\r\n', ['a:AUTHENTICATE', 'raw:*']],
  ['a IDLE\r\nDONE\r\nb NOOP\r\n', ['a:IDLE', 'raw:DONE', 'b:NOOP']],
  ['a IDLE\r\n{5}\r\nb NOOP\r\n', ['a:IDLE', 'raw:{5}', 'b:NOOP']],
  [`a IDLE\r\n${long(100_000)}\r\nb NOOP\r\n`, ['a:IDLE', 'raw:too-long', 'b:NOOP']],
];

void test('framing: lines, literals, refusals in step with the client (RFC 9051 §4.3, RFC 7888), one push and one byte at a time', () => {
  for (const [text, expected] of CASES) {
    const events = driveBothWays(bytes(text), { rawAfter: rawAfterAuthOrIdle });
    assert.deepEqual(summary(events), expected, `${JSON.stringify(text.slice(0, 80))}: ${JSON.stringify(events, replacer).slice(0, 400)}`);
  }
});

void test('APPEND {4294967295}: NO [TOOBIG] at once, nothing allocated, the next command is read', () => {
  const reader = new ImapCommandReader();
  reader.push(bytes('a APPEND INBOX {4294967295}\r\n'));
  assert.deepEqual(reader.next(), { kind: 'error', tag: 'a', status: 'NO', code: 'TOOBIG', text: `Literal larger than ${MAX_LITERAL_OCTETS_BEFORE_AUTH} octets`, fatal: false });
  assert.equal(reader.next(), undefined);
  assert.equal(reader.heldOctets(), 0);
  reader.push(bytes('b NOOP\r\n'));
  assert.deepEqual(reader.next(), { kind: 'command', tag: 'b', command: { name: 'NOOP' } });
});

void test('a non-synchronizing literal over the limit is BAD [TOOBIG] at once and its octets are dropped unbuffered (RFC 7888 §4)', () => {
  const reader = new ImapCommandReader();
  reader.push(bytes('a APPEND x {10000000+}\r\n'));
  assert.deepEqual(reader.next(), { kind: 'error', tag: 'a', status: 'BAD', code: 'TOOBIG', text: `Literal larger than ${MAX_LITERAL_OCTETS_BEFORE_AUTH} octets`, fatal: false });
  const chunk = new Uint8Array(64 * 1024).fill(0x41);
  for (let sent = 0; sent < 10_000_000; sent += chunk.length) {
    reader.push(chunk.subarray(0, Math.min(chunk.length, 10_000_000 - sent)));
    assert.equal(reader.next(), undefined);
    assert.equal(reader.heldOctets(), 0);
  }
  reader.push(bytes('\r\nb NOOP\r\n'));
  assert.deepEqual(reader.next(), { kind: 'command', tag: 'b', command: { name: 'NOOP' } });
});

void test('a literal flood before login costs bounded memory', () => {
  const reader = new ImapCommandReader();
  let peak = 0;
  let events = 0;
  for (let i = 0; i < 2000; i++) {
    // Accepted literals (within 8 KiB) of a command that never ends, then over-limit ones.
    reader.push(bytes(`x${i} LOGIN {8000+}\r\n`));
    reader.push(new Uint8Array(8000).fill(0x61));
    reader.push(bytes(' {9000+}\r\n'));
    reader.push(new Uint8Array(9000).fill(0x62));
    for (let event = reader.next(); event !== undefined; event = reader.next()) events++;
    peak = Math.max(peak, reader.heldOctets());
  }
  assert.ok(peak <= 64 * 1024, `peak ${peak}`);
  assert.ok(events > 0);
});

void test('a 100 KB line costs bounded memory, whether it comes in pieces or at once', () => {
  const reader = new ImapCommandReader();
  const piece = bytes(long(1024));
  let peak = 0;
  reader.push(bytes('a LOGIN '));
  for (let i = 0; i < 100; i++) {
    reader.push(piece);
    assert.equal(reader.next(), undefined);
    peak = Math.max(peak, reader.heldOctets());
  }
  assert.ok(peak <= MAX_LINE_OCTETS + piece.length, `peak ${peak}`);
  assert.equal(reader.heldOctets(), 0);
  reader.push(bytes('\r\nb NOOP\r\n'));
  assert.deepEqual(summary([reader.next(), reader.next()].filter((event) => event !== undefined)), ['a:BAD[TOOBIG]', 'b:NOOP']);
  const once = new ImapCommandReader();
  once.push(bytes(long(1_000_000)));
  assert.equal(once.next(), undefined);
  assert.equal(once.heldOctets(), 0);
});

void test('expectLine/nextLine: the AUTHENTICATE response (RFC 9051 §6.2.2) and IDLE DONE (RFC 2177) are raw lines', () => {
  const reader = new ImapCommandReader();
  reader.push(bytes('a AUTHENTICATE PLAIN\r\n'));
  assert.equal(reader.nextLine(), undefined); // not asked for
  assert.deepEqual(reader.next(), { kind: 'command', tag: 'a', command: { name: 'AUTHENTICATE', mechanism: 'PLAIN' } });
  reader.expectLine();
  reader.push(bytes('dGVz'));
  assert.equal(reader.next(), undefined); // commands wait while a raw line is expected
  assert.equal(reader.nextLine(), undefined);
  reader.push(bytes('dA==\r\nb NOOP\r\n'));
  assert.deepEqual(reader.nextLine(), { kind: 'line', line: bytes('dGVzdA==') });
  assert.equal(reader.nextLine(), undefined); // one line only
  assert.deepEqual(reader.next(), { kind: 'command', tag: 'b', command: { name: 'NOOP' } });
});

void test('takeRemaining hands the rest to the inflater after COMPRESS (RFC 4978 §4); discard drops plaintext after STARTTLS (RFC 9051 §6.2.1)', () => {
  const reader = new ImapCommandReader();
  reader.push(bytes('a COMPRESS DEFLATE\r\n\x78\x9c\x01\x02'));
  assert.deepEqual(reader.next(), { kind: 'command', tag: 'a', command: { name: 'COMPRESS', mechanism: 'DEFLATE' } });
  assert.deepEqual(reader.takeRemaining(), bytes('\x78\x9c\x01\x02'));
  assert.equal(reader.heldOctets(), 0);
  assert.equal(reader.next(), undefined);

  const tls = new ImapCommandReader();
  tls.push(bytes('a STARTTLS\r\nb LOGIN injected x\r\nc {5}\r\n'));
  assert.deepEqual(tls.next(), { kind: 'command', tag: 'a', command: { name: 'STARTTLS' } });
  tls.discard();
  assert.equal(tls.next(), undefined);
  tls.push(bytes('d CAPABILITY\r\n'));
  assert.deepEqual(tls.next(), { kind: 'command', tag: 'd', command: { name: 'CAPABILITY' } });
  // Discarding in the middle of a literal or of a skipped line forgets it too.
  tls.push(bytes(`e LOGIN ${long(70_000)}`));
  assert.equal(tls.next(), undefined);
  tls.discard();
  tls.push(bytes('f NOOP\r\n'));
  assert.deepEqual(tls.next(), { kind: 'command', tag: 'f', command: { name: 'NOOP' } });
});

void test('setLimits raises the literal limit after login; a fatal error closes the reader', () => {
  const reader = new ImapCommandReader();
  reader.setLimits({ maxLiteralOctets: 100_000, maxCommandOctets: 200_000 });
  assert.equal(reader.limits.maxLiteralOctets, 100_000);
  reader.push(bytes('a APPEND x {100000}\r\n'));
  assert.deepEqual(reader.next(), { kind: 'continue', text: 'Ready for literal data' });
  reader.push(new Uint8Array(100_000).fill(0x61));
  reader.push(bytes('\r\n'));
  const event = reader.next();
  assert.ok(event?.kind === 'command' && event.command.name === 'APPEND' && event.command.messages[0]?.data.length === 100_000);
  assert.throws(() => reader.setLimits({ maxLineOctets: 0 }), RangeError);
  assert.throws(() => new ImapCommandReader({ maxNesting: Number.NaN }), RangeError);

  reader.push(bytes('b APPEND x {999999999999+}\r\nc NOOP\r\n'));
  assert.deepEqual(reader.next(), { kind: 'error', tag: 'b', status: 'BAD', code: 'TOOBIG', text: 'Literal larger than 100000 octets', fatal: true });
  assert.equal(reader.next(), undefined);
  reader.push(bytes('d NOOP\r\n'));
  assert.equal(reader.next(), undefined);
});

void test('a synchronizing literal gets "+" only once the command so far is valid', () => {
  const reader = new ImapCommandReader();
  reader.push(bytes('a APPEND INBOX (\\Seen) {3}\r\n'));
  assert.deepEqual(reader.next(), { kind: 'continue', text: 'Ready for literal data' });
  reader.push(bytes('abc (\\Bogus) {3}\r\n'));
  const refused = reader.next();
  assert.ok(refused?.kind === 'error' && refused.tag === 'a' && refused.status === 'BAD', JSON.stringify(refused));
  assert.equal(reader.next(), undefined);
});

void test('property: any bytes, split anywhere, give the same events and never throw', () => {
  fc.assert(
    fc.property(framingBytes(300), cuts(300), (data, at) => {
      const limits = { maxLineOctets: 40, maxLiteralOctets: 10, maxCommandOctets: 80, maxNesting: 3, maxLiteralsPerCommand: 3, maxDiscardedLiteralOctets: 20 };
      const whole = JSON.stringify(drive([data], { limits, rawAfter: rawAfterAuthOrIdle }).events, replacer);
      assert.equal(JSON.stringify(drive(splitAt(data, at), { limits, rawAfter: rawAfterAuthOrIdle }).events, replacer), whole);
      assert.equal(JSON.stringify(drive(oneByteAtATime(data), { limits, rawAfter: rawAfterAuthOrIdle }).events, replacer), whole);
    }),
    { numRuns: 1000 },
  );
});

void test('property: commands made of valid pieces and literals, split anywhere, give one event per command', () => {
  const piece = fc.constantFrom('NOOP', 'LOGIN a b', 'LOGIN {1}\r\na {1+}\r\nb', 'SEARCH SUBJECT {2}\r\nhi', 'APPEND x ~{2}\r\n\x00\x01', 'SELECT "a{1}"', 'FETCH 1:* (BODY[HEADER.FIELDS (A)]<0.5>)', 'BOGUS', 'LOGIN {99999999}');
  fc.assert(
    fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), cuts(400), (pieces, at) => {
      const data = concat(pieces.map((text, i) => bytes(`t${i} ${text}\r\n`)));
      const events = drive(splitAt(data, at)).events.filter((event) => event.kind !== 'continue');
      assert.deepEqual(
        events.map((event) => (event.kind === 'raw' ? '' : event.tag)),
        pieces.map((_, i) => `t${i}`),
      );
    }),
    { numRuns: 500 },
  );
});
