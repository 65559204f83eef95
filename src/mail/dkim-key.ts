// DKIM signing keys: generation of an RSA 2048 (RFC 6376 §3.3.3, RFC 8301 §3.2) and an
// Ed25519 (RFC 8463) key pair, and the p= value of their DNS records (RFC 6376 §3.6.1: base64
// of the DER SubjectPublicKeyInfo for RSA; RFC 8463 §4.2: base64 of the raw 32-byte key).

import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

export type DkimKeyType = 'rsa' | 'ed25519';

export interface GeneratedDkimKey {
  readonly type: DkimKeyType;
  readonly algorithm: 'rsa-sha256' | 'ed25519-sha256';
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** The DNS record's p= value. */
  readonly publicKey: string;
}

export const RSA_KEY_BITS = 2048;

export function dkimPublicValue(type: DkimKeyType, publicKey: KeyObject): string {
  if (type === 'rsa') return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url').toString('base64');
}

export async function generateDkimKey(type: DkimKeyType): Promise<GeneratedDkimKey> {
  const pair =
    type === 'rsa' ? await generate('rsa', { modulusLength: RSA_KEY_BITS }) : await generate('ed25519');
  return {
    type,
    algorithm: type === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256',
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: dkimPublicValue(type, pair.publicKey),
  };
}

/** Selector names by date and type, e.g. pw202611r and pw202611e. */
export function dkimSelector(type: DkimKeyType, date: Date): string {
  const month = `${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
  return `pw${month}${type === 'rsa' ? 'r' : 'e'}`;
}
