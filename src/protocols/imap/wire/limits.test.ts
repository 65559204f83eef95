// Every limit of the wire layer, its value and the behaviour at and just past it (house rule 1).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_QUOTED_OCTETS, encodeString } from './encoder.ts';
import {
  checkLimits,
  DEFAULT_READER_LIMITS,
  LITERAL_MINUS_MAX_OCTETS,
  limitsAfterLogin,
  MAX_COMMAND_OCTETS_BEFORE_AUTH,
  MAX_DISCARDED_LITERAL_OCTETS,
  MAX_ID_FIELD_OCTETS,
  MAX_ID_PAIRS,
  MAX_ID_VALUE_OCTETS,
  MAX_LINE_OCTETS,
  MAX_LITERAL_OCTETS_BEFORE_AUTH,
  MAX_LITERALS_PER_COMMAND,
  MAX_NESTING,
  MAX_NUMBER,
  MAX_NUMBER64,
  MAX_PREFIX_CHECK_OCTETS,
  MAX_SASL_MECHANISM_OCTETS,
  MAX_SEARCH_DEPTH,
} from './limits.ts';
import { bytes, drive, readOne, type Seen } from './wire.test-support.ts';

const x = (n: number) => 'x'.repeat(n);
const kinds = (events: readonly Seen[]) => events.map((event) => (event.kind === 'error' ? `${event.status}${event.code === undefined ? '' : `[${event.code}]`}${event.fatal ? '!' : ''}` : event.kind));

void test('MAX_LINE_OCTETS: 64 KiB with the CRLF (RFC 7162 §4 asks for at least 8192)', () => {
  assert.equal(MAX_LINE_OCTETS, 65_536);
  assert.ok(MAX_LINE_OCTETS >= 8192);
  const line = (octets: number) => `a LOGIN u ${x(octets - 'a LOGIN u '.length - 2)}`;
  assert.equal(readOne(line(MAX_LINE_OCTETS)).kind, 'command');
  const over = readOne(line(MAX_LINE_OCTETS + 1));
  assert.ok(over.kind === 'error' && over.code === 'TOOBIG' && over.tag === 'a');
  // A line is counted up to a literal announcement; the next line starts again.
  const half = x(MAX_LINE_OCTETS - 20);
  assert.equal(readOne(`a LOGIN ${half} {1}\r\nb ${half.slice(0, MAX_LINE_OCTETS - 40)}`, { limits: { maxCommandOctets: 200_000 } }).kind, 'error'); // too many arguments, but framed
});

void test('MAX_LITERAL_OCTETS_BEFORE_AUTH: 8 KiB; limitsAfterLogin raises it to the message size', () => {
  assert.equal(MAX_LITERAL_OCTETS_BEFORE_AUTH, 8192);
  assert.equal(DEFAULT_READER_LIMITS.maxLiteralOctets, MAX_LITERAL_OCTETS_BEFORE_AUTH);
  assert.equal(readOne(`a LOGIN u {8192}\r\n${x(8192)}`).kind, 'command');
  assert.deepEqual(kinds(drive([bytes('a LOGIN u {8193}\r\n')]).events), ['NO[TOOBIG]']);
  assert.deepEqual(kinds(drive([bytes(`a LOGIN u {8193+}\r\n${x(8193)}\r\n`)]).events), ['BAD[TOOBIG]']);
  assert.deepEqual(limitsAfterLogin(52_428_800), { maxLiteralOctets: 52_428_800, maxCommandOctets: 52_428_800 + MAX_LINE_OCTETS });
});

void test('LITERAL_MINUS_MAX_OCTETS: 4096 (RFC 7888 §5); larger {n+} within the literal limit are accepted', () => {
  assert.equal(LITERAL_MINUS_MAX_OCTETS, 4096);
  assert.equal(readOne(`a LOGIN u {${LITERAL_MINUS_MAX_OCTETS + 1}+}\r\n${x(LITERAL_MINUS_MAX_OCTETS + 1)}`).kind, 'command');
});

void test('MAX_LITERALS_PER_COMMAND: 256 (MULTIAPPEND, ID)', () => {
  assert.equal(MAX_LITERALS_PER_COMMAND, 256);
  const append = (count: number) => `a APPEND x${' {1+}\r\nm'.repeat(count)}`;
  const accepted = readOne(append(MAX_LITERALS_PER_COMMAND));
  assert.ok(accepted.kind === 'command' && accepted.command.name === 'APPEND' && accepted.command.messages.length === 256);
  const refused = readOne(append(MAX_LITERALS_PER_COMMAND + 1));
  assert.ok(refused.kind === 'error' && refused.code === 'LIMIT' && refused.status === 'BAD');
  assert.deepEqual(kinds(drive([bytes(`a APPEND x${' {1+}\r\nm'.repeat(256)} {1}\r\n`)]).events), ['NO[LIMIT]']);
});

void test('MAX_NESTING: 64 levels of parentheses', () => {
  assert.equal(MAX_NESTING, 64);
  assert.equal(readOne(`a SEARCH ${'('.repeat(MAX_NESTING)}ALL${')'.repeat(MAX_NESTING)}`).kind, 'command');
  const deep = readOne(`a SEARCH ${'('.repeat(MAX_NESTING + 1)}ALL${')'.repeat(MAX_NESTING + 1)}`);
  assert.ok(deep.kind === 'error' && deep.code === 'LIMIT');
  // Counted across the lines of one command, not inside literals or quoted strings.
  assert.equal(readOne(`a SEARCH ${'('.repeat(40)}SUBJECT {3}\r\n((( ${'('.repeat(24)}ALL${')'.repeat(64)}`).kind, 'command');
  assert.equal(readOne(`a SEARCH ${'('.repeat(40)}SUBJECT {3}\r\nabc ${'('.repeat(25)}ALL${')'.repeat(65)}`).kind, 'error');
});

void test('MAX_COMMAND_OCTETS_BEFORE_AUTH: 64 KiB of lines and literals together', () => {
  assert.equal(MAX_COMMAND_OCTETS_BEFORE_AUTH, 65_536);
  const literals = (count: number) => `a SEARCH${` SUBJECT {1000+}\r\n${x(1000)}`.repeat(count)}`;
  assert.equal(readOne(literals(60)).kind, 'command'); // about 61 KB
  const big = drive([bytes(`${literals(70)}\r\n`)]).events;
  assert.deepEqual(kinds(big), ['BAD[TOOBIG]']);
});

void test('MAX_DISCARDED_LITERAL_OCTETS: 256 MiB are skipped, more closes the connection (RFC 7888 §4)', () => {
  assert.equal(MAX_DISCARDED_LITERAL_OCTETS, 256 * 1024 * 1024);
  assert.deepEqual(kinds(drive([bytes(`a LOGIN u {${MAX_DISCARDED_LITERAL_OCTETS}+}\r\n`)]).events), ['BAD[TOOBIG]']);
  assert.deepEqual(kinds(drive([bytes(`a LOGIN u {${MAX_DISCARDED_LITERAL_OCTETS + 1}+}\r\n`)]).events), ['BAD[TOOBIG]!']);
  const limits = { maxDiscardedLiteralOctets: 10 };
  assert.deepEqual(kinds(drive([bytes(`a LOGIN u {10000+}\r\n`)], { limits }).events), ['BAD[TOOBIG]!']);
});

void test('MAX_PREFIX_CHECK_OCTETS: commands are checked before "+" up to 64 KiB of text', () => {
  assert.equal(MAX_PREFIX_CHECK_OCTETS, 65_536);
  const limits = { maxCommandOctets: 1_000_000, maxLiteralOctets: 100_000 };
  assert.deepEqual(kinds(drive([bytes('a SEARCH BOGUS {5}\r\n')], { limits }).events), ['BAD']);
  assert.deepEqual(kinds(drive([bytes('a BOGUS {5+}\r\nhello\r\n')], { limits }).events), ['BAD']); // not even buffered
  // Past the budget the literal is accepted and the command refused once complete.
  const late = `a SEARCH SUBJECT ${x(60_000)} SUBJECT {1+}\r\nx SUBJECT ${x(6_000)} BOGUS {5}\r\nhello\r\n`;
  assert.deepEqual(kinds(drive([bytes(late)], { limits }).events), ['continue', 'BAD']);
});

void test('MAX_SEARCH_DEPTH, MAX_ID_*, MAX_SASL_MECHANISM_OCTETS, MAX_NUMBER, MAX_NUMBER64', () => {
  assert.equal(MAX_SEARCH_DEPTH, 256);
  assert.deepEqual([MAX_ID_PAIRS, MAX_ID_FIELD_OCTETS, MAX_ID_VALUE_OCTETS], [30, 30, 1024]);
  assert.equal(MAX_SASL_MECHANISM_OCTETS, 20);
  assert.equal(MAX_NUMBER, 2 ** 32 - 1);
  assert.equal(MAX_NUMBER64, 2 ** 53 - 1);
  assert.equal(readOne(`a FETCH ${MAX_NUMBER} UID`).kind, 'command');
  assert.equal(readOne(`a FETCH ${MAX_NUMBER + 1} UID`).kind, 'error');
  const big = readOne('a SEARCH LARGER 9223372036854775807');
  assert.ok(big.kind === 'command' && big.command.name === 'SEARCH' && big.command.key.kind === 'size' && big.command.key.octets === MAX_NUMBER64);
  assert.equal(readOne('a SEARCH LARGER 9223372036854775808').kind, 'error');
  assert.equal(readOne(`a AUTHENTICATE ${x(MAX_SASL_MECHANISM_OCTETS)}`).kind, 'command');
  assert.equal(readOne(`a AUTHENTICATE ${x(MAX_SASL_MECHANISM_OCTETS + 1)}`).kind, 'error');
});

void test('MAX_QUOTED_OCTETS: longer strings are sent as literals', () => {
  assert.equal(MAX_QUOTED_OCTETS, 1024);
  assert.equal(encodeString(x(MAX_QUOTED_OCTETS), { utf8: false }), `"${x(MAX_QUOTED_OCTETS)}"`);
  assert.equal(encodeString(x(MAX_QUOTED_OCTETS + 1), { utf8: false }), `{${MAX_QUOTED_OCTETS + 1}}\r\n${x(MAX_QUOTED_OCTETS + 1)}`);
});

void test('checkLimits refuses limits that are not positive integers', () => {
  assert.doesNotThrow(() => checkLimits(DEFAULT_READER_LIMITS));
  assert.throws(() => checkLimits({ ...DEFAULT_READER_LIMITS, maxLiteralOctets: -1 }), RangeError);
  assert.throws(() => checkLimits({ ...DEFAULT_READER_LIMITS, maxLineOctets: 4 }), RangeError);
  assert.throws(() => checkLimits({ ...DEFAULT_READER_LIMITS, maxCommandOctets: 1.5 }), RangeError);
});
