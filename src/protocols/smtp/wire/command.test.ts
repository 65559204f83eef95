import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_BDAT_CHUNK_OCTETS } from './bdat.ts';
import { lineLimit, MAX_SASL_MECHANISM_OCTETS, parseCommand, reply, type CommandOptions, type SmtpCommand } from './command.ts';
import { MAX_AUTH_COMMAND_LINE_OCTETS, MAX_COMMAND_LINE_OCTETS, MAX_EXTENDED_COMMAND_LINE_OCTETS, SmtpLineReader } from './line-reader.ts';
import type { MailboxPath } from './path.ts';
import { bytes, framingBytes, oneByteAtATime, utf8 } from './wire.test-support.ts';

const PLAIN: CommandOptions = { utf8Permitted: false };
const SMTPUTF8: CommandOptions = { utf8Permitted: true };

function mailbox(local: string, domain: string, extra: Partial<MailboxPath> = {}): MailboxPath {
  return { kind: 'mailbox', local, domain, quotedLocal: false, domainLiteral: false, sourceRoute: [], utf8: false, ...extra };
}

function line(text: string): Uint8Array {
  return /[^\x00-\x7f]/.test(text) ? utf8(text) : bytes(text);
}

// [line, options, expected command]
const VALID: readonly (readonly [string, CommandOptions, SmtpCommand])[] = [
  ['EHLO client.example.com', PLAIN, { verb: 'EHLO', domain: 'client.example.com' }],
  ['ehlo client.example.com', PLAIN, { verb: 'EHLO', domain: 'client.example.com' }],
  ['EHLO [192.0.2.1]', PLAIN, { verb: 'EHLO', domain: '[192.0.2.1]' }],
  ['EHLO [IPv6:2001:db8::1]', PLAIN, { verb: 'EHLO', domain: '[IPv6:2001:db8::1]' }],
  ['HeLo localhost', PLAIN, { verb: 'HELO', domain: 'localhost' }],
  ['HELO [192.0.2.1]', PLAIN, { verb: 'HELO', domain: '[192.0.2.1]' }],
  ['MAIL FROM:<a@example.com>', PLAIN, { verb: 'MAIL', path: mailbox('a', 'example.com'), params: {} }],
  ['mail from:<a@example.com>', PLAIN, { verb: 'MAIL', path: mailbox('a', 'example.com'), params: {} }],
  ['MAIL FROM: <a@example.com>', PLAIN, { verb: 'MAIL', path: mailbox('a', 'example.com'), params: {} }],
  ['MAIL FROM:<>', PLAIN, { verb: 'MAIL', path: { kind: 'null' }, params: {} }],
  ['MAIL FROM:<> SIZE=0', PLAIN, { verb: 'MAIL', path: { kind: 'null' }, params: { size: 0 } }],
  ['MAIL FROM:<"john doe"@example.com> BODY=8BITMIME', PLAIN, { verb: 'MAIL', path: mailbox('john doe', 'example.com', { quotedLocal: true }), params: { body: '8BITMIME' } }],
  ['MAIL FROM:<"a> b"@example.com> SIZE=5', PLAIN, { verb: 'MAIL', path: mailbox('a> b', 'example.com', { quotedLocal: true }), params: { size: 5 } }],
  ['MAIL FROM:<@relay.a,@relay.b:user@example.com>', PLAIN, { verb: 'MAIL', path: mailbox('user', 'example.com', { sourceRoute: ['relay.a', 'relay.b'] }), params: {} }],
  ['MAIL FROM:<üser@bücher.example> SMTPUTF8', SMTPUTF8, { verb: 'MAIL', path: mailbox('üser', 'bücher.example', { utf8: true }), params: { smtputf8: true } }],
  ['MAIL FROM:<a@example.com> SMTPUTF8', SMTPUTF8, { verb: 'MAIL', path: mailbox('a', 'example.com'), params: { smtputf8: true } }],
  ['MAIL FROM:<a@example.com> RET=HDRS ENVID=x+2By AUTH=<> REQUIRETLS', PLAIN, { verb: 'MAIL', path: mailbox('a', 'example.com'), params: { ret: 'HDRS', envid: 'x+y', auth: '<>', requireTls: true } }],
  ['RCPT TO:<b@example.com>', PLAIN, { verb: 'RCPT', path: mailbox('b', 'example.com'), params: {} }],
  ['rcpt to: <b@example.com>', PLAIN, { verb: 'RCPT', path: mailbox('b', 'example.com'), params: {} }],
  ['RCPT TO:<Postmaster>', PLAIN, { verb: 'RCPT', path: { kind: 'postmaster' }, params: {} }],
  ['RCPT TO:<user%host@example.com>', PLAIN, { verb: 'RCPT', path: mailbox('user%host', 'example.com'), params: {} }],
  ['RCPT TO:<user@[192.0.2.1]>', PLAIN, { verb: 'RCPT', path: mailbox('user', '[192.0.2.1]', { domainLiteral: true }), params: {} }],
  ['RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40example.com', PLAIN, { verb: 'RCPT', path: mailbox('b', 'example.com'), params: { notify: ['SUCCESS', 'FAILURE'], orcpt: { addrType: 'rfc822', address: 'b@example.com' } } }],
  ['RCPT TO:<ü@bücher.example>', SMTPUTF8, { verb: 'RCPT', path: mailbox('ü', 'bücher.example', { utf8: true }), params: {} }],
  ['RCPT TO:<ü@bücher.example>', { utf8Permitted: true, smtputf8Transaction: true }, { verb: 'RCPT', path: mailbox('ü', 'bücher.example', { utf8: true }), params: {} }],
  ['DATA', PLAIN, { verb: 'DATA' }],
  ['data', PLAIN, { verb: 'DATA' }],
  ['RSET', PLAIN, { verb: 'RSET' }],
  ['QUIT', PLAIN, { verb: 'QUIT' }],
  ['STARTTLS', PLAIN, { verb: 'STARTTLS' }],
  ['NOOP', PLAIN, { verb: 'NOOP' }],
  ['NOOP anything at all', PLAIN, { verb: 'NOOP' }],
  ['BDAT 0 LAST', PLAIN, { verb: 'BDAT', size: 0, last: true }],
  ['BDAT 1000', PLAIN, { verb: 'BDAT', size: 1000, last: false }],
  ['bdat 86 last', PLAIN, { verb: 'BDAT', size: 86, last: true }],
  ['BDAT 007 LAST', PLAIN, { verb: 'BDAT', size: 7, last: true }],
  [`BDAT ${MAX_BDAT_CHUNK_OCTETS}`, PLAIN, { verb: 'BDAT', size: MAX_BDAT_CHUNK_OCTETS, last: false }],
  ['AUTH PLAIN', PLAIN, { verb: 'AUTH', mechanism: 'PLAIN' }],
  ['auth plain AGEAYg==', PLAIN, { verb: 'AUTH', mechanism: 'PLAIN', initialResponse: 'AGEAYg==' }],
  ['AUTH EXTERNAL =', PLAIN, { verb: 'AUTH', mechanism: 'EXTERNAL', initialResponse: '=' }],
  ['AUTH SCRAM-SHA-256', PLAIN, { verb: 'AUTH', mechanism: 'SCRAM-SHA-256' }],
  ['VRFY postmaster', PLAIN, { verb: 'VRFY', argument: 'postmaster', smtputf8: false }],
  ['VRFY "John Doe" SMTPUTF8', SMTPUTF8, { verb: 'VRFY', argument: '"John Doe"', smtputf8: true }],
  ['VRFY üser', SMTPUTF8, { verb: 'VRFY', argument: 'üser', smtputf8: false }],
  ['EXPN staff', PLAIN, { verb: 'EXPN', argument: 'staff', smtputf8: false }],
  ['HELP', PLAIN, { verb: 'HELP' }],
  ['HELP MAIL', PLAIN, { verb: 'HELP', argument: 'MAIL' }],
];

// [line, options, code, enhanced]
const INVALID: readonly (readonly [string, CommandOptions, number, string])[] = [
  ['', PLAIN, 500, '5.5.1'],
  [' MAIL FROM:<a@b>', PLAIN, 500, '5.5.1'],
  ['XYZZY', PLAIN, 500, '5.5.1'],
  ['MAILFROM:<a@b>', PLAIN, 500, '5.5.1'],
  ['MA\u0000IL FROM:<a@b>', PLAIN, 500, '5.5.1'],
  ['MAIL\tFROM:<a@b>', PLAIN, 500, '5.5.1'],
  ['DATA\u0000', PLAIN, 500, '5.5.1'],
  ['MAIL FROM:<a@b>\u0000', PLAIN, 501, '5.5.2'],
  ['NOOP \u0000', PLAIN, 501, '5.5.2'],
  ['MAIL FROM:<a@b>\r', PLAIN, 501, '5.5.2'],
  ['EHLO', PLAIN, 501, '5.5.2'],
  ['EHLO ', PLAIN, 501, '5.5.2'],
  ['EHLO bad_name.example', PLAIN, 501, '5.5.2'],
  ['EHLO two words', PLAIN, 501, '5.5.2'],
  ['EHLO bücher.example', SMTPUTF8, 501, '5.5.2'], // EHLO stays ASCII (RFC 6531 §3.7.1)
  ['EHLO [192.0.2.999]', PLAIN, 501, '5.5.2'],
  ['MAIL', PLAIN, 501, '5.5.2'],
  ['MAIL TO:<a@b>', PLAIN, 501, '5.5.2'],
  ['MAIL FROM :<a@b>', PLAIN, 501, '5.5.2'],
  ['MAIL FROM:a@b', PLAIN, 501, '5.1.7'],
  ['MAIL FROM:<a@b', PLAIN, 501, '5.1.7'],
  ['MAIL FROM:  <a@b>', PLAIN, 501, '5.1.7'],
  ['MAIL FROM:<a@@b>', PLAIN, 501, '5.1.7'],
  ['MAIL FROM:<Postmaster>', PLAIN, 501, '5.1.7'],
  ['MAIL FROM:<a@b>SIZE=1', PLAIN, 501, '5.5.2'],
  ['MAIL FROM:<a@b> ', PLAIN, 501, '5.5.2'],
  ['MAIL FROM:<> SIZE=1234567890123456789012345', PLAIN, 501, '5.5.4'],
  ['MAIL FROM:<> SIZE=1 SIZE=1', PLAIN, 501, '5.5.4'],
  ['MAIL FROM:<> FOO=BAR', PLAIN, 555, '5.5.4'],
  ['MAIL FROM:<> constructor=1', PLAIN, 555, '5.5.4'],
  ['MAIL FROM:<> __proto__=1', PLAIN, 501, '5.5.2'],
  ['MAIL FROM:<> SMTPUTF8', PLAIN, 555, '5.5.4'], // SMTPUTF8 not offered
  ['MAIL FROM:<üser@example.com>', PLAIN, 550, '5.6.7'], // RFC 6531 §3.5: 550 for MAIL
  ['MAIL FROM:<üser@example.com>', SMTPUTF8, 550, '5.6.7'], // without the SMTPUTF8 parameter
  ['MAIL FROM:<a@b> \u00ff', PLAIN, 501, '5.5.2'], // invalid UTF-8 byte (line() keeps Latin-1 here)
  ['RCPT TO:<>', PLAIN, 501, '5.1.3'],
  ['RCPT TO:b@example.com', PLAIN, 501, '5.1.3'],
  ['RCPT TO:<b@example.com', PLAIN, 501, '5.1.3'],
  ['RCPT TO:<ü@example.com>', PLAIN, 553, '5.6.7'], // RFC 6531 §3.5: 553 for RCPT
  ['RCPT TO:<ü@example.com>', { utf8Permitted: true, smtputf8Transaction: false }, 553, '5.6.7'],
  ['RCPT TO:<b@example.com> SIZE=1', PLAIN, 555, '5.5.4'],
  ['RCPT TO:<b@example.com> NOTIFY=NEVER,DELAY', PLAIN, 501, '5.5.4'],
  ['RCPT FROM:<b@example.com>', PLAIN, 501, '5.5.2'],
  [`RCPT TO:<${'a'.repeat(65)}@example.com>`, PLAIN, 501, '5.1.3'],
  ['DATA x', PLAIN, 501, '5.5.2'],
  ['DATA ', PLAIN, 501, '5.5.2'],
  ['QUIT now', PLAIN, 501, '5.5.2'],
  ['RSET x', PLAIN, 501, '5.5.2'],
  ['STARTTLS x', PLAIN, 501, '5.5.2'], // RFC 3207 §4
  ['BDAT', PLAIN, 501, '5.5.2'],
  ['BDAT x', PLAIN, 501, '5.5.2'],
  ['BDAT -1', PLAIN, 501, '5.5.2'],
  ['BDAT 10 FIRST', PLAIN, 501, '5.5.2'],
  ['BDAT 10  LAST', PLAIN, 501, '5.5.2'],
  ['BDAT 1e3', PLAIN, 501, '5.5.2'],
  ['BDAT 4294967296', PLAIN, 501, '5.5.2'],
  [`BDAT ${MAX_BDAT_CHUNK_OCTETS + 1}`, PLAIN, 501, '5.5.2'],
  [`BDAT ${'9'.repeat(400)} LAST`, PLAIN, 501, '5.5.2'],
  ['AUTH', PLAIN, 501, '5.5.2'],
  ['AUTH PLAIN a b', PLAIN, 501, '5.5.2'],
  ['AUTH PL@IN', PLAIN, 501, '5.5.2'],
  ['AUTH PLAIN not*base64', PLAIN, 501, '5.5.2'],
  ['AUTH PLAIN ==', PLAIN, 501, '5.5.2'],
  ['VRFY', PLAIN, 501, '5.5.2'],
  ['VRFY ', PLAIN, 501, '5.5.2'],
  ['VRFY  SMTPUTF8', SMTPUTF8, 501, '5.5.2'],
  ['VRFY üser', PLAIN, 553, '5.6.7'],
  ['VRFY user SMTPUTF8', PLAIN, 501, '5.5.4'],
  ['EXPN', PLAIN, 501, '5.5.2'],
];

void test('valid commands: verbs case-insensitive (RFC 5321 §2.4), typed arguments', () => {
  for (const [text, options, expected] of VALID) {
    assert.deepEqual(parseCommand(line(text), options), { ok: true, value: expected }, text);
  }
});

void test('invalid commands carry the reply to send', () => {
  for (const [text, options, code, enhanced] of INVALID) {
    const result = parseCommand(text.includes('\u00ff') ? bytes(text) : line(text), options);
    assert.equal(result.ok, false, text);
    if (!result.ok) assert.deepEqual([result.error.code, result.error.enhanced], [code, enhanced], `${text}: ${result.error.text}`);
  }
});

void test('the same lines read one byte at a time through the line reader parse the same', () => {
  const reader = new SmtpLineReader({ maxLineOctets: MAX_AUTH_COMMAND_LINE_OCTETS });
  const all = [...VALID.map(([text, options]) => [text, options] as const), ...INVALID.map(([text, options]) => [text, options] as const)];
  for (const [text, options] of all) {
    const data = text.includes('\u00ff') ? bytes(text) : line(text);
    const expected = parseCommand(data, options);
    let got: ReturnType<typeof parseCommand> | undefined;
    for (const byte of oneByteAtATime(new Uint8Array([...data, 0x0d, 0x0a]))) {
      reader.push(byte);
      const event = reader.next();
      if (event?.kind === 'line') got = parseCommand(event.line, options);
      else assert.equal(event, undefined);
    }
    assert.deepEqual(got, expected, text);
  }
});

void test('line limits per command: 512, MAIL/RCPT extended, AUTH for initial responses', () => {
  assert.equal(lineLimit('NOOP'), MAX_COMMAND_LINE_OCTETS);
  assert.equal(lineLimit('MAIL'), MAX_EXTENDED_COMMAND_LINE_OCTETS);
  assert.equal(lineLimit('RCPT'), MAX_EXTENDED_COMMAND_LINE_OCTETS);
  assert.equal(lineLimit('AUTH'), MAX_AUTH_COMMAND_LINE_OCTETS);
  const noop = (length: number) => bytes(`NOOP ${'x'.repeat(length - 'NOOP '.length - 2)}`);
  assert.ok(parseCommand(noop(MAX_COMMAND_LINE_OCTETS), PLAIN).ok);
  assert.deepEqual(parseCommand(noop(MAX_COMMAND_LINE_OCTETS + 1), PLAIN), { ok: false, error: reply(500, '5.5.2', 'Line too long') });
  const mail = (length: number) => bytes(`MAIL FROM:<> ENVID=${'x'.repeat(100)} AUTH=${'a'.repeat(length - 'MAIL FROM:<> ENVID= AUTH='.length - 100 - 2)}`);
  assert.ok(parseCommand(mail(MAX_EXTENDED_COMMAND_LINE_OCTETS), PLAIN).ok);
  assert.equal(parseCommand(mail(MAX_EXTENDED_COMMAND_LINE_OCTETS + 1), PLAIN).ok, false);
  const auth = (length: number) => bytes(`AUTH XOAUTH2 ${'A'.repeat(length - 'AUTH XOAUTH2 '.length - 2)}`);
  assert.ok(parseCommand(auth(MAX_AUTH_COMMAND_LINE_OCTETS), PLAIN).ok);
  assert.deepEqual(parseCommand(auth(MAX_AUTH_COMMAND_LINE_OCTETS + 1), PLAIN), {
    ok: false,
    error: reply(500, '5.5.6', 'Authentication Exchange line is too long'),
  });
  // A 100 KB command line is refused, never parsed.
  assert.equal(parseCommand(bytes(`MAIL FROM:<${'a'.repeat(100_000)}@example.com>`), PLAIN).ok, false);
});

void test('MAX_SASL_MECHANISM_OCTETS: RFC 4422 §3.1, 20 characters', () => {
  assert.equal(MAX_SASL_MECHANISM_OCTETS, 20);
  assert.ok(parseCommand(bytes(`AUTH ${'A'.repeat(20)}`), PLAIN).ok);
  assert.equal(parseCommand(bytes(`AUTH ${'A'.repeat(21)}`), PLAIN).ok, false);
});

void test('MAX_BDAT_CHUNK_OCTETS bounds the chunk size', () => {
  assert.equal(MAX_BDAT_CHUNK_OCTETS, 2 ** 31 - 1);
  assert.ok(parseCommand(bytes(`BDAT ${MAX_BDAT_CHUNK_OCTETS} LAST`), PLAIN).ok);
  assert.equal(parseCommand(bytes(`BDAT ${MAX_BDAT_CHUNK_OCTETS + 1} LAST`), PLAIN).ok, false);
});

void test('replies never echo the client input', () => {
  for (const [text, options] of INVALID) {
    const result = parseCommand(line(text.replace('\u00ff', 'y')), options);
    if (!result.ok && text.length > 12) assert.ok(!result.error.text.includes(text.slice(5)), text);
  }
});

void test('property: parseCommand never throws, and its replies are well-formed', () => {
  const prefix = fc.constantFrom('', 'MAIL FROM:', 'RCPT TO:', 'EHLO ', 'BDAT ', 'AUTH ', 'VRFY ', 'mail from:<', 'RCPT TO:<a@b> ');
  fc.assert(
    fc.property(prefix, framingBytes(120), fc.boolean(), fc.option(fc.boolean()), (start, rest, utf8Permitted, transaction) => {
      const options: CommandOptions = transaction === null ? { utf8Permitted } : { utf8Permitted, smtputf8Transaction: transaction };
      const result = parseCommand(new Uint8Array([...bytes(start), ...rest]), options);
      if (!result.ok) {
        assert.ok(result.error.code >= 500 && result.error.code <= 555);
        assert.match(result.error.enhanced, /^5\.\d\.\d$/);
        assert.ok(!/[\r\n]/.test(result.error.text));
      }
    }),
    { numRuns: 3000 },
  );
});

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,6}[a-z0-9])?$/);
const domain = fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.'));
const local = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,10}(?:\.[A-Za-z0-9_-]{1,5}){0,2}$/);

void test('property: well-formed MAIL and RCPT commands parse to what was written', () => {
  fc.assert(
    fc.property(local, domain, fc.option(fc.nat()), fc.boolean(), (user, host, size, upper) => {
      const verb = upper ? 'MAIL FROM:' : 'mail from:';
      const text = `${verb}<${user}@${host}>${size === null ? '' : ` SIZE=${size}`}`;
      assert.deepEqual(parseCommand(bytes(text), PLAIN), {
        ok: true,
        value: { verb: 'MAIL', path: mailbox(user, host), params: size === null ? {} : { size } },
      });
      assert.deepEqual(parseCommand(bytes(`RCPT TO:<${user}@${host}>`), PLAIN), { ok: true, value: { verb: 'RCPT', path: mailbox(user, host), params: {} } });
    }),
  );
});
