// Tables for the transfer decoders (RFC 2045 §6.7, §6.8), BINARY (RFC 3516), encoded words
// (RFC 2047), sent dates (RFC 5322 §3.3, §4.3) and the SEARCH text helpers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parameterValue, partFileName } from './parameters.ts';
import { binarySection, binarySize, bodyText, decodeEncodedWords, decodedAddresses, decodedSubject, headerText, headerValues, indexMessage, parseDateTime, sentDate, sortDate } from './mime.ts';
import { decodeBase64, decodeQuotedPrintable } from './transfer-decoding.ts';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
const latin1 = (value: Uint8Array) => Buffer.from(value).toString('latin1');

test('base64: white space ignored, padding rules, malformed input reported', () => {
  const cases: [string, string, boolean][] = [
    ['aGVsbG8=', 'hello', false],
    ['  aGVs  \r\n bG8g\td29y  \r\n bGQ= \r\n', 'hello world', false],
    ['', '', false],
    ['aGVsbG8', 'hello', true], // Missing padding.
    ['aGVsbA==aGVsbA==', 'hell', true], // Data after the padding.
    ['aGV%sbG8=', 'hello', true],
    ['a===', '', true],
    ['YQ==', 'a', false],
    ['YWI=', 'ab', false],
  ];
  for (const [input, output, malformed] of cases) {
    const result = decodeBase64(bytes(input));
    assert.equal(result.malformed, malformed, input);
    assert.equal(latin1(result.bytes), output, input);
  }
});

test('quoted-printable: escapes, soft breaks, trailing white space, malformed escapes', () => {
  const cases: [string, string, boolean][] = [
    ['Caf=E9', 'Caf\xe9', false],
    ['soft=\r\nbreak', 'softbreak', false],
    ['soft=  \r\nbreak', 'softbreak', false],
    ['trailing   \r\nx', 'trailing\r\nx', false],
    ['bare\nlf', 'bare\r\nlf', false],
    ['lower=c3=a9', 'lower\xc3\xa9', false],
    ['bad =ZZ', 'bad =ZZ', true],
    ['end =4', 'end =4', true],
    ['end =', 'end =', true],
    ['tab=09x', 'tab\tx', false],
  ];
  for (const [input, output, malformed] of cases) {
    const result = decodeQuotedPrintable(bytes(input));
    assert.equal(result.malformed, malformed, input);
    assert.equal(latin1(result.bytes), output, input);
  }
});

test('BINARY: decoded leaves, converted containers, UNKNOWN-CTE and INVALID-DATA, partial', () => {
  const raw = bytes('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--b\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nabc\r\n--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: in\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n--b--\r\n');
  const index = indexMessage(raw);
  assert.deepEqual(binarySection(raw, index, [1]), { ok: true, bytes: bytes('hello') });
  assert.deepEqual(binarySection(raw, index, [1], { offset: 1, length: 3 }), { ok: true, bytes: bytes('ell') });
  assert.deepEqual(binarySection(raw, index, [2]), { ok: false, error: 'UNKNOWN-CTE' });
  assert.deepEqual(binarySection(raw, index, [3]), { ok: false, error: 'INVALID-DATA' });
  assert.deepEqual(binarySection(raw, index, [4]), { ok: true, bytes: bytes('Subject: in\r\nContent-Transfer-Encoding: binary\r\n\r\nhi') });
  assert.deepEqual(binarySection(raw, index, [4, 1]), { ok: true, bytes: bytes('hi') });
  assert.deepEqual(binarySection(raw, index, [9]), { ok: true, bytes: new Uint8Array(0) });
  assert.deepEqual(binarySize(raw, index, [1]), { ok: true, size: 5 });
  assert.deepEqual(binarySize(raw, index, [4]), { ok: true, size: 52 });
  assert.deepEqual(binarySection(raw, index, []), { ok: false, error: 'UNKNOWN-CTE' });
});

test('encoded words: B and Q, charsets, adjacent words, malformed words kept', () => {
  const cases: [string, string][] = [
    ['=?utf-8?q?J=C3=B6rg?=', 'Jörg'],
    ['=?ISO-8859-1?Q?caf=E9_cr=E8me?=', 'café crème'],
    ['=?utf-8?b?w4lsb2lzZQ==?=', 'Éloise'],
    ['=?utf-8?q?a?= =?utf-8?q?b?=', 'ab'],
    ['=?utf-8?q?a?= x =?utf-8?q?b?=', 'a x b'],
    ['=?utf-8?b?4oI=?= =?utf-8?b?rA==?=', '€'], // A character split across two words.
    ['=?utf-8*en?q?hi?=', 'hi'],
    ['=?x-unknown?q?abc?=', 'abc'],
    ['not =?encoded', 'not =?encoded'],
    ['raw \xc3\xa9 utf-8', 'raw é utf-8'],
    ['raw \xe9 latin1', 'raw é latin1'],
  ];
  for (const [input, output] of cases) assert.equal(decodeEncodedWords(input), output, input);
});

test('sent dates: RFC 5322 forms, obsolete forms, garbage', () => {
  const cases: [string, string | undefined, number?][] = [
    ['Mon, 05 Feb 2024 10:11:12 +0100', '2024-02-05', Date.UTC(2024, 1, 5, 9, 11, 12)],
    ['5 Feb 24 10:11 EST (Eastern)', '2024-02-05', Date.UTC(2024, 1, 5, 15, 11)],
    ['Tue, 1 Jan 99 00:00:00 GMT', '1999-01-01', Date.UTC(1999, 0, 1)],
    ['Fri, 31 Dec 2021 23:59:59 -0800', '2021-12-31', Date.UTC(2022, 0, 1, 7, 59, 59)],
    ['Wed, 30 Feb 2024 10:00:00 +0000', undefined],
    ['garbage', undefined],
    ['', undefined],
  ];
  for (const [input, day, time] of cases) {
    const parsed = parseDateTime(input);
    assert.equal(parsed?.day, day, input);
    if (time !== undefined) assert.equal(parsed?.time, time, input);
  }
  const raw = bytes('Date: bad\r\nDate: 12 Feb 2024 10:00 GMT\r\n\r\nx');
  assert.equal(sentDate(raw, indexMessage(raw))?.day, '2024-02-12');
  const undated = bytes('Subject: x\r\n\r\n');
  assert.equal(sortDate(undated, indexMessage(undated), new Date(5000)), 5000); // RFC 5256 §2.2
});

test('SEARCH text: header values, addresses, subject and body text decoded', () => {
  const raw = bytes("From: =?utf-8?q?J=C3=B6rg?= <joerg@example.de>, team: a@b;\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n aus K\xc3\xb6ln\r\nX-Two: 1\r\nx-two: 2\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n--b\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPGI+aGk8L2I+\r\n--b\r\nContent-Type: image/png\r\n\r\nnot text\r\n--b--\r\n");
  const index = indexMessage(raw);
  assert.equal(decodedSubject(raw, index), 'Grüße aus Köln');
  assert.deepEqual(headerValues(raw, index, 'X-TWO'), ['1', '2']);
  assert.deepEqual(decodedAddresses(raw, index, 'from'), [
    { name: 'Jörg', mailbox: 'joerg', domain: 'example.de', address: 'joerg@example.de' },
    { mailbox: 'a', domain: 'b', address: 'a@b', group: 'team' },
  ]);
  assert.equal(bodyText(raw, index), 'café\n<b>hi</b>');
  assert.deepEqual(headerValues(raw, index, '__proto__'), []);
});

test('SEARCH TEXT: header encoded words decoded, message/* leaves searched, UTF-8 kept around bad octets', () => {
  const header = bytes('Subject: =?utf-8?q?Encoded_=E2=82=AC?=\r\n continued\r\nX-Plain: yes\r\n\r\n');
  assert.equal(headerText(header, indexMessage(header)), 'Subject: Encoded € continued\nX-Plain: yes');
  const report = bytes('Content-Type: multipart/report; boundary=r\r\n\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; a@b\r\n--r--\r\n');
  assert.match(bodyText(report, indexMessage(report)), /Final-Recipient: rfc822; a@b/);
  const mixed = bytes('Content-Type: text/plain; charset=utf-8\r\n\r\nSch\xc3\xb6ne\r\ncaf\xe9\r\n');
  assert.equal(bodyText(mixed, indexMessage(mixed)), 'Schöne\r\ncaf\ufffd\r\n');
});

test('parameters: RFC 2231 extended values and encoded words decoded', () => {
  const raw = bytes("Content-Type: text/plain; name*0*=utf-8''%E2%82%AC%20; name*1=rates.txt; title==?utf-8?q?caf=C3=A9?=\r\nContent-Disposition: attachment; filename*=iso-8859-1'fr'%E9t%E9.txt\r\n\r\nx");
  const root = indexMessage(raw).root;
  assert.equal(parameterValue(root.contentType?.params ?? [], 'NAME'), '€ rates.txt');
  assert.equal(parameterValue(root.contentType?.params ?? [], 'title'), 'café');
  assert.equal(parameterValue(root.contentType?.params ?? [], 'missing'), undefined);
  assert.equal(partFileName(root), 'été.txt');
});
