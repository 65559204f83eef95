import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { indexMessage } from '../../../mail/mime/indexer.ts';
import { bytes, latin1 } from '../wire/wire.test-support.ts';
import { downConvert, hasEightBit } from './downconvert.ts';
import { decodeQuotedPrintable } from './mime.test-support.ts';

function converted(message: string): string {
  const result = downConvert(bytes(message));
  assert.ok(result.ok, result.ok ? '' : result.error);
  return latin1(result.value);
}

function refused(message: string): string {
  const result = downConvert(bytes(message));
  assert.ok(!result.ok, 'expected a refusal');
  return result.error;
}

void test('a 7-bit message is returned as it is (the same array)', () => {
  const raw = bytes('Subject: x\r\nContent-Type: text/plain\r\n\r\nhello\r\n');
  const result = downConvert(raw);
  assert.ok(result.ok);
  assert.equal(result.value, raw);
});

void test('an 8-bit text part becomes quoted-printable, its Content-Transfer-Encoding rewritten (RFC 6152 §3)', () => {
  assert.equal(
    converted('Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\ncaf\xc3\xa9\r\n'),
    'Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n',
  );
  // Without the field, one is added at the end of the header; without Content-Type, RFC 2045 §5.2's text/plain.
  assert.equal(
    converted('Subject: x\r\nMIME-Version: 1.0\r\n\r\ncaf\xc3\xa9'),
    'Subject: x\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9',
  );
  // Folded and duplicated fields: one field replaces them all.
  assert.equal(
    converted('MIME-Version: 1.0\r\nContent-Transfer-Encoding:\r\n 8bit\r\nX: y\r\ncontent-transfer-encoding: 8bit\r\n\r\n\xe9\r\n'),
    'MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\nX: y\r\n\r\n=E9\r\n',
  );
});

const MULTIPART = [
  'From: a@example.com',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  'Content-Transfer-Encoding: 8bit',
  '',
  'preamble',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  'gr\xc3\xbc\xc3\x9fe',
  '--b1',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: binary',
  '',
  '\x00\x01\xff\r\x0a\x0a',
  '--b1',
  'Content-Type: message/rfc822',
  'Content-Transfer-Encoding: 8bit',
  '',
  'Subject: inner',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=iso-8859-1',
  '',
  'd\xe9j\xe0 vu',
  '--b1',
  'Content-Type: text/plain',
  '',
  'seven bit',
  '--b1--',
  'epilogue',
  '',
].join('\r\n');

void test('a multipart: text to quoted-printable, binary to base64, composites relabelled 7bit (RFC 2045 §6.4)', () => {
  const out = converted(MULTIPART);
  assert.ok(!hasEightBit(bytes(out)));
  assert.match(out, /^From: a@example\.com\r\nMIME-Version: 1\.0\r\nContent-Type: multipart\/mixed; boundary="b1"\r\nContent-Transfer-Encoding: 7bit\r\n\r\npreamble\r\n--b1\r\n/);
  assert.ok(out.includes('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ngr=C3=BC=C3=9Fe\r\n--b1\r\n'));
  assert.ok(out.includes(`Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('\x00\x01\xff\r\n\n', 'latin1').toString('base64')}\r\n\r\n--b1\r\n`));
  assert.ok(out.includes('Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit\r\n\r\nSubject: inner\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nd=E9j=E0 vu\r\n--b1\r\n'));
  assert.ok(out.endsWith('Content-Type: text/plain\r\n\r\nseven bit\r\n--b1--\r\nepilogue\r\n'));
  // The structure is unchanged: the same parts, found at their new places.
  const before = indexMessage(bytes(MULTIPART)).root;
  const after = indexMessage(bytes(out)).root;
  assert.deepEqual(after.children.map((part) => part.contentType?.subtype), before.children.map((part) => part.contentType?.subtype));
  const [text, binary] = after.children;
  assert.ok(text && binary);
  assert.equal(latin1(decodeQuotedPrintable(out.slice(text.bodyStart, text.bodyEnd))), 'gr\xc3\xbc\xc3\x9fe');
  assert.equal(Buffer.from(out.slice(binary.bodyStart, binary.bodyEnd), 'base64').toString('latin1'), '\x00\x01\xff\r\n\n');
});

void test('what cannot be converted faithfully is refused, with the reason', () => {
  assert.match(refused('Subject: caf\xc3\xa9\r\nMIME-Version: 1.0\r\n\r\nbody \xe9\r\n'), /header/);
  assert.match(refused('Subject: x\r\n\r\nnot MIME \xe9\r\n'), /not MIME/);
  assert.match(refused('MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nraw \xe9\r\n'), /quoted-printable/);
  assert.match(refused('MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\n\xe9\r\n'), /base64/);
  assert.match(refused('MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\npre \xe9\r\n--b\r\n\r\nx\r\n--b--\r\n'), /preamble/);
  assert.match(refused(`MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: \xe9\r\n\r\nx\r\n--b--\r\n`), /header/);
});

void test('a binary-labelled part without 8-bit octets is still re-encoded (it may hold bare CR, LF or NUL)', () => {
  assert.equal(
    converted('MIME-Version: 1.0\r\nContent-Type: application/x-thing\r\nContent-Transfer-Encoding: binary\r\n\r\na\nb\x00'),
    `MIME-Version: 1.0\r\nContent-Type: application/x-thing\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('a\nb\x00').toString('base64')}\r\n`,
  );
  const empty = bytes('MIME-Version: 1.0\r\nContent-Transfer-Encoding: binary\r\n\r\n');
  const result = downConvert(empty);
  assert.ok(result.ok);
  assert.equal(result.value, empty, 'an empty body needs nothing');
});

void test('property: any 8-bit text in a MIME part converts to 7-bit that decodes back to the text', () => {
  const octets = fc.array(fc.oneof(fc.constantFrom(0x0d, 0x0a, 0x20, 0x2d, 0x2e, 0x3d), fc.integer({ min: 0, max: 255 })), { maxLength: 300 }).map((array) => Uint8Array.from(array));
  fc.assert(
    fc.property(octets, fc.boolean(), (body, multipart) => {
      const header = multipart
        ? 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="=_b"\r\n\r\n--=_b\r\nContent-Type: text/plain\r\n\r\n'
        : 'MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n';
      const trailer = multipart ? '\r\n--=_b--\r\n' : '';
      // A body line that is itself a boundary would change the structure: not a text to convert.
      if (multipart && /(^|\n)--=_b/.test(latin1(body))) return;
      const message = Buffer.concat([Buffer.from(header), body, Buffer.from(trailer)]);
      const result = downConvert(message);
      assert.ok(result.ok, result.ok ? '' : result.error);
      assert.ok(!hasEightBit(result.value));
      const part = multipart ? indexMessage(result.value).root.children[0] : indexMessage(result.value).root;
      assert.ok(part !== undefined);
      if (!hasEightBit(body)) {
        assert.equal(result.value, message, 'nothing to convert');
        return;
      }
      const decoded = decodeQuotedPrintable(latin1(result.value.subarray(part.bodyStart, part.bodyEnd)));
      assert.equal(latin1(decoded), latin1(body).replace(/\r?\n/g, '\r\n'));
    }),
    { numRuns: 500 },
  );
});
