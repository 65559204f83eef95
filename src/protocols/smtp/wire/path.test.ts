import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  formatPath,
  MAX_LOCAL_PART_OCTETS,
  parseForwardPath,
  parseReversePath,
  pathEnd,
  type MailboxPath,
  type PathErrorReason,
} from './path.ts';

function mailbox(local: string, domain: string, extra: Partial<Omit<MailboxPath, 'kind' | 'local' | 'domain'>> = {}): MailboxPath {
  return { kind: 'mailbox', local, domain, quotedLocal: false, domainLiteral: false, sourceRoute: [], utf8: false, ...extra };
}

const ASCII = { utf8: false };
const UTF8 = { utf8: true };

// [text, utf8, expected path] — valid as both reverse and forward paths
const VALID: readonly (readonly [string, boolean, MailboxPath])[] = [
  ['<user@example.com>', false, mailbox('user', 'example.com')],
  [' <user@example.com>', false, mailbox('user', 'example.com')], // the tolerated space
  ['<first.last+tag@sub.example.com>', false, mailbox('first.last+tag', 'sub.example.com')],
  ['<"john doe"@example.com>', false, mailbox('john doe', 'example.com', { quotedLocal: true })],
  ['<"a\\"b\\\\c"@example.com>', false, mailbox('a"b\\c', 'example.com', { quotedLocal: true })],
  ['<"a>b"@example.com>', false, mailbox('a>b', 'example.com', { quotedLocal: true })],
  ['<@relay.a,@relay.b:user@example.com>', false, mailbox('user', 'example.com', { sourceRoute: ['relay.a', 'relay.b'] })],
  ['<@relay.a:user@example.com>', false, mailbox('user', 'example.com', { sourceRoute: ['relay.a'] })],
  ['<user@[192.0.2.1]>', false, mailbox('user', '[192.0.2.1]', { domainLiteral: true })],
  ['<user@[IPv6:2001:db8::1]>', false, mailbox('user', '[IPv6:2001:db8::1]', { domainLiteral: true })],
  ['<user@[x-tag:a>b]>', false, mailbox('user', '[x-tag:a>b]', { domainLiteral: true })],
  ['<üser@bücher.example>', true, mailbox('üser', 'bücher.example', { utf8: true })],
  ['<"ü ser"@example.com>', true, mailbox('ü ser', 'example.com', { quotedLocal: true, utf8: true })],
  ['<user%host@example.com>', false, mailbox('user%host', 'example.com')],
  ['<Postmaster@Example.COM>', false, mailbox('Postmaster', 'Example.COM')],
  ['<!#$%&\'*+-/=?^_`{|}~@example.com>', false, mailbox("!#$%&'*+-/=?^_`{|}~", 'example.com')],
];

// [text, options, which parsers refuse it, reason]
const INVALID: readonly (readonly [string, { utf8: boolean }, PathErrorReason])[] = [
  ['user@example.com', ASCII, 'syntax'], // bare address
  ['<user@example.com', ASCII, 'syntax'],
  ['user@example.com>', ASCII, 'syntax'],
  ['  <user@example.com>', ASCII, 'syntax'], // only one space is tolerated
  ['<user@example.com> ', ASCII, 'syntax'],
  ['<üser@example.com>', ASCII, 'non-ascii'],
  ['<user@bücher.example>', ASCII, 'non-ascii'],
  ['<user\u0000@example.com>', UTF8, 'syntax'],
  ['<user@exa\rmple.com>', UTF8, 'syntax'],
  ['<us\u0085er@example.com>', UTF8, 'syntax'], // C1 control
  ['<"user@example.com>', ASCII, 'syntax'], // unbalanced quote
  ['<"us"er"@example.com>', ASCII, 'syntax'],
  ['<"a\\\u0001"@example.com>', ASCII, 'syntax'],
  ['<""@example.com>', ASCII, 'syntax'], // empty local part
  ['<@example.com>', ASCII, 'syntax'],
  ['<user@>', ASCII, 'syntax'],
  ['<user>', ASCII, 'syntax'],
  ['<.user@example.com>', ASCII, 'syntax'],
  ['<user.@example.com>', ASCII, 'syntax'],
  ['<us..er@example.com>', ASCII, 'syntax'],
  ['<us er@example.com>', ASCII, 'syntax'],
  ['<us(er@example.com>', ASCII, 'syntax'],
  ['<user@example..com>', ASCII, 'syntax'],
  ['<user@example.com.>', ASCII, 'syntax'],
  ['<user@-example.com>', ASCII, 'syntax'],
  ['<user@exam_ple.com>', ASCII, 'syntax'],
  ['<user@example.com@other>', ASCII, 'syntax'],
  ['<user@[192.0.2.256]>', ASCII, 'syntax'],
  ['<user@[IPv6:1::2::3]>', ASCII, 'syntax'],
  ['<user@[192.0.2.1>', ASCII, 'syntax'],
  ['<@relay.a,user@example.com>', ASCII, 'syntax'],
  ['<@relay.a,relay.b:user@example.com>', ASCII, 'syntax'],
  ['<@[192.0.2.1]:user@example.com>', ASCII, 'syntax'], // At-domain is a Domain, not a literal
  ['<@relay.a:>', ASCII, 'syntax'],
  [`<${'a'.repeat(65)}@example.com>`, ASCII, 'too-long'],
  [`<user@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(64)}>`, ASCII, 'too-long'],
  ['<\uD800@example.com>', UTF8, 'syntax'], // lone surrogate
];

void test('valid paths: RFC 5321 §4.1.2 with RFC 6531 §3.3 UTF-8', () => {
  for (const [text, utf8, expected] of VALID) {
    assert.deepEqual(parseReversePath(text, { utf8 }), { ok: true, value: expected }, text);
    assert.deepEqual(parseForwardPath(text, { utf8 }), { ok: true, value: expected }, text);
  }
});

void test('the null path is a reverse path only; <Postmaster> a forward path only (RFC 5321 §4.1.1.3)', () => {
  assert.deepEqual(parseReversePath('<>', ASCII), { ok: true, value: { kind: 'null' } });
  assert.deepEqual(parseReversePath(' <>', ASCII), { ok: true, value: { kind: 'null' } });
  assert.equal(parseForwardPath('<>', ASCII).ok, false);
  for (const text of ['<Postmaster>', '<postmaster>', '<POSTMASTER>', ' <PostMaster>']) {
    assert.deepEqual(parseForwardPath(text, ASCII), { ok: true, value: { kind: 'postmaster' } }, text);
    assert.equal(parseReversePath(text, ASCII).ok, false, text);
  }
  assert.deepEqual(parseForwardPath('<postmaster@example.com>', ASCII), { ok: true, value: mailbox('postmaster', 'example.com') });
});

void test('invalid paths, with their reasons', () => {
  for (const [text, options, reason] of INVALID) {
    for (const result of [parseReversePath(text, options), parseForwardPath(text, options)]) {
      assert.equal(result.ok, false, text);
      if (!result.ok) assert.equal(result.error.reason, reason, text);
    }
  }
});

void test('MAX_LOCAL_PART_OCTETS counts octets as sent (RFC 5321 §4.5.3.1.1)', () => {
  assert.equal(MAX_LOCAL_PART_OCTETS, 64);
  assert.ok(parseForwardPath(`<${'a'.repeat(64)}@example.com>`, ASCII).ok);
  assert.equal(parseForwardPath(`<${'a'.repeat(65)}@example.com>`, ASCII).ok, false);
  assert.ok(parseForwardPath(`<${'ü'.repeat(32)}@example.com>`, UTF8).ok); // 64 octets
  const over = parseForwardPath(`<${'ü'.repeat(33)}@example.com>`, UTF8); // 66 octets, 33 characters
  assert.ok(!over.ok && over.error.reason === 'too-long');
  // The quotes count: "62 a" is 64 octets on the wire.
  assert.ok(parseForwardPath(`<"${'a'.repeat(62)}"@example.com>`, ASCII).ok);
  assert.equal(parseForwardPath(`<"${'a'.repeat(63)}"@example.com>`, ASCII).ok, false);
});

void test('pathEnd finds the closing bracket past quoted ">" and literals', () => {
  assert.equal(pathEnd('<a@b> SIZE=1', 0), 5);
  assert.equal(pathEnd('<"a>b"@c> X', 0), 9);
  assert.equal(pathEnd('<a@[x:>]> X', 0), 9);
  assert.equal(pathEnd('<"a\\"> b"@c>', 0), 12);
  assert.equal(pathEnd('a@b', 0), -1);
  assert.equal(pathEnd('<a@b', 0), -1);
  assert.equal(pathEnd('<"a>', 0), -1);
  assert.equal(pathEnd('FROM:<a@b>', 5), 10);
});

void test('formatPath writes what the parsers read', () => {
  assert.equal(formatPath({ kind: 'null' }), '<>');
  assert.equal(formatPath({ kind: 'postmaster' }), '<Postmaster>');
  for (const [text, utf8, path] of VALID) {
    const written = formatPath(path);
    const back = parseForwardPath(written, { utf8 });
    assert.ok(back.ok, written);
    // A quoted local part that is a valid Dot-string is written without quotes.
    assert.deepEqual({ ...back.value, quotedLocal: false }, { ...path, quotedLocal: false }, text);
  }
});

const atext = fc.constantFrom(...'abcXYZ019!#$%&\'*+-/=?^_`{|}~'.split(''));
const dotString = fc.array(fc.array(atext, { minLength: 1, maxLength: 5 }).map((chars) => chars.join('')), { minLength: 1, maxLength: 3 }).map((atoms) => atoms.join('.'));
const quotedContent = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 20 });
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));

void test('property: generated mailboxes survive formatPath and parsing', () => {
  fc.assert(
    fc.property(fc.oneof(dotString, quotedContent), domain, fc.array(domain, { maxLength: 2 }), (local, name, route) => {
      const path = mailbox(local, name, { sourceRoute: route });
      const parsed = parseReversePath(formatPath(path), ASCII);
      assert.ok(parsed.ok, formatPath(path));
      assert.deepEqual({ ...parsed.value, quotedLocal: false }, path);
    }),
  );
});

void test('property: the parsers never throw', () => {
  const pathLike = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 60 }).map((text) => `<${text}>`),
    fc.tuple(fc.string({ unit: fc.constantFrom('"', '\\', '@', '<', '>', '[', ']', ':', ',', '.', 'a', ' ', 'ü'), maxLength: 30 })).map(([t]) => `<${t}>`),
  );
  fc.assert(
    fc.property(pathLike, fc.boolean(), (text, utf8) => {
      parseReversePath(text, { utf8 });
      parseForwardPath(text, { utf8 });
      pathEnd(text, 0);
    }),
    { numRuns: 3000 },
  );
});
