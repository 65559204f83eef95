import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_SASL_LINE_OCTETS } from '../../../auth/sasl/session.ts';
import { KEYWORDS, parseCommand, type CommandErrorKind, type Pop3Command } from './command.ts';
import { createCommandLineReader } from './line-reader.ts';
import {
  MAX_AUTH_COMMAND_LINE_OCTETS,
  MAX_COMMAND_LINE_OCTETS,
  MAX_MESSAGE_NUMBER,
  MAX_NUMBER_DIGITS,
  MAX_SASL_MECHANISM_OCTETS,
  MAX_SASL_RESPONSE_OCTETS,
  MAX_TOP_LINES,
} from './limits.ts';
import { bytes, framingBytes, oneByteAtATime, utf8 } from './wire.test-support.ts';

/** Invalid lines are written byte for byte (Latin-1), unless they need characters beyond it. */
function line(text: string): Uint8Array {
  return /[^\x00-\xff]/.test(text) ? utf8(text) : bytes(text);
}

// [line, expected command]
const VALID: readonly (readonly [string, Pop3Command])[] = [
  ['USER alice@example.com', { keyword: 'USER', name: 'alice@example.com' }],
  ['user alice@example.com', { keyword: 'USER', name: 'alice@example.com' }],
  ['UsEr alice', { keyword: 'USER', name: 'alice' }],
  ['USER jürgen@example.org', { keyword: 'USER', name: 'jürgen@example.org' }],
  ['PASS secret', { keyword: 'PASS', password: 'secret' }],
  ['PASS correct horse battery staple', { keyword: 'PASS', password: 'correct horse battery staple' }],
  ['PASS  leading space', { keyword: 'PASS', password: ' leading space' }],
  ['PASS trailing ', { keyword: 'PASS', password: 'trailing ' }],
  ['pass pässwörd', { keyword: 'PASS', password: 'pässwörd' }],
  ['STAT', { keyword: 'STAT' }],
  ['stat', { keyword: 'STAT' }],
  ['LIST', { keyword: 'LIST' }],
  ['LIST 1', { keyword: 'LIST', message: 1 }],
  ['list 007', { keyword: 'LIST', message: 7 }],
  [`LIST ${MAX_MESSAGE_NUMBER}`, { keyword: 'LIST', message: MAX_MESSAGE_NUMBER }],
  ['RETR 1', { keyword: 'RETR', message: 1 }],
  ['retr 42', { keyword: 'RETR', message: 42 }],
  ['DELE 3', { keyword: 'DELE', message: 3 }],
  ['NOOP', { keyword: 'NOOP' }],
  ['RSET', { keyword: 'RSET' }],
  ['QUIT', { keyword: 'QUIT' }],
  ['quit', { keyword: 'QUIT' }],
  ['TOP 1 0', { keyword: 'TOP', message: 1, lines: 0 }],
  ['top 2 10', { keyword: 'TOP', message: 2, lines: 10 }],
  [`TOP 1 ${MAX_TOP_LINES}`, { keyword: 'TOP', message: 1, lines: MAX_TOP_LINES }],
  ['UIDL', { keyword: 'UIDL' }],
  ['UIDL 5', { keyword: 'UIDL', message: 5 }],
  ['CAPA', { keyword: 'CAPA' }],
  ['capa', { keyword: 'CAPA' }],
  ['STLS', { keyword: 'STLS' }],
  ['UTF8', { keyword: 'UTF8' }],
  ['utf8', { keyword: 'UTF8' }],
  ['AUTH PLAIN', { keyword: 'AUTH', mechanism: 'PLAIN' }],
  ['auth plain AGEAYg==', { keyword: 'AUTH', mechanism: 'PLAIN', initialResponse: 'AGEAYg==' }],
  ['AUTH PLAIN =', { keyword: 'AUTH', mechanism: 'PLAIN', initialResponse: '=' }],
  ['AUTH scram-sha-256', { keyword: 'AUTH', mechanism: 'SCRAM-SHA-256' }],
  ['AUTH X_Y-Z', { keyword: 'AUTH', mechanism: 'X_Y-Z' }],
];

// [line, error kind]
const INVALID: readonly (readonly [string, CommandErrorKind])[] = [
  ['', 'unknown'],
  [' STAT', 'unknown'],
  ['XYZZY', 'unknown'],
  ['APOP alice 0123456789abcdef', 'unknown'],
  ['LAST', 'unknown'],
  ['STA', 'unknown'],
  ['STATS', 'unknown'],
  ['ST\u0000T', 'unknown'],
  ['STAT\u0000', 'unknown'],
  ['STAT\t', 'unknown'],
  ['STAT\r', 'unknown'],
  ['ST@T', 'unknown'],
  ['STAT x', 'syntax'],
  ['STAT ', 'syntax'],
  ['NOOP x', 'syntax'],
  ['QUIT now', 'syntax'],
  ['CAPA x', 'syntax'],
  ['STLS x', 'syntax'],
  ['UTF8 x', 'syntax'],
  ['RSET 1', 'syntax'],
  ['USER', 'syntax'],
  ['USER ', 'syntax'],
  ['USER two words', 'syntax'],
  ['USER  alice', 'syntax'],
  ['USER alice ', 'syntax'],
  ['USER al\u0000ice', 'syntax'],
  ['USER alice\r', 'syntax'],
  ['USER al\u007fice', 'syntax'],
  ['USER \u00e4', 'syntax'], // a Latin-1 byte: invalid UTF-8
  ['USER \u00c3\u0028', 'syntax'], // invalid UTF-8 sequence
  ['USER \u00ed\u00a0\u0080', 'syntax'], // UTF-8 of a surrogate
  ['PASS', 'syntax'],
  ['PASS ', 'syntax'],
  ['PASS se\u0000cret', 'syntax'],
  ['PASS \u00ff', 'syntax'],
  ['LIST ', 'syntax'],
  ['LIST 0', 'syntax'],
  ['LIST -1', 'syntax'],
  ['LIST +1', 'syntax'],
  ['LIST 1 2', 'syntax'],
  ['LIST x', 'syntax'],
  ['LIST 1e3', 'syntax'],
  ['LIST 0x10', 'syntax'],
  ['LIST 1.0', 'syntax'],
  [`LIST ${MAX_MESSAGE_NUMBER + 1}`, 'syntax'],
  [`LIST ${'0'.repeat(MAX_NUMBER_DIGITS)}1`, 'syntax'],
  [`LIST ${'9'.repeat(200)}`, 'syntax'],
  ['LIST \u0661', 'syntax'], // Arabic-Indic digit one: not ASCII
  ['RETR', 'syntax'],
  ['RETR 0', 'syntax'],
  ['RETR 1 2', 'syntax'],
  ['RETR  1', 'syntax'],
  ['DELE', 'syntax'],
  ['DELE abc', 'syntax'],
  ['TOP 1', 'syntax'],
  ['TOP 1 -1', 'syntax'],
  ['TOP 0 1', 'syntax'],
  ['TOP 1 2 3', 'syntax'],
  [`TOP 1 ${MAX_TOP_LINES + 1}`, 'syntax'],
  ['UIDL 0', 'syntax'],
  ['UIDL a', 'syntax'],
  ['AUTH', 'syntax'],
  ['AUTH ', 'syntax'],
  ['AUTH PL@IN', 'syntax'],
  [`AUTH ${'A'.repeat(MAX_SASL_MECHANISM_OCTETS + 1)}`, 'syntax'],
  ['AUTH PLAIN a b', 'syntax'],
  ['AUTH PLAIN not*base64', 'syntax'],
  ['AUTH PLAIN ==', 'syntax'],
  ['AUTH PLAIN ab=c', 'syntax'],
  ['AUTH PLAIN \u00e4', 'syntax'],
  [`USER ${'a'.repeat(MAX_COMMAND_LINE_OCTETS)}`, 'too-long'],
  [`PASS ${'a'.repeat(MAX_COMMAND_LINE_OCTETS)}`, 'too-long'],
  [`XYZZY ${'a'.repeat(MAX_COMMAND_LINE_OCTETS)}`, 'too-long'],
  [`AUTH PLAIN ${'A'.repeat(MAX_AUTH_COMMAND_LINE_OCTETS)}`, 'too-long'],
];

void test('valid commands: keywords case-insensitive (RFC 1939 §3), typed arguments', () => {
  for (const [text, expected] of VALID) assert.deepEqual(parseCommand(utf8(text)), { ok: true, value: expected }, text);
});

void test('invalid commands are refused with the kind of error, never echoing the input', () => {
  for (const [text, kind] of INVALID) {
    const result = parseCommand(line(text));
    assert.equal(result.ok, false, text);
    if (result.ok) continue;
    assert.equal(result.error.kind, kind, `${JSON.stringify(text.slice(0, 40))}: ${result.error.text}`);
    assert.ok(/^[\x20-\x7e]+$/.test(result.error.text));
    if (text.length > 6) assert.ok(!result.error.text.includes(text.slice(5)), 'the error text does not echo the argument');
  }
});

void test('the same lines read one byte at a time through the line reader parse the same', () => {
  const reader = createCommandLineReader();
  const lines = [...VALID.map(([text]) => utf8(text)), ...INVALID.map(([text]) => line(text))];
  for (const data of lines) {
    const text = Buffer.from(data).toString('latin1');
    const expected = parseCommand(data);
    const events = [];
    for (const byte of oneByteAtATime(new Uint8Array([...data, 0x0d, 0x0a]))) {
      reader.push(byte);
      for (let event = reader.next(); event !== undefined; event = reader.next()) events.push(event);
    }
    const [event] = events;
    assert.equal(events.length, 1, JSON.stringify(text.slice(0, 40)));
    if (event?.kind === 'line') assert.deepEqual(parseCommand(event.line), expected, text);
    else assert.equal(event?.kind, 'too-long', 'only lines over the reader limit are not lines');
  }
});

void test('limits: 255-octet command lines, longer AUTH lines, bounded numbers', () => {
  assert.equal(MAX_COMMAND_LINE_OCTETS, 255);
  assert.equal(MAX_SASL_MECHANISM_OCTETS, 20);
  assert.equal(MAX_SASL_RESPONSE_OCTETS, MAX_SASL_LINE_OCTETS, 'the shared SASL layer reads the same lines');
  assert.equal(MAX_AUTH_COMMAND_LINE_OCTETS, 'AUTH '.length + 20 + 1 + 12288 + 2);
  // 255 octets with the CRLF is the longest ordinary line.
  const longest = `PASS ${'p'.repeat(MAX_COMMAND_LINE_OCTETS - 7)}`;
  assert.equal(longest.length + 2, MAX_COMMAND_LINE_OCTETS);
  assert.equal(parseCommand(bytes(longest)).ok, true);
  assert.equal(parseCommand(bytes(`${longest}p`)).ok, false);
  const auth = `AUTH PLAIN ${'A'.repeat(MAX_AUTH_COMMAND_LINE_OCTETS - 13)}`;
  assert.equal(auth.length + 2, MAX_AUTH_COMMAND_LINE_OCTETS);
  assert.equal(parseCommand(bytes(auth)).ok, true);
  assert.equal(parseCommand(bytes(`${auth}A`)).ok, false);
  assert.equal(MAX_MESSAGE_NUMBER, 2 ** 31 - 1);
  assert.equal(MAX_TOP_LINES, 2 ** 31 - 1);
  assert.equal(MAX_NUMBER_DIGITS, String(MAX_MESSAGE_NUMBER).length);
  assert.deepEqual(parseCommand(bytes(`RETR ${'0'.repeat(MAX_NUMBER_DIGITS - 1)}1`)), { ok: true, value: { keyword: 'RETR', message: 1 } });
});

void test('property: any bytes parse to a command or an error, never an exception', () => {
  fc.assert(
    fc.property(framingBytes(300), (data) => {
      const result = parseCommand(data);
      assert.equal(typeof result.ok, 'boolean');
    }),
    { numRuns: 1000 },
  );
  const keywordLines = fc
    .tuple(fc.constantFrom(...KEYWORDS), fc.array(fc.oneof(fc.nat().map(String), fc.string({ unit: 'binary', maxLength: 12 })), { maxLength: 3 }))
    .map(([keyword, args]) => utf8([keyword.toLowerCase(), ...args].join(' ')));
  fc.assert(fc.property(keywordLines, (data) => assert.equal(typeof parseCommand(data).ok, 'boolean')), { numRuns: 1000 });
});

void test('property: a command written out parses back to itself', () => {
  const number = fc.integer({ min: 1, max: MAX_MESSAGE_NUMBER });
  const vchars = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 40 });
  const pair = (text: string, command: Pop3Command): [string, Pop3Command] => [text, command];
  const command = fc.oneof(
    vchars.map((name) => pair(`USER ${name}`, { keyword: 'USER', name })),
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 80 }).map((password) => pair(`PASS ${password}`, { keyword: 'PASS', password })),
    number.map((message) => pair(`RETR ${message}`, { keyword: 'RETR', message })),
    number.map((message) => pair(`dele ${message}`, { keyword: 'DELE', message })),
    fc.tuple(number, fc.nat()).map(([message, lines]) => pair(`TOP ${message} ${lines}`, { keyword: 'TOP', message, lines })),
    fc.option(number, { nil: undefined }).map((message) => (message === undefined ? pair('UIDL', { keyword: 'UIDL' }) : pair(`UIDL ${message}`, { keyword: 'UIDL', message }))),
  );
  fc.assert(fc.property(command, ([text, expected]) => assert.deepEqual(parseCommand(bytes(text)), { ok: true, value: expected })));
});
