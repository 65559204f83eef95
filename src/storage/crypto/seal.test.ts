import assert from 'node:assert/strict';
import { randomBytes, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES, open, seal, MAC_BYTES } from './seal.ts';
import { blobContext, blobIdOf, cacheContext, deriveAccountKeys, generateDataKey, unwrapDataKey, wrapDataKey } from './keys.ts';

const HEADER_BYTES = 5; // "PWS1" + mode
const key = new Uint8Array(randomBytes(KEY_BYTES));
const otherKey = new Uint8Array(randomBytes(KEY_BYTES));
const AAD = 'postwarden/blob/7/abc';
const text = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const same = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && Buffer.from(a).equals(Buffer.from(b));

void describe('seal and open', () => {
  void it('has the documented sizes', () => {
    assert.equal(KEY_BYTES, 32);
    assert.equal(NONCE_BYTES, 12);
    assert.equal(TAG_BYTES, 16);
  });

  const sizes: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['1 byte', new Uint8Array([0x42])],
    ['text', text('Subject: hi\r\n\r\nbody\r\n')],
    ['1 MB', new Uint8Array(randomBytes(1024 * 1024))],
  ];
  for (const [name, plaintext] of sizes) {
    void it(`round-trips ${name} encrypted`, () => {
      const sealed = seal(key, AAD, plaintext);
      assert.equal(sealed.length, HEADER_BYTES + NONCE_BYTES + plaintext.length + TAG_BYTES);
      assert.equal(Buffer.from(sealed.subarray(0, 4)).toString('latin1'), 'PWS1');
      assert.equal(sealed[4], 1);
      if (plaintext.length >= 16) {
        // The plaintext does not appear in the sealed form.
        assert.equal(Buffer.from(sealed).indexOf(Buffer.from(plaintext.subarray(0, 16))), -1);
      }
      assert.ok(same(open(key, AAD, sealed), plaintext));
    });

    void it(`round-trips ${name} in plaintext mode`, () => {
      const sealed = seal(key, AAD, plaintext, false);
      assert.equal(sealed.length, HEADER_BYTES + plaintext.length + MAC_BYTES, 'plaintext plus its HMAC');
      assert.equal(sealed[4], 0);
      assert.equal(open(key, `${AAD}x`, sealed), undefined, 'plaintext mode is still bound to its place');
      assert.ok(same(open(key, AAD, sealed), plaintext));
    });
  }

  void it('opens a sealed value that sits inside a larger buffer', () => {
    const sealed = seal(key, AAD, text('hello'));
    const padded = new Uint8Array(sealed.length + 10);
    padded.set(sealed, 7);
    assert.ok(same(open(key, AAD, padded.subarray(7, 7 + sealed.length)), text('hello')));
  });

  void it('uses a fresh nonce: two seals of the same plaintext differ', () => {
    const plaintext = text('same message');
    const a = seal(key, AAD, plaintext);
    const b = seal(key, AAD, plaintext);
    assert.notDeepEqual(Buffer.from(a), Buffer.from(b));
    assert.notDeepEqual(Buffer.from(a.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES)), Buffer.from(b.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES)));
    assert.ok(same(open(key, AAD, a), plaintext));
    assert.ok(same(open(key, AAD, b), plaintext));
  });

  void it('refuses a wrong key', () => {
    const sealed = seal(key, AAD, text('secret'));
    assert.equal(open(otherKey, AAD, sealed), undefined);
  });

  void it('refuses a key of the wrong length instead of throwing', () => {
    const sealed = seal(key, AAD, text('secret'));
    assert.equal(open(new Uint8Array(16), AAD, sealed), undefined);
    assert.equal(open(new Uint8Array(0), AAD, sealed), undefined);
  });

  void it('refuses wrong associated data', () => {
    const sealed = seal(key, AAD, text('secret'));
    assert.equal(open(key, 'postwarden/blob/8/abc', sealed), undefined);
    assert.equal(open(key, '', sealed), undefined);
    assert.equal(open(key, `${AAD} `, sealed), undefined);
  });

  void it('refuses malformed sealed values', () => {
    const sealed = seal(key, AAD, text('secret'));
    assert.equal(open(key, AAD, new Uint8Array(0)), undefined);
    assert.equal(open(key, AAD, text('PWS1')), undefined);
    assert.equal(open(key, AAD, text('PWS2\u0001')), undefined);
    assert.equal(open(key, AAD, text('hello world, not sealed at all')), undefined);
    // Mode 2 is unknown.
    const unknownMode = new Uint8Array(sealed);
    unknownMode[4] = 2;
    assert.equal(open(key, AAD, unknownMode), undefined);
    // Truncated: shorter than header + nonce + tag, and truncated by one byte.
    assert.equal(open(key, AAD, sealed.subarray(0, HEADER_BYTES + NONCE_BYTES + TAG_BYTES - 1)), undefined);
    assert.equal(open(key, AAD, sealed.subarray(0, sealed.length - 1)), undefined);
    // Extended by one byte.
    assert.equal(open(key, AAD, new Uint8Array([...sealed, 0])), undefined);
  });

  // Any single changed byte of an encrypted blob — header, nonce, body or tag — must make it
  // unreadable. That includes the mode byte: flipping 1 to 0 must not turn an authenticated
  // ciphertext into "plaintext mode" data that opens without the key.
  const plaintext = text('From: a@example.com\r\n\r\nhello\r\n');
  const sealed = seal(key, AAD, plaintext);
  const regions: [string, number, number][] = [
    ['magic', 0, 4],
    ['mode', 4, HEADER_BYTES],
    ['nonce', HEADER_BYTES, HEADER_BYTES + NONCE_BYTES],
    ['body', HEADER_BYTES + NONCE_BYTES, sealed.length - TAG_BYTES],
    ['tag', sealed.length - TAG_BYTES, sealed.length],
  ];
  for (const [region, start, end] of regions) {
    for (const mask of [0x01, 0x80, 0xff]) {
      void it(`refuses a blob with one ${region} byte xor 0x${mask.toString(16)}`, () => {
        for (let i = start; i < end; i++) {
          const tampered = new Uint8Array(sealed);
          tampered[i] = (tampered[i] ?? 0) ^ mask;
          const opened = open(key, AAD, tampered);
          assert.equal(opened, undefined, `byte ${i} (${region}) xor 0x${mask.toString(16)} opened as ${opened === undefined ? '' : Buffer.from(opened).toString('hex')}`);
        }
      });
    }
  }

  void it('property: open never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 80 }),
          fc.uint8Array({ maxLength: 80 }).map((tail) => new Uint8Array([...Buffer.from('PWS1'), 1, ...tail])),
          fc.uint8Array({ maxLength: 80 }).map((tail) => new Uint8Array([...Buffer.from('PWS1'), 0, ...tail])),
        ),
        fc.oneof(fc.constant(key), fc.uint8Array({ maxLength: 40 })),
        fc.string(),
        (bytes, k, aad) => {
          const opened = open(k, aad, bytes);
          assert.ok(opened === undefined || opened instanceof Uint8Array);
        },
      ),
      { numRuns: 2000 },
    );
  });

  void it('property: every plaintext round-trips in both modes under its own associated data only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.string(), fc.string(), (bytes, aad, otherAad) => {
        const sealedValue = seal(key, aad, bytes);
        assert.ok(same(open(key, aad, sealedValue), bytes));
        if (otherAad !== aad) assert.equal(open(key, otherAad, sealedValue), undefined);
        assert.ok(same(open(key, aad, seal(key, aad, bytes, false)), bytes));
      }),
    );
  });
});

void describe('account keys', () => {
  const master = new Uint8Array(randomBytes(KEY_BYTES));

  void it('generates 32 random bytes per data key', () => {
    const a = generateDataKey();
    const b = generateDataKey();
    assert.equal(a.length, KEY_BYTES);
    assert.equal(b.length, KEY_BYTES);
    assert.notDeepEqual(Buffer.from(a), Buffer.from(b));
  });

  void it('wraps and unwraps a data key', () => {
    const dataKey = generateDataKey();
    const wrapped = wrapDataKey(master, 42, dataKey);
    assert.equal(Buffer.from(wrapped).indexOf(Buffer.from(dataKey)), -1);
    assert.ok(same(unwrapDataKey(master, 42, wrapped), dataKey));
  });

  void it('does not unwrap under another owner id or another master key', () => {
    const dataKey = generateDataKey();
    const wrapped = wrapDataKey(master, 42, dataKey);
    assert.equal(unwrapDataKey(master, 43, wrapped), undefined);
    assert.equal(unwrapDataKey(master, 4, wrapped), undefined);
    assert.equal(unwrapDataKey(master, 420, wrapped), undefined);
    assert.equal(unwrapDataKey(new Uint8Array(randomBytes(KEY_BYTES)), 42, wrapped), undefined);
  });

  void it('derives distinct encryption and identity keys, deterministically', () => {
    const dataKey = generateDataKey();
    const a = deriveAccountKeys(dataKey);
    const b = deriveAccountKeys(new Uint8Array(dataKey));
    const raw = (key: KeyObject) => key.export();
    assert.equal(a.encryption.symmetricKeySize, KEY_BYTES);
    assert.equal(a.identity.symmetricKeySize, KEY_BYTES);
    assert.notDeepEqual(raw(a.encryption), raw(a.identity));
    assert.notDeepEqual(raw(a.encryption), Buffer.from(dataKey));
    assert.deepEqual(raw(a.encryption), raw(b.encryption));
    assert.deepEqual(raw(a.identity), raw(b.identity));
  });

  void it('gives deterministic blob ids per account that differ across accounts', () => {
    const alice = deriveAccountKeys(generateDataKey());
    const bob = deriveAccountKeys(generateDataKey());
    const message = text('Subject: same\r\n\r\nsame body\r\n');
    const id = blobIdOf(alice, message);
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(blobIdOf(alice, new Uint8Array(message)), id);
    assert.notEqual(blobIdOf(bob, message), id);
    assert.notEqual(blobIdOf(alice, text('Subject: same\r\n\r\nsame body!\r\n')), id);
  });

  void it('builds contexts that bind owner and blob id', () => {
    assert.equal(blobContext(7, 'abc'), 'postwarden/blob/7/abc');
    assert.equal(cacheContext(7, 'abc'), 'postwarden/cache/7/abc');
    const keys = deriveAccountKeys(generateDataKey());
    const sealedBlob = seal(keys.encryption, blobContext(7, 'abc'), text('x'));
    assert.equal(open(keys.encryption, blobContext(8, 'abc'), sealedBlob), undefined);
    assert.equal(open(keys.encryption, cacheContext(7, 'abc'), sealedBlob), undefined);
  });
});
