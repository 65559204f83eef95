import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_SCRYPT_PARAMS,
  DUMMY_PASSWORD_HASH,
  formatPasswordHash,
  hashPassword,
  makeDummyPasswordHash,
  parsePasswordHash,
  verifyPassword,
  type ScryptParams,
} from './password.ts';

/** Cheap parameters so tests stay fast; the stored string carries them. */
const FAST: ScryptParams = { ln: 4, r: 8, p: 1 };
const PHC_SHAPE = /^\$scrypt\$ln=\d+,r=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

void test('default parameters: hash, then verify right and wrong passwords', async () => {
  const hash = await hashPassword('correct horse battery');
  assert.match(hash, PHC_SHAPE);
  assert.ok(hash.startsWith(`$scrypt$ln=${DEFAULT_SCRYPT_PARAMS.ln},r=${DEFAULT_SCRYPT_PARAMS.r},p=${DEFAULT_SCRYPT_PARAMS.p}$`));
  assert.equal(await verifyPassword('correct horse battery', hash), true);
  assert.equal(await verifyPassword('correct horse batterY', hash), false);
});

void test('the parameters in the string are the ones used, so they can be raised later', async () => {
  const low = await hashPassword('s3cret-pass', FAST);
  const higher = await hashPassword('s3cret-pass', { ln: 5, r: 4, p: 2 });
  assert.ok(low.startsWith('$scrypt$ln=4,r=8,p=1$'));
  assert.ok(higher.startsWith('$scrypt$ln=5,r=4,p=2$'));
  assert.equal(await verifyPassword('s3cret-pass', low), true);
  assert.equal(await verifyPassword('s3cret-pass', higher), true);
  // Same password, fresh salt each time.
  assert.notEqual(await hashPassword('s3cret-pass', FAST), low);
});

void test('passwords are SASLprep-ed before hashing (RFC 4013), so equivalent forms match', async () => {
  const hash = await hashPassword('caf\u00E9\u00A0au lait', FAST);
  assert.equal(await verifyPassword('cafe\u0301 au lait', hash), true);
  assert.equal(await verifyPassword('cafe au lait', hash), false);
});

void test('a known scrypt vector verifies: RFC 7914 §12 ("pleaseletmein", "SodiumChloride", N=16384, r=8, p=1)', async () => {
  const expected =
    '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887';
  const phc = formatPasswordHash({
    params: { ln: 14, r: 8, p: 1 },
    salt: new Uint8Array(Buffer.from('SodiumChloride')),
    hash: new Uint8Array(Buffer.from(expected, 'hex')),
  });
  assert.equal(await verifyPassword('pleaseletmein', phc), true);
  assert.equal(await verifyPassword('pleaseletmeout', phc), false);
});

void test('malformed stored strings verify false and never throw', async () => {
  const good = await hashPassword('whatever-1', FAST);
  const salt = good.split('$')[3] ?? '';
  const hash = good.split('$')[4] ?? '';
  const malformed = [
    '',
    'plain text password',
    '$scrypt$',
    '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
    `$scrypt$ln=4,r=8$${salt}$${hash}`, // missing p
    `$scrypt$r=8,ln=4,p=1$${salt}$${hash}`, // wrong order
    `$scrypt$ln=04,r=8,p=1$${salt}$${hash}`, // leading zero
    `$scrypt$ln=0,r=8,p=1$${salt}$${hash}`,
    `$scrypt$ln=99,r=8,p=1$${salt}$${hash}`, // too costly
    `$scrypt$ln=20,r=32,p=1$${salt}$${hash}`, // too much memory
    `$scrypt$ln=4,r=8,p=1$${salt}==$${hash}`, // padding
    `$scrypt$ln=4,r=8,p=1$${salt}$${hash}$`,
    `$scrypt$ln=4,r=8,p=1$c2FsdA$${hash}`, // salt too short
    `$scrypt$ln=4,r=8,p=1$${salt}$aGFzaA`, // hash too short
    `$scrypt$ln=4,r=8,p=1$${salt}$${hash}xy`, // impossible length
    `$scrypt$ln=4,r=8,p=1$${salt}$${hash.slice(0, -1)}${hash.endsWith('B') ? 'C' : 'B'}`, // pad bits not zero
    ` ${good}`,
  ];
  for (const stored of malformed) {
    assert.equal(parsePasswordHash(stored).ok, false, stored);
    assert.equal(await verifyPassword('whatever-1', stored), false, stored);
  }
});

void test('the dummy hash parses, costs one verification, and matches nothing', async () => {
  assert.ok(parsePasswordHash(DUMMY_PASSWORD_HASH).ok);
  assert.ok(DUMMY_PASSWORD_HASH.startsWith(`$scrypt$ln=${DEFAULT_SCRYPT_PARAMS.ln},`));
  const fast = makeDummyPasswordHash(FAST);
  assert.ok(fast.startsWith('$scrypt$ln=4,r=8,p=1$'));
  assert.equal(await verifyPassword('', fast), false);
  assert.equal(await verifyPassword('password', fast), false);
});

void test('property: parsePasswordHash never throws; format/parse round-trips', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 120 }), (text) => {
      parsePasswordHash(text);
      parsePasswordHash(`$scrypt$ln=4,r=8,p=1$${text}`);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(
      fc.record({ ln: fc.integer({ min: 1, max: 16 }), r: fc.integer({ min: 1, max: 16 }), p: fc.integer({ min: 1, max: 16 }) }),
      fc.uint8Array({ minLength: 8, maxLength: 64 }),
      fc.uint8Array({ minLength: 16, maxLength: 64 }),
      (params, salt, hash) => {
        const text = formatPasswordHash({ params, salt, hash });
        assert.deepEqual(parsePasswordHash(text), { ok: true, value: { params: { ...params }, salt, hash } });
      },
    ),
  );
});
