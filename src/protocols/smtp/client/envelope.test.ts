import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseCommand } from '../wire/command.ts';
import { encodeUtf8 } from '../wire/text.ts';
import { formatMailbox, mailCommand, rcptCommand, type MailParameters } from './envelope.ts';

// [address, SMTPUTF8 transaction, the path, or undefined when refused]
const MAILBOXES: readonly (readonly [string, boolean, string | undefined])[] = [
  ['alice@example.com', false, '<alice@example.com>'],
  ['first.last+tag@sub.example.com', false, '<first.last+tag@sub.example.com>'],
  // RFC 5321 §4.1.2: a local part that is not a Dot-string is sent as a Quoted-string.
  ['john doe@example.com', false, '<"john doe"@example.com>'],
  ['a"b@example.com', false, '<"a\\"b"@example.com>'],
  ['a\\b@example.com', false, '<"a\\\\b"@example.com>'],
  ['.dot@example.com', false, '<".dot"@example.com>'],
  ['user@[192.0.2.1]', false, '<user@[192.0.2.1]>'],
  ['user@[IPv6:2001:db8::1]', false, '<user@[IPv6:2001:db8::1]>'],
  // RFC 6531 §3.3: UTF-8 only in an SMTPUTF8 transaction.
  ['jürgen@bücher.example', true, '<jürgen@bücher.example>'],
  ['jürgen@bücher.example', false, undefined],
  // Nothing stored can inject a command line.
  ['a@example.com>\r\nRCPT TO:<b@example.com', false, undefined],
  ['a@exam\nple.com', false, undefined],
  ['a@example.com> NOTIFY=NEVER', false, undefined],
  ['a\u0000@example.com', false, undefined],
  ['@example.com', false, undefined],
  ['nobody', false, undefined],
  ['user@', false, undefined],
  ['user@-bad-.example', false, undefined],
  [`${'x'.repeat(65)}@example.com`, false, undefined],
  ['\ud800@example.com', true, undefined],
];

void test('formatMailbox: stored addresses as RFC 5321 §4.1.2 paths, or refused', () => {
  for (const [address, utf8, path] of MAILBOXES) {
    const result = formatMailbox(address, utf8);
    if (path === undefined) assert.equal(result.ok, false, JSON.stringify(address));
    else assert.deepEqual(result, { ok: true, value: path }, JSON.stringify(address));
  }
});

const BASE: MailParameters = { smtputf8: false, requireTls: false, dsn: false };

void test('mailCommand: the parameters the server offered, in one line (RFC 1870, 6152, 6531, 8689, 3461)', () => {
  const cases: readonly (readonly [string, MailParameters, string | undefined])[] = [
    ['a@example.com', BASE, 'MAIL FROM:<a@example.com>'],
    ['', BASE, 'MAIL FROM:<>'],
    ['a@example.com', { ...BASE, size: 1234, body: '8BITMIME' }, 'MAIL FROM:<a@example.com> SIZE=1234 BODY=8BITMIME'],
    ['a@example.com', { ...BASE, body: 'BINARYMIME', requireTls: true }, 'MAIL FROM:<a@example.com> BODY=BINARYMIME REQUIRETLS'],
    ['jürgen@example.com', { ...BASE, smtputf8: true }, 'MAIL FROM:<jürgen@example.com> SMTPUTF8'],
    ['jürgen@example.com', BASE, undefined],
    // RFC 3461 §4.3-4.4: RET and ENVID only when the server offers DSN; ENVID as xtext.
    ['a@example.com', { ...BASE, ret: 'HDRS', envid: 'id+1=2' }, 'MAIL FROM:<a@example.com>'],
    ['a@example.com', { ...BASE, dsn: true, ret: 'HDRS', envid: 'id+1=2 x' }, 'MAIL FROM:<a@example.com> RET=HDRS ENVID=id+2B1+3D2+20x'],
    // An ENVID that cannot be sent (not printable ASCII, too long) is left out, not fatal.
    ['a@example.com', { ...BASE, dsn: true, envid: 'ünïcode' }, 'MAIL FROM:<a@example.com>'],
    ['a@example.com', { ...BASE, dsn: true, envid: 'x'.repeat(101) }, 'MAIL FROM:<a@example.com>'],
    ['a@example.com', { ...BASE, dsn: true, envid: 'a\r\nRSET' }, 'MAIL FROM:<a@example.com>'],
  ];
  for (const [sender, params, line] of cases) {
    const result = mailCommand(sender, params);
    if (line === undefined) assert.equal(result.ok, false);
    else assert.deepEqual(result, { ok: true, value: line }, line);
  }
});

void test('rcptCommand: NOTIFY and ORCPT passed on when the server offers DSN (RFC 3461 §4.1-4.2, RFC 6533 §3)', () => {
  const dsn = { smtputf8: false, dsn: true };
  const cases: readonly (readonly [Parameters<typeof rcptCommand>[0], Parameters<typeof rcptCommand>[1], string | undefined])[] = [
    [{ address: 'b@example.com' }, dsn, 'RCPT TO:<b@example.com>'],
    [{ address: 'b@example.com', notify: 'NEVER', orcpt: 'rfc822;b@example.com' }, { smtputf8: false, dsn: false }, 'RCPT TO:<b@example.com>'],
    [{ address: 'b@example.com', notify: 'NEVER' }, dsn, 'RCPT TO:<b@example.com> NOTIFY=NEVER'],
    [{ address: 'b@example.com', notify: ['SUCCESS', 'FAILURE', 'SUCCESS'] }, dsn, 'RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE'],
    [{ address: 'b@example.com', notify: [] }, dsn, 'RCPT TO:<b@example.com>'],
    [{ address: 'b@example.com', orcpt: 'rfc822;b+x=y@example.com' }, dsn, 'RCPT TO:<b@example.com> ORCPT=rfc822;b+2Bx+3Dy@example.com'],
    [{ address: 'b@example.com', orcpt: 'RFC822;B@example.com' }, dsn, 'RCPT TO:<b@example.com> ORCPT=rfc822;B@example.com'],
    // A UTF-8 original recipient goes as addr-type utf-8 in its 7-bit form.
    [{ address: 'b@example.com', orcpt: 'rfc822;jürgen@example.com' }, dsn, 'RCPT TO:<b@example.com> ORCPT=utf-8;j\\x{FC}rgen@example.com'],
    [{ address: 'b@example.com', orcpt: 'utf-8;jürgen@example.com' }, dsn, 'RCPT TO:<b@example.com> ORCPT=utf-8;j\\x{FC}rgen@example.com'],
    // ORCPT values that cannot be sent are left out.
    [{ address: 'b@example.com', orcpt: 'no-semicolon' }, dsn, 'RCPT TO:<b@example.com>'],
    [{ address: 'b@example.com', orcpt: 'rfc822;' }, dsn, 'RCPT TO:<b@example.com>'],
    [{ address: 'b@example.com', orcpt: 'bad type;x@y' }, dsn, 'RCPT TO:<b@example.com>'],
    [{ address: 'b@example.com', orcpt: 'rfc822;a\r\nb@c' }, dsn, 'RCPT TO:<b@example.com>'],
    [{ address: 'b@example.com', orcpt: 'x400;ünï' }, dsn, 'RCPT TO:<b@example.com>'],
    [{ address: 'jürgen@example.com' }, dsn, undefined],
    [{ address: 'jürgen@example.com' }, { smtputf8: true, dsn: false }, 'RCPT TO:<jürgen@example.com>'],
  ];
  for (const [recipient, options, line] of cases) {
    const result = rcptCommand(recipient, options);
    if (line === undefined) assert.equal(result.ok, false);
    else assert.deepEqual(result, { ok: true, value: line }, line);
  }
});

const localChar = fc.constantFrom(...'abcXYZ019.-_+=!#$%&*/?^`{|}~ "\\@()<>,;:[]ü'.split(''));
const address = fc.tuple(fc.string({ unit: localChar, minLength: 1, maxLength: 20 }), fc.constantFrom('example.com', 'a.b.example', '[192.0.2.7]', 'bücher.example'));

void test('property: every line we send parses back, through the server\'s own parser, to the same envelope', () => {
  fc.assert(
    fc.property(address, fc.boolean(), fc.option(fc.constantFrom<'NEVER' | ('SUCCESS' | 'FAILURE' | 'DELAY')[]>('NEVER', ['SUCCESS'], ['FAILURE', 'DELAY'])), (parts, utf8, notify) => {
      const [local, domain] = parts;
      const stored = `${local}@${domain}`;
      const rcpt = rcptCommand({ address: stored, ...(notify !== null ? { notify } : {}), orcpt: `rfc822;${stored}` }, { smtputf8: utf8, dsn: true });
      if (!rcpt.ok) return;
      const parsed = parseCommand(encodeUtf8(rcpt.value), { utf8Permitted: true, smtputf8Transaction: utf8 });
      assert.ok(parsed.ok, rcpt.value);
      assert.equal(parsed.value.verb, 'RCPT');
      if (parsed.value.verb !== 'RCPT') return;
      assert.equal(parsed.value.path.kind, 'mailbox');
      if (parsed.value.path.kind === 'mailbox') assert.equal(`${parsed.value.path.local}@${parsed.value.path.domain}`, stored);
      assert.deepEqual(parsed.value.params.orcpt?.address, stored);
      if (notify !== null) assert.deepEqual(parsed.value.params.notify, notify);
      const mail = mailCommand(stored, { smtputf8: utf8, requireTls: true, dsn: true, size: 10, envid: local.replace(/[^\x20-\x7e]/g, '') || 'x' });
      assert.ok(mail.ok);
      const parsedMail = parseCommand(encodeUtf8(mail.value), { utf8Permitted: true });
      assert.ok(parsedMail.ok, mail.value);
    }),
    { numRuns: 1000 },
  );
});
