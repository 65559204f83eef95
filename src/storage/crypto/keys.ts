// Account data keys: 32 random bytes per account, stored only wrapped (sealed) under the
// master key with the account id as associated data. Two subkeys are derived with HKDF-SHA256
// (RFC 5869): one encrypts blobs and caches, one computes blob ids as an HMAC of the content,
// so identical messages share a blob inside one account but ids reveal nothing across accounts.

import { createHmac, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { KEY_BYTES, open, seal, type SecretKey } from './seal.ts';

export interface AccountKeys {
  readonly encryption: KeyObject;
  readonly identity: KeyObject;
}

export function generateDataKey(): Uint8Array {
  return randomBytes(KEY_BYTES);
}

function wrapContext(owner: number): string {
  return `postwarden/account-key/${owner}`;
}

export function wrapDataKey(master: SecretKey, owner: number, dataKey: Uint8Array): Uint8Array {
  return seal(master, wrapContext(owner), dataKey, true);
}

export function unwrapDataKey(master: SecretKey, owner: number, wrapped: Uint8Array): Uint8Array | undefined {
  return open(master, wrapContext(owner), wrapped);
}

export function deriveAccountKeys(dataKey: Uint8Array): AccountKeys {
  const derive = (info: string) => createSecretKey(new Uint8Array(hkdfSync('sha256', dataKey, Buffer.alloc(0), info, KEY_BYTES)));
  return { encryption: derive('postwarden/blob-encryption'), identity: derive('postwarden/blob-identity') };
}

/** The content address of a message inside one account: HMAC-SHA256, hex. */
export function blobIdOf(keys: AccountKeys, content: Uint8Array): string {
  return createHmac('sha256', keys.identity).update(content).digest('hex');
}

export function blobContext(owner: number, blobId: string): string {
  return `postwarden/blob/${owner}/${blobId}`;
}

export function cacheContext(owner: number, blobId: string): string {
  return `postwarden/cache/${owner}/${blobId}`;
}
