import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytes, latin1 } from '../wire/wire.test-support.ts';
import { NO_EXTENSIONS, type Extensions } from './extensions.ts';
import { crlfLines, planMessage, type MessagePlan } from './message-plan.ts';
import type { OutgoingMessage } from './types.ts';

const ALL: Extensions = {
  ...NO_EXTENSIONS,
  pipelining: true,
  size: 1000,
  eightBitMime: true,
  smtputf8: true,
  chunking: true,
  binaryMime: true,
  dsn: true,
  requireTls: true,
  enhancedStatusCodes: true,
};

const TEXT = 'Subject: hi\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n';

function message(overrides: Partial<OutgoingMessage> = {}, body = 'hello\r\n'): OutgoingMessage {
  return { sender: 'a@example.com', recipients: [{ address: 'b@example.net' }], body: '7BIT', smtputf8: false, requireTls: false, data: bytes(TEXT + body), ...overrides };
}

function send(plan: MessagePlan): Extract<MessagePlan, { kind: 'send' }> {
  assert.equal(plan.kind, 'send', plan.kind === 'refuse' ? plan.detail : '');
  return plan as Extract<MessagePlan, { kind: 'send' }>;
}

function refusal(plan: MessagePlan): string {
  assert.equal(plan.kind, 'refuse');
  return (plan as Extract<MessagePlan, { kind: 'refuse' }>).enhanced;
}

const secure = (extensions: Extensions) => ({ extensions, tlsAuthorized: true });

void test('a 7-bit message: SIZE= when offered, BDAT when CHUNKING is, nothing else', () => {
  const data = TEXT.length + 'hello\r\n'.length;
  assert.deepEqual(send(planMessage(message(), secure(ALL))), { kind: 'send', mail: `MAIL FROM:<a@example.com> SIZE=${data}`, smtputf8: false, data: bytes(`${TEXT}hello\r\n`), transfer: 'bdat', converted: false });
  const plain = send(planMessage(message(), secure(NO_EXTENSIONS)));
  assert.equal(plain.mail, 'MAIL FROM:<a@example.com>');
  assert.equal(plain.transfer, 'data');
});

void test('RFC 8689 §4.2.1: REQUIRETLS needs a valid certificate (else it waits, 4.7.30) and the extension (else 5.7.30)', () => {
  assert.equal(send(planMessage(message({ requireTls: true }), secure(ALL))).mail, `MAIL FROM:<a@example.com> SIZE=${TEXT.length + 7} REQUIRETLS`);
  const unverified = planMessage(message({ requireTls: true }), { extensions: ALL, tlsAuthorized: false });
  assert.deepEqual([refusal(unverified), unverified.kind === 'refuse' && unverified.status], ['4.7.30', 'temporary']);
  const lacking = planMessage(message({ requireTls: true }), secure({ ...ALL, requireTls: false }));
  assert.deepEqual([refusal(lacking), lacking.kind === 'refuse' && lacking.status], ['5.7.30', 'permanent']);
});

void test('RFC 6531 §3.4: SMTPUTF8 when needed and offered; 5.6.7 (addresses) or 5.6.9 (header fields) when not offered', () => {
  const utf8Envelope = message({ recipients: [{ address: 'jürgen@bücher.example' }] });
  assert.match(send(planMessage(utf8Envelope, secure(ALL))).mail, / SMTPUTF8$/);
  assert.equal(send(planMessage(utf8Envelope, secure(ALL))).smtputf8, true);
  assert.equal(refusal(planMessage(utf8Envelope, secure({ ...ALL, smtputf8: false }))), '5.6.7');
  assert.equal(refusal(planMessage(message({ sender: 'jürgen@example.com' }), secure({ ...ALL, smtputf8: false }))), '5.6.7');
  const utf8Header = message({ smtputf8: true, data: bytes('Subject: gr\xc3\xbc\xc3\x9fe\r\n\r\nx\r\n') });
  assert.equal(refusal(planMessage(utf8Header, secure({ ...ALL, smtputf8: false }))), '5.6.9');
  // Arrived with SMTPUTF8 but needs none of it: sent without it (RFC 6531 §3.4).
  assert.equal(send(planMessage(message({ smtputf8: true }), secure({ ...ALL, smtputf8: false, size: undefined }))).mail, 'MAIL FROM:<a@example.com>');
  assert.equal(send(planMessage(message({ smtputf8: true }), secure({ ...ALL, size: undefined }))).mail, 'MAIL FROM:<a@example.com> SMTPUTF8');
});

void test('RFC 6152: BODY=8BITMIME when offered, else down-conversion, else 5.6.3', () => {
  const eight = message({ body: '8BITMIME' }, 'caf\xc3\xa9\r\n');
  const offered = send(planMessage(eight, secure({ ...ALL, size: undefined })));
  assert.equal(offered.mail, 'MAIL FROM:<a@example.com> BODY=8BITMIME');
  assert.equal(offered.converted, false);
  const converted = send(planMessage(eight, secure({ ...ALL, size: undefined, eightBitMime: false })));
  assert.equal(converted.mail, 'MAIL FROM:<a@example.com>');
  assert.equal(converted.converted, true);
  assert.ok(latin1(converted.data).endsWith('Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n'));
  // Labelled 7BIT but holding 8-bit octets: judged by the octets.
  assert.equal(send(planMessage(message({}, '\xe9\r\n'), secure({ ...ALL, size: undefined }))).mail, 'MAIL FROM:<a@example.com> BODY=8BITMIME');
  // Labelled 8BITMIME, all 7-bit: the label is kept where offered.
  assert.equal(send(planMessage(message({ body: '8BITMIME' }), secure({ ...ALL, size: undefined }))).mail, 'MAIL FROM:<a@example.com> BODY=8BITMIME');
  assert.equal(send(planMessage(message({ body: '8BITMIME' }), secure(NO_EXTENSIONS))).mail, 'MAIL FROM:<a@example.com>');
  const notMime = message({ data: bytes('Subject: x\r\n\r\ncaf\xc3\xa9\r\n') });
  assert.equal(refusal(planMessage(notMime, secure({ ...ALL, eightBitMime: false }))), '5.6.3');
});

void test('RFC 3030 §3: BINARYMIME with CHUNKING goes untouched by BDAT; without, converted or 5.6.3', () => {
  const binaryData = bytes('MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n\x00\xff\n\r');
  const binary = message({ body: 'BINARYMIME', data: binaryData });
  const raw = send(planMessage(binary, secure({ ...ALL, size: undefined })));
  assert.deepEqual([raw.mail, raw.transfer, raw.data], ['MAIL FROM:<a@example.com> BODY=BINARYMIME', 'bdat', binaryData]);
  const downgraded = send(planMessage(binary, secure({ ...ALL, size: undefined, binaryMime: false })));
  assert.equal(downgraded.mail, 'MAIL FROM:<a@example.com>');
  assert.ok(latin1(downgraded.data).endsWith(`Content-Transfer-Encoding: base64\r\n\r\n${Buffer.from('\x00\xff\n\r', 'latin1').toString('base64')}\r\n`));
  const binaryText = message({ body: 'BINARYMIME', data: bytes('Subject: x\r\n\r\n\x00\xff') });
  assert.equal(refusal(planMessage(binaryText, secure({ ...ALL, chunking: false }))), '5.6.3');
});

void test('RFC 1870: a message over the server\'s fixed SIZE is refused at once with 5.3.4; SIZE 0 is no limit', () => {
  const big = message({}, 'x'.repeat(2000));
  assert.equal(refusal(planMessage(big, secure(ALL))), '5.3.4');
  assert.match(send(planMessage(big, secure({ ...ALL, size: 0 }))).mail, /SIZE=2\d{3}/);
  assert.doesNotMatch(send(planMessage(big, secure({ ...ALL, size: undefined }))).mail, /SIZE/);
});

void test('DSN parameters are passed on only when the server offers DSN; a bad sender is refused 5.1.7', () => {
  const dsn = message({ ret: 'HDRS', envid: 'Q123' });
  assert.equal(send(planMessage(dsn, secure({ ...ALL, size: undefined }))).mail, 'MAIL FROM:<a@example.com> RET=HDRS ENVID=Q123');
  assert.equal(send(planMessage(dsn, secure({ ...ALL, size: undefined, dsn: false }))).mail, 'MAIL FROM:<a@example.com>');
  assert.equal(send(planMessage(message({ sender: '' }), secure(NO_EXTENSIONS))).mail, 'MAIL FROM:<>');
  assert.equal(refusal(planMessage(message({ sender: 'a@b>\r\nRSET' }), secure(NO_EXTENSIONS))), '5.1.7');
});

void test('crlfLines: every line end CRLF and a final CRLF (RFC 5321 §2.3.8, §4.1.1.4)', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['', ''],
    ['a\r\n', 'a\r\n'],
    ['a', 'a\r\n'],
    ['a\nb\rc\r\n', 'a\r\nb\r\nc\r\n'],
    ['\n\n', '\r\n\r\n'],
    ['\r', '\r\n'],
    ['a\r\r\n', 'a\r\n\r\n'],
  ];
  for (const [input, output] of cases) assert.equal(latin1(crlfLines(bytes(input))), output, JSON.stringify(input));
  const clean = bytes('a\r\nb\r\n');
  assert.equal(crlfLines(clean), clean, 'unchanged input is not copied');
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', '\r', '\n', '.') }), (text) => {
      const out = latin1(crlfLines(bytes(text)));
      assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(out));
      assert.ok(out === '' || out.endsWith('\r\n'));
      assert.equal(latin1(crlfLines(bytes(out))), out, 'idempotent');
    }),
  );
});
