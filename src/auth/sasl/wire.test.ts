import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeInitialResponse, decodeResponseLine, decodeUtf8, encodeServerData, MAX_SASL_LINE_OCTETS } from './wire.ts';

void test('initial responses: "=" is empty (RFC 4954 §4), otherwise strict base64', () => {
  assert.deepEqual(decodeInitialResponse('='), { ok: true, value: new Uint8Array(0) });
  assert.deepEqual(decodeInitialResponse('AGEAYg=='), { ok: true, value: new Uint8Array([0, 97, 0, 98]) });
  for (const text of ['', '*', '==', 'AGEAYg', 'AGEAYg==\r\n', 'AGE AYg==', 'AGEAYh==']) {
    assert.deepEqual(decodeInitialResponse(text), { ok: false, error: 'not-base64' }, JSON.stringify(text));
  }
});

void test('response lines: "*" cancels, empty is an empty response, otherwise strict base64', () => {
  assert.deepEqual(decodeResponseLine('*'), { ok: true, value: { kind: 'cancel' } });
  assert.deepEqual(decodeResponseLine(''), { ok: true, value: { kind: 'data', bytes: new Uint8Array(0) } });
  assert.deepEqual(decodeResponseLine('dXNlcg=='), { ok: true, value: { kind: 'data', bytes: new Uint8Array(Buffer.from('user')) } });
  for (const line of ['=', '**', ' *', 'dXNlcg', 'dXNlcg==*', 'dXNl cg==', 'dXNlcg-=']) {
    assert.deepEqual(decodeResponseLine(line), { ok: false, error: 'not-base64' }, JSON.stringify(line));
  }
});

void test('MAX_SASL_LINE_OCTETS: 12 KiB accepted, one more refused before decoding', () => {
  assert.equal(MAX_SASL_LINE_OCTETS, 12 * 1024);
  const longest = 'A'.repeat(MAX_SASL_LINE_OCTETS);
  assert.ok(decodeResponseLine(longest).ok);
  assert.ok(decodeInitialResponse(longest).ok);
  assert.deepEqual(decodeResponseLine(`${longest}AAAA`), { ok: false, error: 'too-long' });
  assert.deepEqual(decodeInitialResponse(`${longest}AAAA`), { ok: false, error: 'too-long' });
});

void test('strict UTF-8', () => {
  assert.equal(decodeUtf8(new Uint8Array([0x61, 0xc3, 0xa9])), 'aé');
  assert.equal(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])), '\uFEFFa'); // BOM kept
  for (const bytes of [[0xc3], [0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
    assert.equal(decodeUtf8(new Uint8Array(bytes)), undefined, JSON.stringify(bytes));
  }
});

void test('property: decoders never throw; server data round-trips through response decoding', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 100 }), (text) => {
      decodeInitialResponse(text);
      decodeResponseLine(text);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      assert.deepEqual(decodeResponseLine(encodeServerData(bytes)), { ok: true, value: { kind: 'data', bytes } });
      decodeUtf8(bytes);
    }),
  );
});
