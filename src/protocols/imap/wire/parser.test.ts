// Session and mailbox commands: tables of valid and invalid commands, each read through the
// command reader as one push and one byte at a time (readOne), and properties.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeAstring, encodeNstring, encodeString } from './encoder.ts';
import { parseCommand } from './parser.ts';
import type { ImapCommand } from './types.ts';
import { bytes, concat, drive, framingBytes, input, readOne, replacer, utf8 } from './wire.test-support.ts';

const set = (...ranges: [number, number][]) => ({ kind: 'set', ranges: ranges.map(([from, to]) => ({ from, to })) }) as const;
const data = (text: string) => utf8(text);
const pairs = (count: number, value = 'v') => Array.from({ length: count }, (_, i) => `"f${i}" "${value}"`).join(' ');

// [command line (CRLF added; text as UTF-8), tag "a" implied, expected command]
const VALID_SESSION: readonly (readonly [string | Uint8Array, ImapCommand])[] = [
  ['a CAPABILITY', { name: 'CAPABILITY' }],
  ['a capability', { name: 'CAPABILITY' }],
  ['a NOOP', { name: 'NOOP' }],
  ['a LOGOUT', { name: 'LOGOUT' }],
  ['a STARTTLS', { name: 'STARTTLS' }],
  ['a NAMESPACE', { name: 'NAMESPACE' }],
  ['a IDLE', { name: 'IDLE' }],
  ['a CHECK', { name: 'CHECK' }],
  ['a CLOSE', { name: 'CLOSE' }],
  ['a UnSelect', { name: 'UNSELECT' }],
  ['a EXPUNGE', { name: 'EXPUNGE' }],
  ['a ID NIL', { name: 'ID', params: null }],
  ['a id nil', { name: 'ID', params: null }],
  ['a ID ()', { name: 'ID', params: new Map() }],
  ['a ID ("name" "sodr" "version" "19.34" "vendor" NIL)', { name: 'ID', params: new Map([['name', 'sodr'], ['version', '19.34'], ['vendor', null]]) }],
  ['a ID ("__proto__" "x" "constructor" "y" "toString" nil)', { name: 'ID', params: new Map([['__proto__', 'x'], ['constructor', 'y'], ['toString', null]]) }],
  ['a ID ({4}\r\nname {3}\r\nmua "os" "linux")', { name: 'ID', params: new Map([['name', 'mua'], ['os', 'linux']]) }],
  ['a ID ("name" "first" "name" "second")', { name: 'ID', params: new Map([['name', 'first']]) }],
  [`a ID (${pairs(30, 'x'.repeat(1024))})`, { name: 'ID', params: new Map(Array.from({ length: 30 }, (_, i) => [`f${i}`, 'x'.repeat(1024)])) }],
  [`a ID ("${'f'.repeat(30)}" "v")`, { name: 'ID', params: new Map([['f'.repeat(30), 'v']]) }],
  ['a LOGIN alice secret', { name: 'LOGIN', user: 'alice', password: 'secret' }],
  ['a login "alice@example.com" "p\\"w\\\\d"', { name: 'LOGIN', user: 'alice@example.com', password: 'p"w\\d' }],
  ['a LOGIN {5}\r\nalice {6}\r\nsecret', { name: 'LOGIN', user: 'alice', password: 'secret' }],
  ['a LOGIN alice {3+}\r\na b', { name: 'LOGIN', user: 'alice', password: 'a b' }],
  ['a LOGIN "" ""', { name: 'LOGIN', user: '', password: '' }],
  ['a LOGIN "ü@bücher.example" "pässwörd"', { name: 'LOGIN', user: 'ü@bücher.example', password: 'pässwörd' }],
  ['a LOGIN alice] x]', { name: 'LOGIN', user: 'alice]', password: 'x]' }],
  ['a AUTHENTICATE PLAIN', { name: 'AUTHENTICATE', mechanism: 'PLAIN' }],
  ['a authenticate plain AGFsaWNlAHNlY3JldA==', { name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: 'AGFsaWNlAHNlY3JldA==' }],
  ['a AUTHENTICATE EXTERNAL =', { name: 'AUTHENTICATE', mechanism: 'EXTERNAL', initialResponse: '=' }],
  ['a AUTHENTICATE SCRAM-SHA-256 biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM', { name: 'AUTHENTICATE', mechanism: 'SCRAM-SHA-256', initialResponse: 'biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM' }],
  [`a AUTHENTICATE ${'X'.repeat(20)} dXNlcj0=`, { name: 'AUTHENTICATE', mechanism: 'X'.repeat(20), initialResponse: 'dXNlcj0=' }],
  ['a ENABLE CONDSTORE QRESYNC', { name: 'ENABLE', capabilities: ['CONDSTORE', 'QRESYNC'] }],
  ['a enable utf8=accept', { name: 'ENABLE', capabilities: ['UTF8=ACCEPT'] }],
  ['a COMPRESS DEFLATE', { name: 'COMPRESS', mechanism: 'DEFLATE' }],
  ['a compress deflate', { name: 'COMPRESS', mechanism: 'DEFLATE' }],
];

const VALID_MAILBOX: readonly (readonly [string | Uint8Array, ImapCommand])[] = [
  ['a SELECT INBOX', { name: 'SELECT', mailbox: 'INBOX', condstore: false }],
  ['a select inbox', { name: 'SELECT', mailbox: 'INBOX', condstore: false }],
  ['a SELECT "InBoX"', { name: 'SELECT', mailbox: 'INBOX', condstore: false }],
  ['a SELECT {5}\r\ninbox', { name: 'SELECT', mailbox: 'INBOX', condstore: false }],
  ['a SELECT INBOX.Sent', { name: 'SELECT', mailbox: 'INBOX.Sent', condstore: false }],
  ['a SELECT "p&AOQA5A-"', { name: 'SELECT', mailbox: 'p&AOQA5A-', condstore: false }],
  ['a SELECT "Entwürfe"', { name: 'SELECT', mailbox: 'Entwürfe', condstore: false }],
  ['a SELECT ~foo', { name: 'SELECT', mailbox: '~foo', condstore: false }],
  ["a SELECT !#$&'+,-.0123456789:;<=>?@^_`|[}", { name: 'SELECT', mailbox: "!#$&'+,-.0123456789:;<=>?@^_`|[}", condstore: false }],
  ['a SELECT __proto__', { name: 'SELECT', mailbox: '__proto__', condstore: false }],
  ['a EXAMINE x (CONDSTORE)', { name: 'EXAMINE', mailbox: 'x', condstore: true }],
  ['a SELECT x (QRESYNC (1 2))', { name: 'SELECT', mailbox: 'x', condstore: false, qresync: { uidValidity: 1, modSeq: 2 } }],
  ['a SELECT x (qresync (67890007 90060115194045000 41,43:211,214:541))', { name: 'SELECT', mailbox: 'x', condstore: false, qresync: { uidValidity: 67890007, modSeq: Number.MAX_SAFE_INTEGER, knownUids: set([41, 41], [43, 211], [214, 541]) } }],
  ['a SELECT x (CONDSTORE QRESYNC (1 2 1:5 (1,3 5,7)))', { name: 'SELECT', mailbox: 'x', condstore: true, qresync: { uidValidity: 1, modSeq: 2, knownUids: set([1, 5]), seqMatch: { sequences: set([1, 1], [3, 3]), uids: set([5, 5], [7, 7]) } } }],
  ['a SELECT x (QRESYNC (1 2 (1 5)))', { name: 'SELECT', mailbox: 'x', condstore: false, qresync: { uidValidity: 1, modSeq: 2, seqMatch: { sequences: set([1, 1]), uids: set([5, 5]) } } }],
  ['a CREATE foo', { name: 'CREATE', mailbox: 'foo', specialUse: [] }],
  ['a CREATE MySpecial (USE (\\Drafts \\Sent))', { name: 'CREATE', mailbox: 'MySpecial', specialUse: ['\\Drafts', '\\Sent'] }],
  ['a create x (use (\\junk \\x-custom))', { name: 'CREATE', mailbox: 'x', specialUse: ['\\Junk', '\\x-custom'] }],
  ['a CREATE x (USE ())', { name: 'CREATE', mailbox: 'x', specialUse: [] }],
  ['a CREATE "a/b/"', { name: 'CREATE', mailbox: 'a/b/', specialUse: [] }],
  ['a DELETE "x y"', { name: 'DELETE', mailbox: 'x y' }],
  ['a RENAME a inbox', { name: 'RENAME', from: 'a', to: 'INBOX' }],
  ['a SUBSCRIBE x', { name: 'SUBSCRIBE', mailbox: 'x' }],
  ['a UNSUBSCRIBE {1+}\r\nx', { name: 'UNSUBSCRIBE', mailbox: 'x' }],
  ['a LIST "" *', { name: 'LIST', reference: '', patterns: ['*'], options: { select: [], return: [] } }],
  ['a LIST "" ""', { name: 'LIST', reference: '', patterns: [''], options: { select: [], return: [] } }],
  ['a LIST "" ~foo', { name: 'LIST', reference: '', patterns: ['~foo'], options: { select: [], return: [] } }],
  ["a LIST \"\" !#$&'+,-.0123456789:;<=>?@^_`|[}%*", { name: 'LIST', reference: '', patterns: ["!#$&'+,-.0123456789:;<=>?@^_`|[}%*"], options: { select: [], return: [] } }],
  ['a LIST "" NIL', { name: 'LIST', reference: '', patterns: ['NIL'], options: { select: [], return: [] } }],
  ['a LIST () "" %', { name: 'LIST', reference: '', patterns: ['%'], options: { select: [], return: [] } }],
  ['a LIST (remote) "" %', { name: 'LIST', reference: '', patterns: ['%'], options: { select: ['REMOTE'], return: [] } }],
  ['a LIST (SUBSCRIBED RECURSIVEMATCH) "" foo% RETURN (CHILDREN)', { name: 'LIST', reference: '', patterns: ['foo%'], options: { select: ['SUBSCRIBED', 'RECURSIVEMATCH'], return: ['CHILDREN'] } }],
  ['a LIST "" (a* "b c" {1}\r\nd)', { name: 'LIST', reference: '', patterns: ['a*', 'b c', 'd'], options: { select: [], return: [] } }],
  ['a LIST "" % RETURN (SPECIAL-USE STATUS (MESSAGES UIDNEXT))', { name: 'LIST', reference: '', patterns: ['%'], options: { select: [], return: ['SPECIAL-USE'], status: ['MESSAGES', 'UIDNEXT'] } }],
  ['a LIST (SPECIAL-USE) "" *', { name: 'LIST', reference: '', patterns: ['*'], options: { select: ['SPECIAL-USE'], return: [] } }],
  ['a LIST "" % return ()', { name: 'LIST', reference: '', patterns: ['%'], options: { select: [], return: [] } }],
  ['a LIST "" x% RETURN (children subscribed)', { name: 'LIST', reference: '', patterns: ['x%'], options: { select: [], return: ['CHILDREN', 'SUBSCRIBED'] } }],
  ['a list inbox {3}\r\nfoo', { name: 'LIST', reference: 'INBOX', patterns: ['foo'], options: { select: [], return: [] } }],
  ['a LSUB "" *', { name: 'LSUB', reference: '', pattern: '*' }],
  ['a STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT)', { name: 'STATUS', mailbox: 'INBOX', items: ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'RECENT'] }],
  ['a status x (highestmodseq size deleted appendlimit mailboxid deleted-storage messages)', { name: 'STATUS', mailbox: 'x', items: ['HIGHESTMODSEQ', 'SIZE', 'DELETED', 'APPENDLIMIT', 'MAILBOXID', 'DELETED-STORAGE', 'MESSAGES'] }],
  ['a APPEND INBOX {5}\r\nHello', { name: 'APPEND', mailbox: 'INBOX', messages: [{ flags: [], data: data('Hello'), binary: false }] }],
  ['a APPEND INBOX (\\Seen $Junk) {5}\r\nHello', { name: 'APPEND', mailbox: 'INBOX', messages: [{ flags: ['\\Seen', '$Junk'], data: data('Hello'), binary: false }] }],
  ['a APPEND x "17-Jul-1996 02:44:25 -0700" {1}\r\nx', { name: 'APPEND', mailbox: 'x', messages: [{ flags: [], date: '17-Jul-1996 02:44:25 -0700', data: data('x'), binary: false }] }],
  ['a APPEND x (\\seen) " 7-Jul-1996 02:44:25 +0000" {0}\r\n', { name: 'APPEND', mailbox: 'x', messages: [{ flags: ['\\Seen'], date: ' 7-Jul-1996 02:44:25 +0000', data: data(''), binary: false }] }],
  ['a APPEND x () {2+}\r\nab', { name: 'APPEND', mailbox: 'x', messages: [{ flags: [], data: data('ab'), binary: false }] }],
  [bytes('a APPEND x ~{3}\r\n\x00\xff\r'), { name: 'APPEND', mailbox: 'x', messages: [{ flags: [], data: bytes('\x00\xff\r'), binary: true }] }],
  [bytes('a APPEND x ~{1+}\r\n\x00'), { name: 'APPEND', mailbox: 'x', messages: [{ flags: [], data: bytes('\x00'), binary: true }] }],
  [
    'a APPEND x {5}\r\nmail1 (\\Flagged) {5+}\r\nmail2 "01-Jan-2024 00:00:00 +0000" ~{5}\r\nmail3',
    {
      name: 'APPEND',
      mailbox: 'x',
      messages: [
        { flags: [], data: data('mail1'), binary: false },
        { flags: ['\\Flagged'], data: data('mail2'), binary: false },
        { flags: [], date: '01-Jan-2024 00:00:00 +0000', data: data('mail3'), binary: true },
      ],
    },
  ],
  ['a GETQUOTA ""', { name: 'GETQUOTA', root: '' }],
  ['a GETQUOTAROOT inbox', { name: 'GETQUOTAROOT', mailbox: 'INBOX' }],
  ['a SETQUOTA "" (STORAGE 512 message 1000)', { name: 'SETQUOTA', root: '', limits: new Map([['STORAGE', 512], ['MESSAGE', 1000]]) }],
  ['a SETQUOTA "" ()', { name: 'SETQUOTA', root: '', limits: new Map() }],
  ['a SETQUOTA "" (__PROTO__ 1)', { name: 'SETQUOTA', root: '', limits: new Map([['__PROTO__', 1]]) }],
];

// [command line, status, code (or undefined), expected tag]
const INVALID_SESSION: readonly (readonly [string | Uint8Array, 'BAD' | 'NO', string | undefined, string | undefined])[] = [
  ['a', 'BAD', undefined, 'a'],
  ['+a NOOP', 'BAD', undefined, undefined],
  ['a{b NOOP', 'BAD', undefined, undefined],
  ['"a" NOOP', 'BAD', undefined, undefined],
  [' a NOOP', 'BAD', undefined, undefined],
  ['a  NOOP', 'BAD', undefined, 'a'],
  ['a NOOP ', 'BAD', undefined, 'a'],
  ['a NOOP extra', 'BAD', undefined, 'a'],
  ['a\tNOOP', 'BAD', undefined, undefined],
  [bytes('a NO\x00OP'), 'BAD', undefined, 'a'],
  ['a NOOP\r', 'BAD', undefined, 'a'],
  ['a FOO', 'BAD', undefined, 'a'],
  ['a UID NOOP', 'BAD', undefined, 'a'],
  ['a UID', 'BAD', undefined, 'a'],
  ['a CAPABILITY x', 'BAD', undefined, 'a'],
  ['a ID', 'BAD', undefined, 'a'],
  ['a ID ("a")', 'BAD', undefined, 'a'],
  ['a ID ("a" "b" "c")', 'BAD', undefined, 'a'],
  ['a ID (NIL "x")', 'BAD', undefined, 'a'],
  ['a ID (name "x")', 'BAD', undefined, 'a'],
  ['a ID ("a" "b") x', 'BAD', undefined, 'a'],
  [`a ID (${pairs(31)})`, 'BAD', 'LIMIT', 'a'],
  [`a ID ("${'f'.repeat(31)}" "v")`, 'BAD', 'LIMIT', 'a'],
  [`a ID ("f" "${'v'.repeat(1025)}")`, 'BAD', 'LIMIT', 'a'],
  ['a LOGIN', 'BAD', undefined, 'a'],
  ['a LOGIN alice', 'BAD', undefined, 'a'],
  ['a LOGIN alice secret extra', 'BAD', undefined, 'a'],
  ['a LOGIN "alice secret', 'BAD', undefined, 'a'],
  ['a LOGIN "a\\b" x', 'BAD', undefined, 'a'],
  ['a LOGIN al(ice x', 'BAD', undefined, 'a'],
  ['a LOGIN al%ice x', 'BAD', undefined, 'a'],
  ['a LOGIN a{1}b x', 'BAD', undefined, 'a'],
  ['a LOGIN ü x', 'BAD', undefined, 'a'],
  [bytes('a LOGIN b\xe4r x'), 'BAD', undefined, 'a'],
  [bytes('a LOGIN "\xff" x'), 'BAD', undefined, 'a'],
  ['a LOGIN ~{1+}\r\nx y', 'BAD', undefined, 'a'],
  ['a AUTHENTICATE', 'BAD', undefined, 'a'],
  ['a AUTHENTICATE PL@IN', 'BAD', undefined, 'a'],
  ['a AUTHENTICATE PLAIN ', 'BAD', undefined, 'a'],
  ['a AUTHENTICATE PLAIN not*base64', 'BAD', undefined, 'a'],
  ['a AUTHENTICATE PLAIN ==', 'BAD', undefined, 'a'],
  ['a AUTHENTICATE PLAIN abc', 'BAD', undefined, 'a'],
  ['a AUTHENTICATE PLAIN AA==AA==', 'BAD', undefined, 'a'],
  ['a AUTHENTICATE PLAIN "AA=="', 'BAD', undefined, 'a'],
  [`a AUTHENTICATE ${'X'.repeat(21)}`, 'BAD', undefined, 'a'],
  ['a ENABLE', 'BAD', undefined, 'a'],
  ['a ENABLE ', 'BAD', undefined, 'a'],
  ['a COMPRESS', 'BAD', undefined, 'a'],
  ['a COMPRESS DEFLATE x', 'BAD', undefined, 'a'],
];

const INVALID_MAILBOX: readonly (readonly [string | Uint8Array, 'BAD' | 'NO', string | undefined, string | undefined])[] = [
  ['a SELECT', 'BAD', undefined, 'a'],
  ['a SELECT x ()', 'BAD', undefined, 'a'],
  ['a SELECT x (FOO)', 'BAD', undefined, 'a'],
  ['a SELECT x (CONDSTORE CONDSTORE)', 'BAD', undefined, 'a'],
  ['a SELECT x CONDSTORE', 'BAD', undefined, 'a'],
  ['a SELECT x (QRESYNC (0 1))', 'BAD', undefined, 'a'],
  ['a SELECT x (QRESYNC (1 0))', 'BAD', undefined, 'a'],
  ['a SELECT x (QRESYNC (1))', 'BAD', undefined, 'a'],
  ['a SELECT x (QRESYNC (1 2 1:*))', 'BAD', undefined, 'a'],
  ['a SELECT x (QRESYNC (1 2 $))', 'BAD', undefined, 'a'],
  ['a SELECT x (QRESYNC (1 2 1 (1)))', 'BAD', undefined, 'a'],
  ['a SELECT x (QRESYNC (1 2 ))', 'BAD', undefined, 'a'],
  ['a SELECT x (QRESYNC (1 99999999999999999999))', 'BAD', undefined, 'a'],
  ['a SELECT %', 'BAD', undefined, 'a'],
  ['a SELECT a*', 'BAD', undefined, 'a'],
  ['a CREATE', 'BAD', undefined, 'a'],
  ['a CREATE x (USE (Drafts))', 'BAD', undefined, 'a'],
  ['a CREATE x (FOO)', 'BAD', undefined, 'a'],
  ['a CREATE x (USE (\\Drafts) USE (\\Sent))', 'BAD', undefined, 'a'],
  ['a DELETE', 'BAD', undefined, 'a'],
  ['a RENAME a', 'BAD', undefined, 'a'],
  ['a LIST', 'BAD', undefined, 'a'],
  ['a LIST ""', 'BAD', undefined, 'a'],
  ['a LIST (imaptest) "" ""', 'BAD', undefined, 'a'],
  ['a LIST (recursivematch) "" ""', 'BAD', undefined, 'a'],
  ['a LIST (recursivematch remote) "" ""', 'BAD', undefined, 'a'],
  ['a LIST (SPECIAL-USE RECURSIVEMATCH) "" ""', 'BAD', undefined, 'a'],
  ['a LIST "" "" return (imaptest)', 'BAD', undefined, 'a'],
  ['a LIST "" ()', 'BAD', undefined, 'a'],
  ['a LIST "" % RETURN', 'BAD', undefined, 'a'],
  ['a LIST "" % RETURN (STATUS ())', 'BAD', undefined, 'a'],
  ['a LIST "" % FOO ()', 'BAD', undefined, 'a'],
  ['a LSUB ""', 'BAD', undefined, 'a'],
  ['a STATUS x ()', 'BAD', undefined, 'a'],
  ['a STATUS x (FOO)', 'BAD', undefined, 'a'],
  ['a STATUS x MESSAGES', 'BAD', undefined, 'a'],
  ['a STATUS x (__proto__)', 'BAD', undefined, 'a'],
  ['a APPEND x', 'BAD', undefined, 'a'],
  ['a APPEND x "text"', 'BAD', undefined, 'a'],
  ['a APPEND x (\\Recent) {1+}\r\nx', 'BAD', undefined, 'a'],
  ['a APPEND x (\\Foo) {1+}\r\nx', 'BAD', undefined, 'a'],
  ['a APPEND x "32-Jan-2024 00:00:00 +0000" {1+}\r\nx', 'BAD', undefined, 'a'],
  ['a APPEND x "1-Jan-2024 00:00:00 +0000" {1+}\r\nx', 'BAD', undefined, 'a'],
  ['a APPEND x "01-Jan-2024 24:00:00 +0000" {1+}\r\nx', 'BAD', undefined, 'a'],
  ['a APPEND x {1}\r\nx extra', 'BAD', undefined, 'a'],
  ['a APPEND x {1}\r\nx ', 'BAD', undefined, 'a'],
  ['a APPEND x {1}\r\nx(\\Seen) {1+}\r\ny', 'BAD', undefined, 'a'],
  [bytes('a APPEND x {3}\r\na\x00b'), 'BAD', undefined, 'a'],
  ['a APPEND x UTF8 (~{1+}\r\nx)', 'BAD', undefined, 'a'],
  ['a GETQUOTA', 'BAD', undefined, 'a'],
  ['a SETQUOTA "" (STORAGE)', 'BAD', undefined, 'a'],
  ['a SETQUOTA "" (STORAGE 1 STORAGE 2)', 'BAD', undefined, 'a'],
  ['a SETQUOTA "" (STORAGE -1)', 'BAD', undefined, 'a'],
];

function checkValid(cases: readonly (readonly [string | Uint8Array, ImapCommand])[]): void {
  for (const [line, expected] of cases) {
    const event = readOne(line);
    assert.deepEqual(event, { kind: 'command', tag: 'a', command: expected }, JSON.stringify(event, replacer));
  }
}

function checkInvalid(cases: readonly (readonly [string | Uint8Array, 'BAD' | 'NO', string | undefined, string | undefined])[]): void {
  for (const [line, status, code, tag] of cases) {
    const event = readOne(line);
    const label = `${JSON.stringify(typeof line === 'string' ? line.slice(0, 60) : 'bytes')}: ${JSON.stringify(event, replacer).slice(0, 300)}`;
    assert.equal(event.kind, 'error', label);
    if (event.kind !== 'error') continue;
    assert.deepEqual([event.status, event.code, event.tag, event.fatal], [status, code, tag, false], label);
    assert.ok(!/[\r\n\0]/.test(event.text) && event.text.length < 200, label);
  }
}

void test('valid session commands (RFC 9051 §6.1-6.3, RFC 2971, RFC 4959, RFC 5161, RFC 4978), one push and one byte at a time', () => {
  checkValid(VALID_SESSION);
});

void test('valid mailbox commands (RFC 9051 §6.3, RFC 5258, RFC 6154, RFC 7162, RFC 3502, RFC 3516, RFC 9208)', () => {
  checkValid(VALID_MAILBOX);
});

void test('invalid session commands are BAD with the right tag (or none), one push and one byte at a time', () => {
  checkInvalid(INVALID_SESSION);
});

void test('invalid mailbox commands are BAD', () => {
  checkInvalid(INVALID_MAILBOX);
});

void test('the imaptest id command (30 pairs at the RFC 2971 limits, one 31,807-octet line) is accepted', () => {
  const fields = Array.from({ length: 30 }, (_, i) => `${String.fromCharCode(97 + (i % 26))}${i >= 26 ? 'x' : ''}${'2345678901234567890123456789'.slice(0, 29 - (i >= 26 ? 1 : 0))}`);
  const value = '1234567890'.repeat(103).slice(0, 1024);
  const line = `a ID (${fields.map((field) => `"${field}" "${value}"`).join(' ')})`;
  const event = readOne(line);
  assert.equal(event.kind, 'command');
  if (event.kind === 'command' && event.command.name === 'ID') assert.equal(event.command.params?.size, 30);
});

void test('ID fields named like Object.prototype members stay data (house rule 11)', () => {
  const event = readOne('a ID ("__proto__" "polluted" "hasOwnProperty" "x")');
  assert.ok(event.kind === 'command' && event.command.name === 'ID' && event.command.params instanceof Map);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

void test('parseCommand on segments: a missing literal is BAD, never an exception', () => {
  const result = parseCommand([{ text: bytes('a LOGIN '), literal: 'pending' }]);
  assert.deepEqual(result, { ok: false, error: { tag: 'a', status: 'BAD', text: 'A literal is missing' } });
  assert.equal(parseCommand([]).ok, false);
});

void test('property: strings encoded by the encoder come back from LOGIN and ID as they were', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 40 });
  fc.assert(
    fc.property(text, text, fc.option(text), fc.boolean(), (user, password, value, utf8Session) => {
      const options = { utf8: utf8Session };
      const login = readOne(`a LOGIN ${encodeAstring(user, options)} ${encodeAstring(password, options)}`);
      assert.deepEqual(login, { kind: 'command', tag: 'a', command: { name: 'LOGIN', user: user.replace(/\0/g, '\ufffd'), password: password.replace(/\0/g, '\ufffd') } });
      const id = readOne(`a ID (${encodeString('k', options)} ${encodeNstring(value, options)})`);
      assert.deepEqual(id, { kind: 'command', tag: 'a', command: { name: 'ID', params: new Map([['k', value === null ? null : value.replace(/\0/g, '\ufffd')]]) } });
    }),
    { numRuns: 300 },
  );
});

void test('property: arbitrary arguments after any command name never throw and give one reply', () => {
  const names = fc.constantFrom('LOGIN', 'AUTHENTICATE', 'ID', 'ENABLE', 'SELECT', 'EXAMINE', 'CREATE', 'RENAME', 'LIST', 'LSUB', 'STATUS', 'APPEND', 'SETQUOTA', 'GETQUOTA', 'COMPRESS', 'NOOP', 'UID EXPUNGE');
  fc.assert(
    fc.property(names, framingBytes(80), (name, rest) => {
      const line = concat([bytes(`t1 ${name} `), rest.filter((byte) => byte !== 0x0a && byte !== 0x0d), bytes('\r\n')]);
      const events = drive([line], { limits: { maxLiteralOctets: 16 } }).events.filter((event) => event.kind !== 'continue');
      assert.ok(events.length <= 1);
      for (const event of events) if (event.kind === 'error') assert.ok(!/[\r\n]/.test(event.text));
    }),
    { numRuns: 2000 },
  );
  // Parsing text-only commands directly: never throws.
  fc.assert(
    fc.property(names, framingBytes(60), (name, rest) => {
      parseCommand([{ text: concat([input(`t ${name} `), rest]) }]);
    }),
    { numRuns: 2000 },
  );
});
