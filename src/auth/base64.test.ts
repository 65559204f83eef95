import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeBase64, encodeBase64 } from './base64.ts';

const bytes = (text: string): number[] => Array.from(Buffer.from(text, 'latin1'));

void test('decodeBase64 accepts canonical padded base64', () => {
  const valid: [string, number[]][] = [
    ['', []],
    ['Zg==', bytes('f')],
    ['Zm8=', bytes('fo')],
    ['Zm9v', bytes('foo')],
    ['Zm9vYg==', bytes('foob')],
    ['Zm9vYmE=', bytes('fooba')],
    ['Zm9vYmFy', bytes('foobar')],
    ['AP8+/w==', [0, 255, 62, 255]],
  ];
  for (const [text, expected] of valid) {
    const result = decodeBase64(text);
    assert.ok(result.ok, text);
    assert.deepEqual(Array.from(result.value), expected, text);
  }
});

void test('decodeBase64 rejects everything else', () => {
  const invalid = [
    'Zg', // missing padding
    'Zg=', // short padding
    'Zg===', // too much padding
    'Z===',
    '=',
    '====',
    'Zm9v=',
    'Zg==Zg==', // padding in the middle
    'Zm 9v', // whitespace
    'Zm9v\r\n',
    ' Zm9v',
    'Zm9-', // base64url alphabet
    'Zm9_',
    'Zh==', // pad bits not zero (RFC 4648 §3.5)
    'Zm9=',
    'Zm9vYmF=',
    'Zm9vé===',
    '\0\0\0\0',
  ];
  for (const text of invalid) assert.equal(decodeBase64(text).ok, false, JSON.stringify(text));
});

void test('unpadded decoding (PHC strings) forbids padding', () => {
  assert.deepEqual(decodeBase64('Zg', 'forbidden'), { ok: true, value: new Uint8Array(bytes('f')) });
  assert.deepEqual(decodeBase64('Zm8', 'forbidden'), { ok: true, value: new Uint8Array(bytes('fo')) });
  for (const text of ['Zg==', 'Zm8=', 'Z', 'Zm9vY', 'Zh', 'Zm9 ']) {
    assert.equal(decodeBase64(text, 'forbidden').ok, false, text);
  }
});

void test('property: encode then decode gives the bytes back, in both paddings', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
      for (const padding of ['required', 'forbidden'] as const) {
        const decoded = decodeBase64(encodeBase64(data, padding), padding);
        assert.ok(decoded.ok);
        assert.deepEqual(decoded.value, data);
      }
    }),
  );
});

void test('property: the decoder never throws, and accepts only what it would produce', () => {
  const alphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= -_\n'.split(''));
  const arbitraryText = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: alphabet, maxLength: 40 }));
  fc.assert(
    fc.property(arbitraryText, (text) => {
      for (const padding of ['required', 'forbidden'] as const) {
        const decoded = decodeBase64(text, padding);
        if (decoded.ok) assert.equal(encodeBase64(decoded.value, padding), text);
      }
    }),
    { numRuns: 2000 },
  );
});
