import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { RSA_KEY_BITS, dkimPublicValue, dkimSelector, freshDkimRound, generateDkimKey, generateDkimKeySet } from './dkim-key.ts';

const data = Buffer.from('dkim-signature header hash input');
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

void describe('generateDkimKey("rsa")', () => {
  void it('makes a 2048-bit RSA key whose p= is the base64 DER SPKI of its public key', async () => {
    const key = await generateDkimKey('rsa');
    assert.equal(key.type, 'rsa');
    assert.equal(key.algorithm, 'rsa-sha256');
    assert.equal(RSA_KEY_BITS, 2048);
    assert.match(key.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    assert.match(key.publicKey, BASE64);

    const privateKey = createPrivateKey(key.privateKeyPem);
    assert.equal(privateKey.asymmetricKeyType, 'rsa');
    assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, 2048);

    const publicKey = createPublicKey({ key: Buffer.from(key.publicKey, 'base64'), format: 'der', type: 'spki' });
    assert.equal(publicKey.asymmetricKeyType, 'rsa');
    assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    // The p= value is exactly the public half of the private key.
    assert.equal(
      createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64'),
      key.publicKey,
    );

    const signature = sign('sha256', data, key.privateKeyPem);
    assert.equal(verify('sha256', data, publicKey, signature), true);
    assert.equal(verify('sha256', Buffer.from('tampered'), publicKey, signature), false);
  });
});

void describe('generateDkimKey("ed25519")', () => {
  void it('makes an Ed25519 key whose p= is the raw 32-byte public key', async () => {
    const key = await generateDkimKey('ed25519');
    assert.equal(key.type, 'ed25519');
    assert.equal(key.algorithm, 'ed25519-sha256');
    assert.match(key.publicKey, BASE64);
    const raw = Buffer.from(key.publicKey, 'base64');
    assert.equal(raw.length, 32);
    // Standard base64 (RFC 6376 §3.6.1), not base64url.
    assert.equal(raw.toString('base64'), key.publicKey);

    const privateKey = createPrivateKey(key.privateKeyPem);
    assert.equal(privateKey.asymmetricKeyType, 'ed25519');
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });

    const signature = sign(null, data, privateKey);
    assert.equal(verify(null, data, publicKey, signature), true);
    assert.equal(verify(null, Buffer.from('tampered'), publicKey, signature), false);
  });

  void it('gives a different key each time', async () => {
    const [a, b] = await Promise.all([generateDkimKey('ed25519'), generateDkimKey('ed25519')]);
    assert.notEqual(a.publicKey, b.publicKey);
    assert.notEqual(a.privateKeyPem, b.privateKeyPem);
  });
});

void describe('dkimPublicValue', () => {
  void it('matches a known Ed25519 public key (RFC 8463 Appendix A)', () => {
    // RFC 8463 §A.2: the public key of the example is 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=.
    const x = Buffer.from('11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=', 'base64').toString('base64url');
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    assert.equal(dkimPublicValue('ed25519', publicKey), '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=');
  });

  void it('gives the SPKI DER for RSA', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.equal(dkimPublicValue('rsa', publicKey), publicKey.export({ type: 'spki', format: 'der' }).toString('base64'));
  });
});

void describe('dkimSelector', () => {
  void it('names the key by UTC year, month and type', () => {
    assert.equal(dkimSelector('rsa', new Date(Date.UTC(2026, 10, 15))), 'pw202611r');
    assert.equal(dkimSelector('ed25519', new Date(Date.UTC(2026, 10, 15))), 'pw202611e');
    assert.equal(dkimSelector('rsa', new Date(Date.UTC(2025, 0, 1))), 'pw202501r');
    assert.equal(dkimSelector('ed25519', new Date(Date.UTC(1999, 11, 31, 23, 59, 59))), 'pw199912e');
  });

  void it('uses UTC, not local time, at a month boundary', () => {
    assert.equal(dkimSelector('rsa', new Date('2026-01-31T23:30:00-05:00')), 'pw202602r');
    assert.equal(dkimSelector('rsa', new Date('2026-02-01T00:30:00+05:00')), 'pw202601r');
  });

  void it('is a valid DNS label', () => {
    for (const type of ['rsa', 'ed25519'] as const) {
      assert.match(dkimSelector(type, new Date(Date.UTC(2030, 5, 1))), /^pw[0-9]{6}[re]$/);
      assert.match(dkimSelector(type, new Date(Date.UTC(2030, 5, 1)), 12), /^pw[0-9]{6}[re]12$/);
    }
  });

  void it('numbers later rounds of the same month from 2', () => {
    const date = new Date(Date.UTC(2026, 10, 15));
    assert.equal(dkimSelector('rsa', date, 1), 'pw202611r');
    assert.equal(dkimSelector('rsa', date, 2), 'pw202611r2');
    assert.equal(dkimSelector('ed25519', date, 3), 'pw202611e3');
  });
});

void describe('freshDkimRound', () => {
  const date = new Date(Date.UTC(2026, 10, 15));

  void it('takes the plain month selectors when they are free', () => {
    assert.equal(freshDkimRound(date, new Set()), 1);
    assert.equal(freshDkimRound(date, new Set(['pw202610r', 'pw202610e'])), 1);
  });

  void it('skips a round when either of its selectors is taken', () => {
    assert.equal(freshDkimRound(date, new Set(['pw202611r', 'pw202611e'])), 2);
    assert.equal(freshDkimRound(date, new Set(['pw202611e'])), 2);
    assert.equal(freshDkimRound(date, new Set(['pw202611r', 'pw202611e', 'pw202611r2'])), 3);
  });
});

void describe('generateDkimKeySet', () => {
  void it('makes an RSA and an Ed25519 key with free selectors of one round', async () => {
    const date = new Date(Date.UTC(2026, 10, 15));
    const keys = await generateDkimKeySet(date, new Set(['pw202611r', 'pw202611e']));
    assert.deepEqual(keys.map((k) => [k.selector, k.algorithm]), [['pw202611r2', 'rsa-sha256'], ['pw202611e2', 'ed25519-sha256']]);
    for (const key of keys) assert.match(key.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.deepEqual((await generateDkimKeySet(date)).map((k) => k.selector), ['pw202611r', 'pw202611e']);
  });
});
