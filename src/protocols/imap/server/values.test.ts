import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImapValue } from '../../../mail/mime/mime.ts';
import { ResponseBuilder } from '../wire/response-builder.ts';
import { encodeValue, writeSharedValue, writeValue } from './values.ts';

const text = (chunks: readonly Uint8Array[]) => Buffer.concat(chunks).toString('utf8');

function written(write: (response: ResponseBuilder) => void, utf8: boolean): string {
  const response = ResponseBuilder.untagged({ utf8 }).atom('ENVELOPE');
  write(response);
  return text(response.atom('UID').number(1).finish());
}

const CASES: readonly ImapValue[] = [
  null,
  7,
  'plain',
  'with "quotes" and \\',
  'caf\u00e9',
  'line\r\nbreak',
  'x'.repeat(2000),
  'nul\0inside',
  [],
  [null, 'a', 3, ['nested', null, []], 'caf\u00e9'],
  ['Mon, 1 Jan 2024 00:00:00 +0000', 'Subject', [['Name', null, 'box', 'example.org']], null, null, null, null, null, null, '<id@x>'],
];

void test('encodeValue and writeSharedValue write what writeValue writes, in both string encodings', () => {
  for (const utf8 of [false, true]) {
    for (const value of CASES) {
      const expected = written((r) => writeValue(r, value), utf8);
      assert.equal(written((r) => writeSharedValue(r, value, { utf8 }), utf8), expected, JSON.stringify(value));
      assert.equal(written((r) => writeSharedValue(r, value, { utf8 }), utf8), expected, `again: ${JSON.stringify(value)}`);
      assert.equal(`* ENVELOPE ${encodeValue(value, { utf8 })} UID 1\r\n`, expected);
    }
  }
});

void test('a tree with literal octets is written by writeValue, not encoded as text', () => {
  const value: ImapValue = ['a', new Uint8Array([0x41, 0x0d, 0x0a, 0x42])];
  assert.equal(encodeValue(value, { utf8: false }), undefined);
  for (const utf8 of [false, true]) {
    const expected = written((r) => writeValue(r, value), utf8);
    assert.equal(written((r) => writeSharedValue(r, value, { utf8 }), utf8), expected);
    assert.equal(written((r) => writeSharedValue(r, value, { utf8 }), utf8), expected);
  }
});
