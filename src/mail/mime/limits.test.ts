// Each bound of the message model has its own test, and the index cache encoding round-trips
// and refuses what it did not write.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAddresses } from './address.ts';
import { parseContentType, parseLanguage } from './content-fields.ts';
import { bodyText, indexMessage, parseIndex, serializeIndex } from './mime.ts';
import { MAX_ADDRESSES, MAX_BODY_TEXT_BYTES, MAX_BOUNDARY_LENGTH, MAX_HEADER_VALUE_BYTES, MAX_LANGUAGES, MAX_MIME_DEPTH, MAX_MIME_PARTS, MAX_PARAMETERS } from './limits.ts';
import type { MimePart } from './types.ts';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

function deepest(part: MimePart): { depth: number; part: MimePart } {
  let depth = 0;
  let current = part;
  while (current.children[0]) {
    current = current.children[0];
    depth++;
  }
  return { depth, part: current };
}

function nestedMultipart(levels: number): string {
  let message = 'Content-Type: multipart/mixed; boundary="d0x"\r\n\r\n';
  for (let i = 1; i < levels; i++) message += `--d${i - 1}x\r\nContent-Type: multipart/mixed; boundary="d${i}x"\r\n\r\n`;
  return `${message}--d${levels - 1}x\r\n\r\nleaf\r\n`;
}

test('MAX_MIME_DEPTH: nesting stops at depth MAX_MIME_DEPTH - 1, deep input cannot overflow the stack', () => {
  for (const levels of [MAX_MIME_DEPTH - 1, MAX_MIME_DEPTH, 1000, 100_000]) {
    const index = indexMessage(bytes(nestedMultipart(levels)));
    const { depth, part } = deepest(index.root);
    assert.ok(depth <= MAX_MIME_DEPTH - 1, `${levels}: depth ${depth}`);
    if (levels >= MAX_MIME_DEPTH) {
      assert.equal(depth, MAX_MIME_DEPTH - 1);
      assert.equal(part.overflow, true);
      assert.equal(part.kind, 'basic');
    } else {
      assert.equal(part.overflow, false);
    }
    assert.equal(parseIndex(serializeIndex(index))?.size, index.size);
  }
  const messages = 'Content-Type: message/rfc822\r\n\r\n'.repeat(MAX_MIME_DEPTH + 5);
  assert.equal(deepest(indexMessage(bytes(messages)).root).depth, MAX_MIME_DEPTH - 1);
});

test('MAX_MIME_PARTS: the part that reaches the bound takes the rest of the message', () => {
  let message = 'Content-Type: multipart/mixed; boundary=m\r\n\r\n';
  for (let i = 0; i < MAX_MIME_PARTS + 3; i++) message += `--m\r\n\r\np${i}\r\n`;
  const raw = bytes(`${message}--m--\r\n`);
  const root = indexMessage(raw).root;
  assert.equal(root.children.length, MAX_MIME_PARTS - 1);
  const last = root.children[root.children.length - 1] as MimePart;
  assert.equal(last.overflow, true);
  assert.equal(last.bodyEnd, raw.length);
});

test('MAX_BOUNDARY_LENGTH: longer boundaries are compared on their first octets only', () => {
  const long = 'b'.repeat(MAX_BOUNDARY_LENGTH + 20);
  const raw = bytes(`Content-Type: multipart/mixed; boundary="${long}"\r\n\r\n--${long.slice(0, MAX_BOUNDARY_LENGTH)}\r\n\r\none\r\n--${long.slice(0, MAX_BOUNDARY_LENGTH)}xyz\r\n\r\ntwo\r\n`);
  assert.equal(indexMessage(raw).root.children.length, 2);
});

test('MAX_HEADER_VALUE_BYTES: parameters past the bound are not read', () => {
  const raw = bytes(`Content-Type: text/plain; x="${'a'.repeat(MAX_HEADER_VALUE_BYTES)}"; charset=late\r\n\r\nbody`);
  const type = indexMessage(raw).root.contentType;
  assert.equal(type?.subtype, 'plain');
  assert.ok(!type?.params.some(([name]) => name === 'charset'));
});

test('MAX_PARAMETERS, MAX_LANGUAGES, MAX_ADDRESSES bound what one field gives', () => {
  const params = Array.from({ length: MAX_PARAMETERS + 10 }, (_, i) => `; p${i}=${i}`).join('');
  assert.equal(parseContentType(`text/plain${params}`).params.length, MAX_PARAMETERS);
  assert.equal(parseLanguage(Array.from({ length: MAX_LANGUAGES + 5 }, () => 'en').join(', '))?.length, MAX_LANGUAGES);
  assert.equal(parseAddresses(Array.from({ length: MAX_ADDRESSES + 5 }, (_, i) => `u${i}@x`).join(', ')).length, MAX_ADDRESSES);
});

test('MAX_BODY_TEXT_BYTES bounds the searchable text', () => {
  const raw = new Uint8Array(MAX_BODY_TEXT_BYTES + 1000).fill(0x61);
  raw.set(bytes('Subject: x\r\n\r\n'));
  assert.ok(bodyText(raw, indexMessage(raw)).length <= MAX_BODY_TEXT_BYTES);
});

test('index cache: round trip, and anything else is refused', () => {
  const raw = bytes("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; name*=utf-8''x\r\nContent-Disposition: inline\r\nContent-Language: en\r\n\r\nx\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: \xe9\r\n\r\ny\r\n--b--\r\n");
  const index = indexMessage(raw);
  const text = serializeIndex(index);
  assert.deepEqual(parseIndex(text), index);
  const bad = [
    '', 'null', '[]', '{}', '[2,1,[0,0,1,0,0,0,0]]', `[1,${raw.length},"x"]`,
    text.replace(/^\[1,\d+/, '[1,3'), // size smaller than the parts
    text.replace('[1,', '[1,-'),
    '[1,10,[0,5,4,0,0,0,0]]', // body before header end
    '[1,10,[0,0,10,0,0,0,[[0,0,11,0,0,0,0]]]]', // child outside its parent
    '[1,10,[0,0,10,0,0,0,0,["text"]]]',
    `${'['.repeat(100_000)}`,
  ];
  for (const value of bad) assert.equal(parseIndex(value), undefined, value.slice(0, 60));
});
