// Tables for the part indexer, BODYSTRUCTURE, ENVELOPE and sections on small messages; the
// Dovecot corners are also covered by the imaptest fixtures and the Dovecot differential test.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Section } from '../../protocols/imap/wire/types.ts';
import { bodyStructure, envelope, findPart, indexMessage, section, sectionSize } from './mime.ts';
import type { MimePart, SectionSpec } from './types.ts';

const bytes = (text: string) => new Uint8Array(Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1'));
const text = (value: Uint8Array) => Buffer.from(value).toString('latin1');

function shape(part: MimePart): unknown {
  return part.children.length > 0 ? [part.kind, ...part.children.map(shape)] : part.kind;
}

const MIXED = bytes('Subject: m\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\npreamble\n--b\nContent-Type: text/plain\n\none\n--b\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner body\n--b--\nepilogue\n');

test('indexer: part trees, offsets and line counts', () => {
  const cases: { name: string; message: string; shape: unknown }[] = [
    { name: 'plain', message: 'Subject: x\n\nbody\n', shape: 'text' },
    { name: 'no header', message: '\nbody', shape: 'text' },
    { name: 'empty', message: '', shape: 'text' },
    { name: 'header only', message: 'Subject: x', shape: 'text' },
    { name: 'basic type', message: 'Content-Type: image/png\n\nx', shape: 'basic' },
    { name: 'non-MIME fields ignored', message: 'Content-Transfer-Encoding: base64\n\nx', shape: 'text' },
    { name: 'multipart', message: 'Content-Type: multipart/mixed; boundary=b\n\n--b\n\na\n--b\n\nb\n--b--\n', shape: ['multipart', 'text', 'text'] },
    { name: 'multipart without boundary', message: 'Content-Type: multipart/mixed\n\n--b\n\na\n', shape: 'multipart' },
    { name: 'missing close delimiter', message: 'Content-Type: multipart/mixed; boundary=b\n\n--b\n\na\n--b\n\nb\n', shape: ['multipart', 'text', 'text'] },
    { name: 'message/rfc822', message: 'Content-Type: message/rfc822\n\nSubject: in\n\nx\n', shape: ['message', 'text'] },
    { name: 'digest default', message: 'Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: in\n\nx\n--d--\n', shape: ['multipart', ['message', 'text']] },
    { name: 'nested prefix boundaries', message: 'Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=ab\n\n--ab\n\nx\n--ab--\n--a\n\ny\n--a--\n', shape: ['multipart', ['multipart', 'text'], 'text'] },
    { name: 'parent boundary closes child', message: 'Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=c\n\n--c\n\nx\n--a\n\ny\n--a--\n', shape: ['multipart', ['multipart', 'text'], 'text'] },
  ];
  for (const { name, message, shape: expected } of cases) {
    const raw = bytes(message);
    const index = indexMessage(raw);
    assert.deepEqual(shape(index.root), expected, name);
    assert.equal(index.size, raw.length, name);
    assert.equal(index.root.bodyEnd, raw.length, name);
  }
  const index = indexMessage(MIXED);
  const [one, two] = index.root.children as [MimePart, MimePart];
  assert.equal(text(MIXED.subarray(one.headerStart, one.bodyStart)), 'Content-Type: text/plain\r\n\r\n');
  assert.equal(text(MIXED.subarray(one.bodyStart, one.bodyEnd)), 'one'); // The CRLF belongs to the boundary.
  assert.equal(one.headerLines, 2);
  assert.equal(one.bodyLines, 0);
  assert.equal(two.kind, 'message');
  assert.equal(text(MIXED.subarray(two.bodyStart, two.bodyEnd)), 'Subject: inner\r\n\r\ninner body');
  assert.equal(two.bodyLines, 2);
});

test('indexer: Content-* fields, first occurrence, RFC 2231', () => {
  const raw = bytes("MIME-Version: 1.0\nContent-Type: Text/HTML; CHARSET=utf-8; name*0*=utf-8''%E2%82%AC; name*1=\" x\"\nContent-Type: text/plain\nContent-Transfer-Encoding: Base64 (c)\nContent-ID: <id>\nContent-Description: d\nContent-Disposition: attachment; filename=a.txt\nContent-Language: en, fr\nContent-Location: loc\nContent-MD5: md5\n\naGk=\n");
  const root = indexMessage(raw).root;
  assert.deepEqual(root.contentType, { type: 'Text', subtype: 'HTML', params: [['CHARSET', 'utf-8'], ['name*', "utf-8''%E2%82%AC x"]] });
  assert.equal(root.encoding, 'Base64');
  assert.equal(root.id, '<id>');
  assert.deepEqual(root.disposition, { value: 'attachment', params: [['filename', 'a.txt']] });
  assert.deepEqual(root.language, ['en', 'fr']);
  assert.deepEqual(bodyStructure(raw, indexMessage(raw), { extensible: true }), [
    'Text', 'HTML', ['CHARSET', 'utf-8', 'name*', "utf-8''%E2%82%AC x"], '<id>', 'd', 'Base64', 6, 1, 'md5', ['attachment', ['filename', 'a.txt']], ['en', 'fr'], 'loc',
  ]);
});

test('BODYSTRUCTURE and BODY: defaults, multipart, message/rfc822', () => {
  const index = indexMessage(MIXED);
  assert.deepEqual(bodyStructure(MIXED, index, { extensible: false }), [
    ['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', 3, 0],
    ['message', 'rfc822', null, null, null, '7bit', 28, [null, 'inner', null, null, null, null, null, null, null, null], ['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', 10, 0], 2],
    'mixed',
  ]);
  const empty = bytes('Content-Type: multipart/alternative; boundary=x\n\nnothing\n');
  assert.deepEqual(bodyStructure(empty, indexMessage(empty), { extensible: true }), [['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', 0, 0, null, null, null, null], 'alternative', ['boundary', 'x'], null, null, null]);
  // Invalid UTF-8 header octets stay octets.
  const latin1 = new Uint8Array(Buffer.from('Content-Type: text/plain; name="caf\xe9"\r\n\r\nx', 'latin1'));
  const params = (bodyStructure(latin1, indexMessage(latin1), { extensible: false }) as unknown[])[2] as unknown[];
  assert.deepEqual(params[1], new Uint8Array(Buffer.from('caf\xe9', 'latin1')));
});

test('ENVELOPE: defaults, groups, routes, repeated fields', () => {
  const raw = bytes('Date:  Mon, 1 Jan 2024 00:00:00 +0000\nSubject: a\n\tb  c\nFrom: "Joe  Q" <joe@x.org>, =?utf-8?q?J?= <j@x>\nTo: team: a@b, c@d;, solo@e\nTo: more@f\nCc: <@r1,@r2:u@d>, broken\nMessage-ID: <id@x>\n\nbody\n');
  assert.deepEqual(envelope(raw, indexMessage(raw)), [
    'Mon, 1 Jan 2024 00:00:00 +0000',
    'a b c',
    [['Joe Q', null, 'joe', 'x.org'], ['=?utf-8?q?J?=', null, 'j', 'x']],
    [['Joe Q', null, 'joe', 'x.org'], ['=?utf-8?q?J?=', null, 'j', 'x']],
    [['Joe Q', null, 'joe', 'x.org'], ['=?utf-8?q?J?=', null, 'j', 'x']],
    [[null, null, 'team', null], [null, null, 'a', 'b'], [null, null, 'c', 'd'], [null, null, null, null], [null, null, 'solo', 'e'], [null, null, 'more', 'f']],
    [[null, '@r1,@r2', 'u', 'd'], [null, null, 'broken', 'MISSING_DOMAIN']],
    null,
    null,
    '<id@x>',
  ]);
  assert.deepEqual(envelope(new Uint8Array(0), indexMessage(new Uint8Array(0))), [null, null, null, null, null, null, null, null, null, null]);
});

test('sections: numbering, HEADER/TEXT/MIME, HEADER.FIELDS (.NOT), partial, NUL', () => {
  const index = indexMessage(MIXED);
  const cases: [SectionSpec, string][] = [
    [{ part: [1] }, 'one'],
    [{ part: [1], text: 'MIME' }, 'Content-Type: text/plain\r\n\r\n'],
    [{ part: [1, 1] }, 'one'], // Dovecot: "1" below a leaf is the leaf.
    [{ part: [2, 1] }, 'inner body'],
    [{ part: [2], text: 'HEADER' }, 'Subject: inner\r\n\r\n'],
    [{ part: [2], text: 'TEXT' }, 'inner body'],
    [{ part: [1], text: 'HEADER' }, ''],
    [{ part: [3] }, ''],
    [{ part: [2, 2] }, ''],
    [{ part: [], text: 'HEADER.FIELDS', fields: ['subject', 'X-None'] }, 'Subject: m\r\n\r\n'],
    [{ part: [], text: 'HEADER.FIELDS.NOT', fields: ['Content-Type', 'MIME-Version'] }, 'Subject: m\r\n\r\n'],
    [{ part: [2], text: 'HEADER.FIELDS', fields: ['SUBJECT'] }, 'Subject: inner\r\n\r\n'],
  ];
  for (const [spec, expected] of cases) assert.equal(text(section(MIXED, index, spec)), expected, JSON.stringify(spec));
  assert.equal(text(section(MIXED, index, { part: [] }, { offset: 2, length: 5 })), 'bject');
  assert.equal(section(MIXED, index, { part: [] }, { offset: 10_000, length: 5 }).length, 0);
  assert.equal(sectionSize(MIXED, index, { part: [] }), MIXED.length);
  const nul = new Uint8Array([...bytes('Subject: a\n\nx'), 0, 0x79]);
  assert.deepEqual([...section(nul, indexMessage(nul), { part: [], text: 'TEXT' })], [0x78, 0x80, 0x79]);
  // The wire parser's Section type is accepted as is.
  const wire: Section = { part: [1], text: 'MIME' };
  assert.equal(text(section(MIXED, index, wire)), 'Content-Type: text/plain\r\n\r\n');
  assert.equal(findPart(index.root, [2, 1])?.kind, 'text');
});
