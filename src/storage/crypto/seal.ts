// Authenticated encryption for data at rest: AES-256-GCM (NIST SP 800-38D) with a random
// 96-bit nonce per message and associated data that binds each ciphertext to its place
// (owner and id), so a blob moved or swapped between accounts fails to open.
//
// Sealed format: "PWS1" | mode (1 byte) | nonce (12) | ciphertext | tag (16) when mode = 1;
// "PWS1" | mode 0 | plaintext | HMAC-SHA256 (32) when encryption is disabled by config. The
// plaintext form is still authenticated and bound to its place (RFC 2104 HMAC over the
// associated data and the bytes), so nobody without the key can swap content in either mode.

import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { randomOctets } from '../../core/random-octets.ts';

/** A 256-bit key: raw bytes, or a KeyObject (several times cheaper per use; keep those for hot keys). */
export type SecretKey = Uint8Array | KeyObject;

const MAGIC = Buffer.from('PWS1', 'latin1');
const MODE_PLAIN = 0;
const MODE_AES_256_GCM = 1;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;
export const MAC_BYTES = 32;
const HEADER_BYTES = MAGIC.length + 1;

function plainMac(key: SecretKey, aad: string, plaintext: Uint8Array): Buffer {
  const aadBytes = Buffer.from(aad, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(aadBytes.length);
  return createHmac('sha256', key).update('postwarden/plain\0').update(length).update(aadBytes).update(plaintext).digest();
}

export function seal(key: SecretKey, aad: string, plaintext: Uint8Array, encrypt = true): Uint8Array {
  if (!encrypt) {
    return Buffer.concat([MAGIC, Buffer.of(MODE_PLAIN), plaintext, plainMac(key, aad, plaintext)]);
  }
  const nonce = randomOctets(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([MAGIC, Buffer.of(MODE_AES_256_GCM), nonce, body, final, cipher.getAuthTag()]);
}

/** Opens a sealed value; undefined when the format, key or associated data do not match. */
export function open(key: SecretKey, aad: string, sealed: Uint8Array): Uint8Array | undefined {
  const data = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (data.length < HEADER_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const mode = data[MAGIC.length];
  if (mode === MODE_PLAIN) {
    if (data.length < HEADER_BYTES + MAC_BYTES) return undefined;
    const plaintext = data.subarray(HEADER_BYTES, data.length - MAC_BYTES);
    const mac = data.subarray(data.length - MAC_BYTES);
    return timingSafeEqual(mac, plainMac(key, aad, plaintext)) ? plaintext : undefined;
  }
  if (mode !== MODE_AES_256_GCM || data.length < HEADER_BYTES + NONCE_BYTES + TAG_BYTES) return undefined;
  const nonce = data.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  const tag = data.subarray(data.length - TAG_BYTES);
  const body = data.subarray(HEADER_BYTES + NONCE_BYTES, data.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}
