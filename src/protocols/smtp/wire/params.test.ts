import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_ENVID_CHARS, MAX_ORCPT_ADDRESS_CHARS, MAX_SIZE_DIGITS, parseMailParams, parseRcptParams, type MailParams, type RcptParams } from './params.ts';

const NO_UTF8 = { utf8: false };

void test('MAIL parameters into typed fields', () => {
  const valid: readonly (readonly [string, MailParams])[] = [
    ['', {}],
    ['SIZE=0', { size: 0 }],
    ['size=1000', { size: 1000 }],
    ['SIZE=00012', { size: 12 }],
    ['SIZE=99999999999999999999', { size: Number.MAX_SAFE_INTEGER }],
    ['BODY=8bitmime', { body: '8BITMIME' }],
    ['BODY=7BIT', { body: '7BIT' }],
    ['Body=BinaryMIME', { body: 'BINARYMIME' }],
    ['SMTPUTF8', { smtputf8: true }],
    ['REQUIRETLS', { requireTls: true }],
    ['RET=hdrs', { ret: 'HDRS' }],
    ['RET=FULL', { ret: 'FULL' }],
    ['ENVID=QQ314159+2Bx', { envid: 'QQ314159+x' }],
    ['AUTH=<>', { auth: '<>' }],
    ['AUTH=e+3Dmc2@example.com', { auth: 'e=mc2@example.com' }],
    ['SIZE=1 BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=x AUTH=<> REQUIRETLS', { size: 1, body: '8BITMIME', smtputf8: true, ret: 'FULL', envid: 'x', auth: '<>', requireTls: true }],
  ];
  for (const [text, expected] of valid) assert.deepEqual(parseMailParams(text), { ok: true, value: expected }, text);
});

void test('bad MAIL parameters: 555 when unknown (RFC 5321 §4.1.1.11), 501 5.5.4 when bad or repeated', () => {
  const invalid: readonly (readonly [string, number, string])[] = [
    ['XFOO=1', 555, '5.5.4'],
    ['NOTIFY=NEVER', 555, '5.5.4'], // a RCPT parameter
    ['constructor', 555, '5.5.4'],
    ['toString=x', 555, '5.5.4'],
    ['hasOwnProperty', 555, '5.5.4'],
    ['__proto__', 501, '5.5.2'], // not even an esmtp-keyword
    ['__proto__=x', 501, '5.5.2'],
    ['SIZE', 501, '5.5.4'],
    ['SIZE=', 501, '5.5.2'],
    ['SIZE=-1', 501, '5.5.4'],
    ['SIZE=1.5', 501, '5.5.4'],
    ['SIZE=1e3', 501, '5.5.4'],
    [`SIZE=${'9'.repeat(25)}`, 501, '5.5.4'],
    ['SIZE=1 SIZE=2', 501, '5.5.4'],
    ['SIZE=1 size=1', 501, '5.5.4'],
    ['BODY=9BIT', 501, '5.5.4'],
    ['BODY', 501, '5.5.4'],
    ['SMTPUTF8=yes', 501, '5.5.4'],
    ['SMTPUTF8 SMTPUTF8', 501, '5.5.4'],
    ['REQUIRETLS=1', 501, '5.5.4'],
    ['RET=ALL', 501, '5.5.4'],
    ['ENVID=a+2b', 501, '5.5.4'], // lower-case hex (RFC 3461 §4)
    ['ENVID=+00', 501, '5.5.4'], // NUL is not printable
    ['ENVID=+C3+BC', 501, '5.5.4'], // not US-ASCII
    ['ENVID=ü', 501, '5.5.4'],
    ['AUTH', 501, '5.5.4'],
    ['AUTH=+0D+0A', 501, '5.5.4'],
    ['SIZE=1  BODY=7BIT', 501, '5.5.2'], // two spaces
    ['SIZE=1 ', 501, '5.5.2'],
    [' SIZE=1', 501, '5.5.2'],
    ['SIZE=1=2', 501, '5.5.2'],
    ['-X=1', 501, '5.5.2'],
    ['SIZE=\u0000', 501, '5.5.2'],
  ];
  for (const [text, code, enhanced] of invalid) {
    const result = parseMailParams(text);
    assert.equal(result.ok, false, text);
    if (!result.ok) assert.deepEqual([result.error.code, result.error.enhanced], [code, enhanced], text);
  }
  // No keyword ever reaches an object: the prototype is untouched.
  assert.equal(Object.prototype.toString.call({}), '[object Object]');
  assert.equal(({} as Record<string, unknown>)['x'], undefined);
});

void test('MAX_SIZE_DIGITS: RFC 1870 size-value is 1*20DIGIT', () => {
  assert.equal(MAX_SIZE_DIGITS, 20);
  assert.ok(parseMailParams(`SIZE=${'1'.repeat(20)}`).ok);
  assert.equal(parseMailParams(`SIZE=${'1'.repeat(21)}`).ok, false);
});

void test('MAX_ENVID_CHARS: RFC 3461 §4.4, 100 characters once decoded', () => {
  assert.equal(MAX_ENVID_CHARS, 100);
  assert.deepEqual(parseMailParams(`ENVID=${'a'.repeat(100)}`), { ok: true, value: { envid: 'a'.repeat(100) } });
  assert.ok(parseMailParams(`ENVID=${'+2B'.repeat(100)}`).ok);
  assert.equal(parseMailParams(`ENVID=${'a'.repeat(101)}`).ok, false);
});

void test('RCPT parameters: NOTIFY and ORCPT (RFC 3461 §4.1-4.2, RFC 6533 §3)', () => {
  const valid: readonly (readonly [string, boolean, RcptParams])[] = [
    ['', false, {}],
    ['NOTIFY=NEVER', false, { notify: 'NEVER' }],
    ['notify=success,failure', false, { notify: ['SUCCESS', 'FAILURE'] }],
    ['NOTIFY=DELAY,SUCCESS,DELAY', false, { notify: ['DELAY', 'SUCCESS'] }],
    ['ORCPT=rfc822;user+40example.com', false, { orcpt: { addrType: 'rfc822', address: 'user@example.com' } }],
    ['ORCPT=RFC822;a+2Bb@example.com', false, { orcpt: { addrType: 'rfc822', address: 'a+b@example.com' } }],
    ['ORCPT=utf-8;\\x{FC}ser@example.com', false, { orcpt: { addrType: 'utf-8', address: 'üser@example.com' } }],
    ['ORCPT=UTF-8;üser@bücher.example', true, { orcpt: { addrType: 'utf-8', address: 'üser@bücher.example' } }],
    ['NOTIFY=FAILURE ORCPT=rfc822;a@b', false, { notify: ['FAILURE'], orcpt: { addrType: 'rfc822', address: 'a@b' } }],
  ];
  for (const [text, utf8, expected] of valid) assert.deepEqual(parseRcptParams(text, { utf8 }), { ok: true, value: expected }, text);
  const invalid: readonly (readonly [string, boolean, number])[] = [
    ['SIZE=1', false, 555],
    ['constructor=1', false, 555],
    ['NOTIFY', false, 501],
    ['NOTIFY=NEVER,SUCCESS', false, 501],
    ['NOTIFY=SUCCESS,', false, 501],
    ['NOTIFY=ALWAYS', false, 501],
    ['NOTIFY=NEVER NOTIFY=NEVER', false, 501],
    ['ORCPT=user@example.com', false, 501],
    ['ORCPT=;user@example.com', false, 501],
    ['ORCPT=rfc822;', false, 501],
    ['ORCPT=rfc(822;a@b', false, 501],
    ['ORCPT=rfc822;a+0Ab', false, 501],
    ['ORCPT=rfc822;a+2bb', false, 501],
    ['ORCPT=utf-8;üser@bücher.example', false, 501], // unitext needs SMTPUTF8
    ['ORCPT=utf-8;a+b@example.com', true, 501],
    ['ORCPT=rfc822;a@b ORCPT=rfc822;a@b', false, 501],
  ];
  for (const [text, utf8, code] of invalid) {
    const result = parseRcptParams(text, { utf8 });
    assert.equal(result.ok ? 0 : result.error.code, code, text);
  }
});

void test('MAX_ORCPT_ADDRESS_CHARS: RFC 3461 §4.2, 500 characters once decoded', () => {
  assert.equal(MAX_ORCPT_ADDRESS_CHARS, 500);
  assert.ok(parseRcptParams(`ORCPT=rfc822;${'a'.repeat(500)}`, NO_UTF8).ok);
  assert.equal(parseRcptParams(`ORCPT=rfc822;${'a'.repeat(501)}`, NO_UTF8).ok, false);
});

void test('property: parameter parsers never throw', () => {
  const token = fc.oneof(
    fc.constantFrom('SIZE', 'BODY', 'SMTPUTF8', 'RET', 'ENVID', 'AUTH', 'REQUIRETLS', 'NOTIFY', 'ORCPT', '__proto__', 'constructor'),
    fc.string({ maxLength: 10 }),
  );
  const param = fc.tuple(token, fc.option(fc.string({ unit: 'binary', maxLength: 20 }))).map(([k, v]) => (v === null ? k : `${k}=${v}`));
  fc.assert(
    fc.property(fc.array(param, { maxLength: 5 }), fc.boolean(), (params, utf8) => {
      const text = params.join(' ');
      parseMailParams(text);
      parseRcptParams(text, { utf8 });
    }),
    { numRuns: 2000 },
  );
});
