// DSNs parsed back with the project's MIME indexer: structure, then field by field; NOTIFY
// semantics as a table; and a property test that no recipient string or remote reply can break
// the structure.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FOLD_WIDTH, MAX_DIAGNOSTIC_CHARS } from './dsn-fields.ts';
import { MAX_RETURNED_MESSAGE_OCTETS, buildDsn, dsnWanted, type DsnAction, type DsnInput, type DsnNotify, type DsnRecipient } from './dsn.ts';
import { fieldValues, parseHeader, type HeaderField } from './header.ts';
import { indexMessage, section } from './mime/mime.ts';
import type { MimeIndex, MimePart } from './mime/types.ts';

const ORIGINAL = Buffer.from(
  'From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Lunch\r\nMessage-ID: <m1@example.com>\r\n\r\nSee you at noon.\r\n',
);
const ARRIVAL = new Date(Date.UTC(2026, 10, 27, 9, 30, 0));
const NOW = new Date(Date.UTC(2026, 10, 28, 10, 0, 5));

const FAILED: DsnRecipient = {
  address: 'bob@example.net',
  orcpt: 'rfc822;Bob@example.net',
  action: 'failed',
  status: '5.1.1',
  remoteMta: 'mx.example.net',
  diagnostic: '550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown',
  lastAttempt: new Date(Date.UTC(2026, 10, 28, 9, 59, 0)),
};
const DELAYED: DsnRecipient = {
  address: 'carol@example.org',
  action: 'delayed',
  status: '4.4.1',
  remoteMta: '[192.0.2.7]',
  diagnostic: '451 4.4.1 Try again later',
  lastAttempt: new Date(Date.UTC(2026, 10, 28, 9, 0, 0)),
  willRetryUntil: new Date(Date.UTC(2026, 11, 2, 9, 30, 0)),
};
const DELIVERED: DsnRecipient = { address: 'dave@example.org', action: 'delivered', status: '2.0.0', remoteMta: 'mx.example.org', diagnostic: '250 2.0.0 Ok: queued as 4Q' };

const base: DsnInput = {
  hostname: 'mail.example.com',
  sender: 'alice@example.com',
  recipients: [FAILED],
  message: ORIGINAL,
  arrivalDate: ARRIVAL,
  date: NOW,
  messageIdDomain: 'example.com',
  messageIdLocal: 'dsn.4QX7',
};

interface Parsed {
  readonly raw: Uint8Array;
  readonly index: MimeIndex;
  readonly header: HeaderField[];
  readonly parts: readonly MimePart[];
  readonly text: string;
  readonly perMessage: HeaderField[];
  readonly perRecipient: HeaderField[][];
  readonly returned: Buffer;
}

function build(input: Partial<DsnInput>): Parsed {
  const result = buildDsn({ ...base, ...input });
  assert.ok(result.ok, `buildDsn failed: ${JSON.stringify(result)}`);
  return parse(result.value);
}

function contentType(part: MimePart | undefined): string {
  return `${part?.contentType?.type}/${part?.contentType?.subtype}`.toLowerCase();
}

function parse(raw: Uint8Array): Parsed {
  const index = indexMessage(raw);
  const parts = index.root.children;
  const body = (n: number) => Buffer.from(section(raw, index, { part: [n] }));
  const blocks = body(2).toString('utf8').split('\r\n\r\n');
  const fields = (block: string) => parseHeader(Buffer.from(`${block.replace(/\r\n$/, '')}\r\n\r\n`));
  return {
    raw,
    index,
    header: parseHeader(raw),
    parts,
    text: body(1).toString('utf8'),
    perMessage: fields(blocks[0] ?? ''),
    perRecipient: blocks.slice(1).map(fields),
    returned: body(3),
  };
}

function field(fields: readonly HeaderField[], name: string): string | undefined {
  const values = fieldValues(fields, name);
  assert.ok(values.length <= 1, `${name} appears ${values.length} times`);
  return values[0];
}

/** Every line of the DSN's own text (not the embedded message) ends in CRLF and fits the limits. */
function assertWellFormedLines(parsed: Parsed): void {
  const own = Buffer.from(parsed.raw).subarray(0, parsed.parts[2]?.bodyStart ?? parsed.raw.length).toString('latin1');
  assert.doesNotMatch(own, /\r(?!\n)|(?<!\r)\n/, 'bare CR or LF');
  for (const line of own.split('\r\n')) assert.ok(line.length <= 998, `line of ${line.length} octets`);
}

void test('buildDsn: a failure report, structure and every field (RFC 3464, RFC 6522)', () => {
  const dsn = build({ envid: 'QQ314159' });
  // Top-level header.
  assert.equal(field(dsn.header, 'From'), '"Mail Delivery System" <MAILER-DAEMON@mail.example.com>');
  assert.equal(field(dsn.header, 'To'), '<alice@example.com>');
  assert.equal(field(dsn.header, 'Subject'), 'Undelivered Mail Returned to Sender');
  assert.equal(field(dsn.header, 'Date'), 'Sat, 28 Nov 2026 10:00:05 +0000');
  assert.equal(field(dsn.header, 'Message-ID'), '<dsn.4QX7@example.com>');
  assert.equal(field(dsn.header, 'Auto-Submitted'), 'auto-replied');
  assert.equal(field(dsn.header, 'MIME-Version'), '1.0');
  // multipart/report; report-type=delivery-status with three parts.
  assert.equal(contentType(dsn.index.root), 'multipart/report');
  assert.deepEqual(
    dsn.index.root.contentType?.params.find(([name]) => name.toLowerCase() === 'report-type'),
    ['report-type', 'delivery-status'],
  );
  assert.deepEqual(dsn.parts.map(contentType), ['text/plain', 'message/delivery-status', 'message/rfc822']);
  assert.equal(dsn.parts[0]?.contentType?.params.find(([name]) => name === 'charset')?.[1], 'us-ascii');
  // The text part names the recipient, the remote host and its reply.
  assert.match(dsn.text, /^This is the mail system at host mail\.example\.com\./);
  assert.match(dsn.text.replace(/\s+/g, ' '), /<bob@example\.net>: host mx\.example\.net said: 550 5\.1\.1 <bob@example\.net>: Recipient address rejected: User unknown/);
  for (const line of dsn.text.split('\r\n')) assert.ok(line.length <= 76, line);
  assert.match(dsn.text, /postmaster@mail\.example\.com/);
  // Per-message fields (RFC 3464 §2.2).
  assert.deepEqual(
    dsn.perMessage.map((f) => [f.name, f.value]),
    [
      ['Original-Envelope-Id', 'QQ314159'],
      ['Reporting-MTA', 'dns; mail.example.com'],
      ['Arrival-Date', 'Fri, 27 Nov 2026 09:30:00 +0000'],
    ],
  );
  // Per-recipient fields (RFC 3464 §2.3), in order.
  assert.equal(dsn.perRecipient.length, 1);
  assert.deepEqual(
    dsn.perRecipient[0]?.map((f) => [f.name, f.value.replace(/\s+/g, ' ')]),
    [
      ['Original-Recipient', 'rfc822;Bob@example.net'],
      ['Final-Recipient', 'rfc822; bob@example.net'],
      ['Action', 'failed'],
      ['Status', '5.1.1'],
      ['Remote-MTA', 'dns; mx.example.net'],
      ['Diagnostic-Code', 'smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown'],
      ['Last-Attempt-Date', 'Sat, 28 Nov 2026 09:59:00 +0000'],
    ],
  );
  // The whole original comes back, byte for byte, as an embedded message.
  assert.deepEqual(dsn.returned, ORIGINAL);
  assert.equal(dsn.parts[2]?.kind, 'message');
  assert.equal(dsn.parts[2]?.encoding, undefined); // 7bit: no Content-Transfer-Encoding
  assertWellFormedLines(dsn);
});

void test('buildDsn: what comes back of the original (RFC 3461 §4.3)', () => {
  const headerOnly = 'From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Lunch\r\nMessage-ID: <m1@example.com>\r\n';
  const big = Buffer.concat([ORIGINAL, Buffer.alloc(MAX_RETURNED_MESSAGE_OCTETS, 'x')]);
  const cases: { name: string; input: Partial<DsnInput>; type: string; returned: string | Buffer }[] = [
    { name: 'failure, RET absent', input: {}, type: 'message/rfc822', returned: ORIGINAL },
    { name: 'failure, RET=FULL', input: { ret: 'FULL' }, type: 'message/rfc822', returned: ORIGINAL },
    { name: 'failure, RET=HDRS', input: { ret: 'HDRS' }, type: 'text/rfc822-headers', returned: headerOnly },
    { name: 'failure, too large', input: { message: big }, type: 'text/rfc822-headers', returned: headerOnly },
    { name: 'failure, at the limit', input: { message: ORIGINAL, maxReturnedOctets: ORIGINAL.length }, type: 'message/rfc822', returned: ORIGINAL },
    { name: 'failure, over a smaller limit', input: { maxReturnedOctets: ORIGINAL.length - 1 }, type: 'text/rfc822-headers', returned: headerOnly },
    { name: 'delay only, RET=FULL', input: { recipients: [DELAYED], ret: 'FULL' }, type: 'text/rfc822-headers', returned: headerOnly },
    { name: 'success only', input: { recipients: [DELIVERED] }, type: 'text/rfc822-headers', returned: headerOnly },
    { name: 'bare LF original', input: { message: Buffer.from('Subject: x\n\nline\n') }, type: 'message/rfc822', returned: 'Subject: x\r\n\r\nline\r\n' },
    // The boundary's CRLF ends the embedded header for the indexer (as for Dovecot): the octets are 'Subject: x\r\n'.
    { name: 'no body', input: { message: Buffer.from('Subject: x\r\n') }, type: 'message/rfc822', returned: 'Subject: x\r\n\r\n' },
    { name: 'no body, headers only', input: { message: Buffer.from('Subject: x\r\n'), ret: 'HDRS' }, type: 'text/rfc822-headers', returned: 'Subject: x\r\n' },
    { name: 'empty original', input: { message: new Uint8Array(0), ret: 'HDRS' }, type: 'text/rfc822-headers', returned: '' },
    { name: 'no header, headers only', input: { message: Buffer.from('\r\nbody\r\n'), ret: 'HDRS' }, type: 'text/rfc822-headers', returned: '' },
  ];
  for (const { name, input, type, returned } of cases) {
    const dsn = build(input);
    assert.equal(contentType(dsn.parts[2]), type, name);
    assert.equal(dsn.returned.toString('latin1'), Buffer.from(returned).toString('latin1'), name);
    assert.equal(dsn.parts.length, 3, name);
    assertWellFormedLines(dsn);
  }
  // 8-bit and binary originals are labelled (RFC 2046 §5.2.1).
  assert.equal(build({ message: Buffer.from('Subject: caf\u00e9\r\n\r\nd\u00e9j\u00e0\r\n', 'utf8') }).parts[2]?.encoding, '8bit');
  assert.equal(build({ message: Buffer.from(`Subject: x\r\n\r\n${'y'.repeat(1200)}\r\n`) }).parts[2]?.encoding, 'binary');
  assert.equal(build({ message: Buffer.from('Subject: x\r\n\r\na\0b\r\n') }).parts[2]?.encoding, 'binary');
});

void test('buildDsn: subjects, actions and the delay fields', () => {
  const cases: { recipients: DsnRecipient[]; subject: string }[] = [
    { recipients: [FAILED], subject: 'Undelivered Mail Returned to Sender' },
    { recipients: [DELAYED], subject: 'Delayed Mail (still being retried)' },
    { recipients: [DELIVERED], subject: 'Delivery Status Notification (Success)' },
    { recipients: [{ ...DELIVERED, action: 'relayed' }], subject: 'Delivery Status Notification (Success)' },
    { recipients: [{ ...DELIVERED, action: 'expanded' }], subject: 'Delivery Status Notification (Success)' },
    { recipients: [DELAYED, FAILED], subject: 'Undelivered Mail Returned to Sender' },
    { recipients: [DELIVERED, DELAYED], subject: 'Delayed Mail (still being retried)' },
  ];
  for (const { recipients, subject } of cases) {
    const dsn = build({ recipients });
    assert.equal(field(dsn.header, 'Subject'), subject);
    assert.equal(dsn.perRecipient.length, recipients.length);
    recipients.forEach((recipient, i) => {
      const fields = dsn.perRecipient[i] ?? [];
      assert.equal(field(fields, 'Action'), recipient.action);
      assert.equal(field(fields, 'Final-Recipient'), `rfc822; ${recipient.address}`);
      // RFC 3464 §2.3.8: Will-Retry-Until only for delayed recipients.
      assert.equal(field(fields, 'Will-Retry-Until'), recipient.action === 'delayed' ? 'Wed, 2 Dec 2026 09:30:00 +0000' : undefined);
      assert.ok(dsn.text.includes(`<${recipient.address}>`));
    });
  }
  const delayed = build({ recipients: [DELAYED] });
  assert.match(delayed.text, /WARNING ONLY/);
  assert.match(delayed.text, /will be retried until Wed, 2 Dec 2026 09:30:00 \+0000/);
  assert.equal(field(delayed.perRecipient[0] ?? [], 'Remote-MTA'), 'dns; [192.0.2.7]');
  assert.equal(field(delayed.perRecipient[0] ?? [], 'Status'), '4.4.1');
  assert.equal(field(build({ recipients: [{ ...FAILED, willRetryUntil: NOW }] }).perRecipient[0] ?? [], 'Will-Retry-Until'), undefined);
});

void test('buildDsn: field values from untrusted strings', () => {
  const one = (recipient: Partial<DsnRecipient>, input: Partial<DsnInput> = {}) => build({ ...input, recipients: [{ ...FAILED, ...recipient }] });
  const cases: { name: string; dsn: Parsed; field: string; value: string | undefined; block?: 'message' }[] = [
    { name: 'multi-line reply joined', dsn: one({ diagnostic: '550-5.7.1 Message rejected\r\n550-5.7.1 see https://example.net/why\r\n550 5.7.1 (spam)' }), field: 'Diagnostic-Code', value: 'smtp; 550-5.7.1 Message rejected 550-5.7.1 see https://example.net/why 550 5.7.1 (spam)' },
    { name: 'injected field stays in the value', dsn: one({ diagnostic: '550 no\r\nX-Injected: yes\r\n\r\nAction: delivered' }), field: 'Diagnostic-Code', value: 'smtp; 550 no X-Injected: yes Action: delivered' },
    { name: 'our own diagnostic', dsn: one({ diagnostic: 'connection refused by mx.example.net' }), field: 'Diagnostic-Code', value: 'X-Postwarden; connection refused by mx.example.net' },
    { name: 'given diagnostic type', dsn: one({ diagnostic: 'no route', diagnosticType: 'X-Local' }), field: 'Diagnostic-Code', value: 'X-Local; no route' },
    { name: 'invalid diagnostic type', dsn: one({ diagnostic: '550 x', diagnosticType: 'smtp;\r\nX: y' }), field: 'Diagnostic-Code', value: 'smtp; 550 x' },
    { name: 'empty diagnostic', dsn: one({ diagnostic: ' \r\n ' }), field: 'Diagnostic-Code', value: undefined },
    { name: 'controls and non-ASCII', dsn: one({ diagnostic: '550 b\u00e4d\0user\x1b[31m' }), field: 'Diagnostic-Code', value: 'smtp; 550 b?d user [31m' },
    { name: 'malformed status', dsn: one({ status: '5.1' }), field: 'Status', value: '5.0.0' },
    { name: 'status with text', dsn: one({ status: '5.1.1\r\nX: y' }), field: 'Status', value: '5.0.0' },
    { name: 'remote MTA with junk', dsn: one({ remoteMta: 'mx.example.net\r\nX-Injected: y' }), field: 'Remote-MTA', value: 'dns; mx.example.net?X-Injected:?y' },
    { name: 'no remote MTA', dsn: one({ remoteMta: '' }), field: 'Remote-MTA', value: undefined },
    { name: 'ORCPT with plus', dsn: one({ orcpt: 'rfc822;bob+tag@example.net' }), field: 'Original-Recipient', value: 'rfc822;bob+tag@example.net' },
    { name: 'ORCPT with controls as xtext', dsn: one({ orcpt: 'rfc822;bob\r\nX: y@example.net' }), field: 'Original-Recipient', value: 'rfc822;bob+0D+0AX:+20y@example.net' },
    { name: 'ORCPT without type', dsn: one({ orcpt: 'bob@example.net' }), field: 'Original-Recipient', value: undefined },
    { name: 'ORCPT with a bad type', dsn: one({ orcpt: 'rfc 822;bob@example.net' }), field: 'Original-Recipient', value: undefined },
    { name: 'final recipient with controls', dsn: one({ address: 'bob\r\n@example.net' }), field: 'Final-Recipient', value: 'rfc822; bob?@example.net' },
    { name: 'ENVID decoded', dsn: build({ envid: 'QQ+314159' }), field: 'Original-Envelope-Id', value: 'QQ+314159', block: 'message' },
    { name: 'ENVID with space as xtext', dsn: build({ envid: 'a b' }), field: 'Original-Envelope-Id', value: 'a+20b', block: 'message' },
    { name: 'ENVID with CRLF as xtext', dsn: build({ envid: 'a\r\nX: y' }), field: 'Original-Envelope-Id', value: 'a+0D+0AX:+20y', block: 'message' },
    { name: 'no ENVID', dsn: build({}), field: 'Original-Envelope-Id', value: undefined, block: 'message' },
    { name: 'empty ENVID', dsn: build({ envid: '' }), field: 'Original-Envelope-Id', value: undefined, block: 'message' },
    { name: 'invalid arrival date', dsn: build({ arrivalDate: new Date(Number.NaN) }), field: 'Arrival-Date', value: undefined, block: 'message' },
    { name: 'invalid attempt date', dsn: one({ lastAttempt: new Date(Number.NaN) }), field: 'Last-Attempt-Date', value: undefined },
  ];
  for (const { name, dsn, field: fieldName, value, block } of cases) {
    const fields = block === 'message' ? dsn.perMessage : (dsn.perRecipient[0] ?? []);
    assert.equal(field(fields, fieldName)?.replace(/\s+/g, ' '), value, name);
    assert.equal(dsn.perRecipient.length, 1, name);
    assert.equal(fieldValues(dsn.perRecipient[0] ?? [], 'X-Injected').length, 0, name);
    assert.equal(dsn.parts.length, 3, name);
    assertWellFormedLines(dsn);
  }
});

void test('buildDsn: a long reply is cut and folded', () => {
  const reply = `550 5.7.1 ${'word '.repeat(2000)}${'x'.repeat(3000)}`;
  const dsn = build({ recipients: [{ ...FAILED, diagnostic: reply }] });
  const raw = Buffer.from(section(dsn.raw, dsn.index, { part: [2] })).toString('latin1');
  const lines = raw.split('\r\n');
  const diagnosticLines = lines.slice(lines.findIndex((line) => line.startsWith('Diagnostic-Code:')));
  for (const line of diagnosticLines.slice(0, 10)) assert.ok(line.length <= FOLD_WIDTH, line);
  const value = field(dsn.perRecipient[0] ?? [], 'Diagnostic-Code') ?? '';
  assert.ok(value.replace(/\s+/g, ' ').length <= MAX_DIAGNOSTIC_CHARS + 'smtp; '.length + 10);
  assert.match(value, /\.\.\.$/);
  // A run without spaces longer than a line can hold is broken, never sent as one line.
  const long = build({ recipients: [{ ...FAILED, diagnostic: `550 ${'z'.repeat(1500)}` }] });
  assertWellFormedLines(long);
});

void test('buildDsn: SMTPUTF8 originals get the RFC 6533 global types', () => {
  const message = Buffer.from('From: j\u00f6rg@b\u00fccher.example\r\nSubject: gr\u00fc\u00dfe\r\n\r\nhallo\r\n', 'utf8');
  const recipient: DsnRecipient = { ...FAILED, address: '\u7528\u6237@\u4f8b\u5b50.example', orcpt: 'rfc822;\u7528\u6237@\u4f8b\u5b50.example', diagnostic: '550 5.1.1 unbekannter Empf\u00e4nger' };
  for (const input of [{ smtputf8: true }, { smtputf8: false }] as const) {
    const dsn = build({ ...input, sender: 'j\u00f6rg@b\u00fccher.example', message, recipients: [recipient] });
    assert.deepEqual(dsn.parts.map(contentType), ['text/plain', 'message/global-delivery-status', 'message/global']);
    assert.equal(dsn.parts[0]?.contentType?.params.find(([name]) => name === 'charset')?.[1], 'utf-8');
    assert.equal(dsn.parts[2]?.kind, 'message');
    assert.equal(field(dsn.header, 'To'), '<j\u00f6rg@b\u00fccher.example>');
    assert.equal(field(dsn.perRecipient[0] ?? [], 'Final-Recipient'), 'utf-8; \u7528\u6237@\u4f8b\u5b50.example');
    assert.equal(field(dsn.perRecipient[0] ?? [], 'Original-Recipient'), 'rfc822;\u7528\u6237@\u4f8b\u5b50.example');
    assert.equal(field(dsn.perRecipient[0] ?? [], 'Diagnostic-Code'), 'smtp; 550 5.1.1 unbekannter Empf\u00e4nger');
    assert.ok(dsn.text.includes('unbekannter Empf\u00e4nger'));
    assert.deepEqual(dsn.returned, message);
    assertWellFormedLines(dsn);
  }
  const headers = build({ smtputf8: true, ret: 'HDRS' });
  assert.equal(contentType(headers.parts[2]), 'message/global-headers');
  // ASCII addresses stay rfc822 in a global DSN.
  assert.equal(field(headers.perRecipient[0] ?? [], 'Final-Recipient'), 'rfc822; bob@example.net');
});

void test('buildDsn: error values instead of a DSN', () => {
  const cases: [Partial<DsnInput>, string][] = [
    [{ sender: '' }, 'null-sender'],
    [{ sender: '<>' }, 'null-sender'],
    [{ sender: 'no-at-sign' }, 'invalid-sender'],
    [{ sender: 'a b@example.com' }, 'invalid-sender'],
    [{ sender: 'alice@example.com\r\nBcc: x@example.net' }, 'invalid-sender'],
    [{ sender: '\ud800@example.com' }, 'invalid-sender'],
    [{ recipients: [] }, 'no-recipients'],
    [{ hostname: '' }, 'invalid-hostname'],
    [{ hostname: 'mail.example.com\r\nX: y' }, 'invalid-hostname'],
    [{ messageIdDomain: 'a b' }, 'invalid-message-id-domain'],
    [{ date: new Date(Number.NaN) }, 'invalid-date'],
  ];
  for (const [input, code] of cases) assert.deepEqual(buildDsn({ ...base, ...input }), { ok: false, error: code }, JSON.stringify(input));
  // The sender may come in angle brackets.
  assert.equal(field(build({ sender: '<alice@example.com>' }).header, 'To'), '<alice@example.com>');
  // Without a usable Message-ID local part, a random one.
  const a = build({ messageIdLocal: 'bad id' });
  const b = build({ messageIdLocal: 'bad id' });
  assert.match(field(a.header, 'Message-ID') ?? '', /^<[0-9a-f-]{36}@example\.com>$/);
  assert.notEqual(field(a.header, 'Message-ID'), field(b.header, 'Message-ID'));
});

void test('dsnWanted: RFC 3461 §4.1 NOTIFY', () => {
  const actions: DsnAction[] = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'];
  const cases: { notify: DsnNotify | undefined; delayWhenAbsent?: boolean; wanted: DsnAction[] }[] = [
    { notify: undefined, wanted: ['failed'] },
    { notify: undefined, delayWhenAbsent: true, wanted: ['failed', 'delayed'] },
    { notify: [], wanted: ['failed'] },
    { notify: 'NEVER', wanted: [] },
    { notify: 'NEVER', delayWhenAbsent: true, wanted: [] },
    { notify: ['FAILURE'], wanted: ['failed'] },
    { notify: ['FAILURE'], delayWhenAbsent: true, wanted: ['failed'] },
    { notify: ['DELAY'], wanted: ['delayed'] },
    { notify: ['SUCCESS'], wanted: ['delivered', 'relayed', 'expanded'] },
    { notify: ['SUCCESS', 'FAILURE'], wanted: ['failed', 'delivered', 'relayed', 'expanded'] },
    { notify: ['FAILURE', 'DELAY'], wanted: ['failed', 'delayed'] },
    { notify: ['SUCCESS', 'FAILURE', 'DELAY'], wanted: actions },
  ];
  for (const { notify, delayWhenAbsent, wanted } of cases) {
    const options = delayWhenAbsent === undefined ? {} : { delayWhenAbsent };
    assert.deepEqual(
      actions.filter((action) => dsnWanted(notify, action, options)),
      wanted,
      `${JSON.stringify(notify)} ${String(delayWhenAbsent)}`,
    );
  }
});

void test('property: no recipient string or reply breaks the DSN', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: fc.constantFrom('\r', '\n', ' ', 'a', ':', '-', '=', '"', '\0', '\u00e9', '\u7528', '\ud800'), maxLength: 200 }),
  );
  const recipient = fc.record({
    address: text,
    orcpt: fc.option(text, { nil: undefined }),
    action: fc.constantFrom<DsnAction>('failed', 'delayed', 'delivered', 'relayed', 'expanded'),
    status: text,
    remoteMta: fc.option(text, { nil: undefined }),
    diagnostic: fc.option(text, { nil: undefined }),
    diagnosticType: fc.option(text, { nil: undefined }),
    lastAttempt: fc.option(fc.date({ noInvalidDate: false }), { nil: undefined }),
    willRetryUntil: fc.option(fc.date({ noInvalidDate: false }), { nil: undefined }),
  });
  fc.assert(
    fc.property(fc.array(recipient, { minLength: 1, maxLength: 4 }), fc.option(text, { nil: undefined }), fc.boolean(), (recipients, envid, smtputf8) => {
      const clean = recipients.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as DsnRecipient);
      const result = buildDsn({ ...base, recipients: clean, smtputf8, ...(envid !== undefined ? { envid } : {}) });
      assert.ok(result.ok);
      const dsn = parse(result.value);
      assert.equal(dsn.parts.length, 3);
      assert.equal(dsn.perMessage.length >= 2, true);
      assert.equal(dsn.perRecipient.length, recipients.length);
      const known = new Set(['original-recipient', 'final-recipient', 'action', 'status', 'remote-mta', 'diagnostic-code', 'last-attempt-date', 'will-retry-until']);
      for (const fields of dsn.perRecipient) {
        for (const f of fields) assert.ok(known.has(f.name.toLowerCase()), f.name);
        assert.equal(fieldValues(fields, 'Final-Recipient').length, 1);
        assert.equal(fieldValues(fields, 'Action').length, 1);
        assert.match(field(fields, 'Status') ?? '', /^[245]\.[0-9]{1,3}\.[0-9]{1,3}$/);
      }
      assertWellFormedLines(dsn);
    }),
    { numRuns: 300 },
  );
});
