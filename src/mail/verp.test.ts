import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_LOCAL_PART_OCTETS } from './address.ts';
import { MAC_OCTETS, MAX_RECIPIENT_INDEX, VERP_VERSION, base32Decode, base32Encode, decodeVerp, encodeVerp, type VerpInput } from './verp.ts';

const SECRET = 'test secret: 32 bytes of entropy!';
const base: VerpInput = { localPart: 'bounces', domain: 'example.com', queueId: 'B7QXW2KLMNPRST', recipientIndex: 0, secret: SECRET };

function encode(input: Partial<VerpInput>): string {
  const result = encodeVerp({ ...base, ...input });
  assert.ok(result.ok, `encodeVerp failed: ${JSON.stringify(result)}`);
  return result.value;
}

void test('base32: RFC 4648 §10 test vectors, lower case, no padding', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foob', 'mzxw6yq'],
    ['fooba', 'mzxw6ytb'],
    ['foobar', 'mzxw6ytboi'],
  ];
  for (const [plain, encoded] of vectors) {
    assert.equal(base32Encode(Buffer.from(plain)), encoded, plain);
    assert.deepEqual(Buffer.from(base32Decode(encoded) ?? []).toString(), plain, encoded);
    assert.deepEqual(Buffer.from(base32Decode(encoded.toUpperCase()) ?? []).toString(), plain, `${encoded} upper case`);
  }
  // Impossible lengths, characters outside the alphabet, non-zero padding bits, look-alikes.
  for (const bad of ['m', 'mzx', 'mzxw6y', 'mz1q', 'mz=q', 'mz', 'mzxr', 'mzxw6\u212a', 'mzx\u0130']) {
    assert.equal(base32Decode(bad), undefined, bad);
  }
});

void test('encodeVerp: the address and its shape', () => {
  const address = encode({});
  assert.match(address, /^bounces\+[a-z2-7]+@example\.com$/);
  const token = address.slice('bounces+'.length, address.indexOf('@'));
  const bytes = base32Decode(token);
  assert.ok(bytes);
  assert.equal(bytes[0], VERP_VERSION);
  assert.equal(bytes[1], 0); // recipient index 0
  assert.equal(Buffer.from(bytes.subarray(2, bytes.length - MAC_OCTETS)).toString(), 'B7QXW2KLMNPRST');
  // A 14-character queue id fits with room to spare (RFC 5321 §4.5.3.1.1).
  assert.ok(address.indexOf('@') <= MAX_LOCAL_PART_OCTETS);
  // Deterministic: the same message and recipient always get the same return path.
  assert.equal(encode({}), address);
  assert.notEqual(encode({ recipientIndex: 1 }), address);
  assert.notEqual(encode({ queueId: 'B7QXW2KLMNPRSV' }), address);
  assert.notEqual(encode({ secret: 'another secret' }), address);
  // U-label domains become A-labels, upper case becomes lower case.
  assert.match(encode({ domain: 'Bücher.Example' }), /@xn--bcher-kva\.example$/);
});

void test('encodeVerp/decodeVerp: round trip', () => {
  const cases: Partial<VerpInput>[] = [
    {},
    { recipientIndex: 1 },
    { recipientIndex: 127 },
    { recipientIndex: 128 },
    { recipientIndex: 99_999 },
    { recipientIndex: MAX_RECIPIENT_INDEX },
    { queueId: 'X' },
    { queueId: 'q-1.2_3' },
    { queueId: 'ünïcödé' },
    { localPart: 'b' },
    { localPart: 'mail.bounce-s_1' },
    { domain: 'sub.example.org' },
    { secret: new Uint8Array(32).fill(7) },
  ];
  for (const input of cases) {
    const full = { ...base, ...input };
    const address = encode(input);
    const decoded = decodeVerp(address, full.secret);
    assert.deepEqual(decoded, { localPart: full.localPart, domain: full.domain.toLowerCase(), queueId: full.queueId, recipientIndex: full.recipientIndex }, address);
    // Some MTAs change the case of the local part or of the whole address.
    assert.deepEqual(decodeVerp(address.toUpperCase(), full.secret)?.queueId, full.queueId, `${address} upper case`);
    assert.deepEqual(decodeVerp(address.toLowerCase(), full.secret)?.recipientIndex, full.recipientIndex, `${address} lower case`);
    assert.deepEqual(decodeVerp(`<${address}>`, full.secret)?.queueId, full.queueId, `<${address}>`);
  }
});

void test('decodeVerp: tampered, forged and foreign addresses name nothing', () => {
  const address = encode({ recipientIndex: 3 });
  const at = address.indexOf('@');
  const tokenStart = 'bounces+'.length;
  // Every single-character change of the token.
  for (let i = tokenStart; i < at; i++) {
    const original = address[i] ?? '';
    const replacement = original === 'a' ? 'b' : 'a';
    const tampered = address.slice(0, i) + replacement + address.slice(i + 1);
    assert.equal(decodeVerp(tampered, SECRET), undefined, tampered);
  }
  const token = address.slice(tokenStart, at);
  const cases: [string, string][] = [
    ['wrong secret', address],
    ['other domain', `bounces+${token}@example.net`],
    ['truncated token', `bounces+${token.slice(0, -2)}@example.com`],
    ['longer token', `bounces+${token}aa@example.com`],
    ['no token', 'bounces@example.com'],
    ['empty token', 'bounces+@example.com'],
    ['no prefix', `+${token}@example.com`],
    ['no domain', `bounces+${token}`],
    ['empty domain', `bounces+${token}@`],
    ['bad domain', `bounces+${token}@exa mple.com`],
    ['padding', `bounces+${token}=@example.com`],
    ['plus in prefix', `a+bounces+${token}@example.com`],
    ['empty', ''],
    ['null sender', '<>'],
    ['at only', '@'],
    ['long', `${'a'.repeat(300)}+${token}@example.com`],
  ];
  for (const [name, candidate] of cases) {
    assert.equal(decodeVerp(candidate, name === 'wrong secret' ? 'other' : SECRET), undefined, name);
  }
  // A token made with our secret for a payload that is not ours (wrong version) is refused too.
  const forged = base32Encode(new Uint8Array([VERP_VERSION + 1, 0, 65, ...new Uint8Array(MAC_OCTETS)]));
  assert.equal(decodeVerp(`bounces+${forged}@example.com`, SECRET), undefined);
});

void test('encodeVerp: invalid inputs and the 64-octet local part limit (RFC 5321 §4.5.3.1.1)', () => {
  const cases: [Partial<VerpInput>, string][] = [
    [{ localPart: '' }, 'invalid-local-part'],
    [{ localPart: 'a+b' }, 'invalid-local-part'],
    [{ localPart: '.a' }, 'invalid-local-part'],
    [{ localPart: 'a..b' }, 'invalid-local-part'],
    [{ localPart: 'a b' }, 'invalid-local-part'],
    [{ localPart: 'bounces\r\n' }, 'invalid-local-part'],
    [{ domain: '' }, 'invalid-domain'],
    [{ domain: 'exa mple.com' }, 'invalid-domain'],
    [{ domain: '[127.0.0.1]' }, 'invalid-domain'],
    [{ queueId: '' }, 'invalid-queue-id'],
    [{ queueId: '\ud800' }, 'invalid-queue-id'],
    [{ recipientIndex: -1 }, 'invalid-recipient-index'],
    [{ recipientIndex: 1.5 }, 'invalid-recipient-index'],
    [{ recipientIndex: Number.NaN }, 'invalid-recipient-index'],
    [{ recipientIndex: MAX_RECIPIENT_INDEX + 1 }, 'invalid-recipient-index'],
    [{ queueId: 'Q'.repeat(40) }, 'too-long'],
    [{ localPart: 'b'.repeat(40) }, 'too-long'],
  ];
  for (const [input, code] of cases) {
    assert.deepEqual(encodeVerp({ ...base, ...input }), { ok: false, error: code }, JSON.stringify(input));
  }
  // The longest queue id that fits: the local part is then exactly at the limit or just below.
  let longest = 0;
  for (let n = 1; n < 64; n++) {
    const result = encodeVerp({ ...base, queueId: 'Q'.repeat(n) });
    if (!result.ok) break;
    longest = n;
    assert.ok(result.value.indexOf('@') <= MAX_LOCAL_PART_OCTETS);
  }
  const at = encode({ queueId: 'Q'.repeat(longest) }).indexOf('@');
  assert.ok(at > MAX_LOCAL_PART_OCTETS - 8 && at <= MAX_LOCAL_PART_OCTETS, `longest fits at ${at}`);
  assert.ok(longest >= 20, 'queue ids of 20 octets fit behind "bounces+"');
});

void test('property: round trip for any queue id and index that fit', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 24 }), fc.nat({ max: MAX_RECIPIENT_INDEX }), fc.uint8Array({ minLength: 1, maxLength: 64 }), (queueId, recipientIndex, secret) => {
      const result = encodeVerp({ ...base, queueId, recipientIndex, secret });
      if (!result.ok) {
        assert.ok(['too-long', 'invalid-queue-id'].includes(result.error));
        return;
      }
      assert.match(result.value, /^bounces\+[a-z2-7]+@example\.com$/);
      assert.deepEqual(decodeVerp(result.value, secret), { localPart: 'bounces', domain: 'example.com', queueId, recipientIndex });
      assert.deepEqual(decodeVerp(result.value.toUpperCase(), secret), { localPart: 'BOUNCES', domain: 'example.com', queueId, recipientIndex });
    }),
  );
});

void test('property: decodeVerp and encodeVerp never throw', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string(), (address, secret) => {
      assert.equal(decodeVerp(address, secret), undefined);
    }),
  );
  // Near-misses of a real address: every mutation either decodes to the same thing or to nothing.
  const address = encode({ recipientIndex: 9 });
  fc.assert(
    fc.property(fc.nat({ max: address.length }), fc.nat({ max: 3 }), fc.string({ maxLength: 3 }), (at, cut, insert) => {
      const mutated = address.slice(0, at) + insert + address.slice(at + cut);
      const decoded = decodeVerp(mutated, SECRET);
      if (decoded) assert.deepEqual({ queueId: decoded.queueId, recipientIndex: decoded.recipientIndex }, { queueId: base.queueId, recipientIndex: 9 });
    }),
  );
  fc.assert(
    fc.property(fc.string(), fc.string(), fc.string(), fc.double(), (localPart, domain, queueId, recipientIndex) => {
      const result = encodeVerp({ localPart, domain, queueId, recipientIndex, secret: SECRET });
      if (result.ok) assert.ok(result.value.length <= 254);
    }),
  );
});
