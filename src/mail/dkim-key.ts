// DKIM signing keys: generation of an RSA 2048 (RFC 6376 §3.3.3, RFC 8301 §3.2) and an
// Ed25519 (RFC 8463) key pair, and the p= value of their DNS records (RFC 6376 §3.6.1: base64
// of the DER SubjectPublicKeyInfo for RSA; RFC 8463 §4.2: base64 of the raw 32-byte key), and
// their selectors (RFC 6376 §3.1), new ones for each key set so a rotation never reuses a name.

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

/**
 * Selector names by date and type, e.g. pw202611r and pw202611e; the n-th pair of a month
 * (n > 1, a rotation within the month) gets n appended: pw202611r2 and pw202611e2.
 */
export function dkimSelector(type: DkimKeyType, date: Date, round = 1): string {
  const month = `${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
  return `pw${month}${type === 'rsa' ? 'r' : 'e'}${round > 1 ? String(round) : ''}`;
}

export const DKIM_KEY_TYPES: readonly DkimKeyType[] = ['rsa', 'ed25519'];

/** The first round of `date`'s month whose selectors (one per key type) are all free of `taken`. */
export function freshDkimRound(date: Date, taken: ReadonlySet<string>): number {
  let round = 1;
  while (DKIM_KEY_TYPES.some((type) => taken.has(dkimSelector(type, date, round)))) round++;
  return round;
}

export interface NamedDkimKey {
  readonly selector: string;
  readonly algorithm: GeneratedDkimKey['algorithm'];
  readonly privateKeyPem: string;
  readonly publicKey: string;
}

/** A new key of each type (RSA 2048 and Ed25519), with selectors not in `taken`. */
export async function generateDkimKeySet(date: Date, taken: ReadonlySet<string> = new Set()): Promise<NamedDkimKey[]> {
  const round = freshDkimRound(date, taken);
  return Promise.all(
    DKIM_KEY_TYPES.map(async (type) => {
      const key = await generateDkimKey(type);
      return { selector: dkimSelector(type, date, round), algorithm: key.algorithm, privateKeyPem: key.privateKeyPem, publicKey: key.publicKey };
    }),
  );
}
