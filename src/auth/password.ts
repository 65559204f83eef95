// Password hashing with scrypt, stored as PHC strings. Input it does not trust: passwords
// (any string a client sends) and stored hash strings (they may be malformed, hand-edited or
// written by another version): verifyPassword never throws and answers false on a bad string.
//
// Standards: RFC 7914 (scrypt), the PHC string format
// ($scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>, base64 without padding, the form used by
// passlib and others), RFC 4013 (SASLprep: the password is prepared before hashing, as
// RFC 4616 §2 asks of PLAIN servers, so it matches what SCRAM clients derive).
//
// scrypt runs through node:crypto's async API, on the libuv thread pool, never on the event
// loop. The parameters live in each string, so DEFAULT_SCRYPT_PARAMS can be raised later
// without invalidating stored hashes.

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { err, ok, type Result } from '../core/result.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { saslprep } from './saslprep.ts';

export { checkPasswordStrength } from './password-strength.ts';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  readonly ln: number;
  /** Block size. */
  readonly r: number;
  /** Parallelism. */
  readonly p: number;
}

/**
 * N = 2^14, r = 8, p = 1 (16 MiB): one verification took 40-55 ms on the development machine
 * (2 vCPU AMD EPYC, node:crypto, median of 20; 2^13 took 20-26 ms, 2^15 100-145 ms). The
 * nearest power of two above the ~30 ms target; each thread-pool thread holds 16 MiB meanwhile.
 */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { ln: 14, r: 8, p: 1 };

/** Bytes of random salt in new hashes. */
export const SALT_BYTES = 16;
/** Bytes of derived key in new hashes. */
export const HASH_BYTES = 32;

// Bounds on what a stored string may ask for, so a bad row cannot exhaust memory or CPU.
export const MAX_SCRYPT_LN = 20;
export const MAX_SCRYPT_R = 32;
export const MAX_SCRYPT_P = 16;
/** Most memory one verification may use (scrypt needs about 128 * r * N bytes). */
export const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024;
const MIN_SALT_BYTES = 8;
const MAX_SALT_BYTES = 64;
const MIN_HASH_BYTES = 16;
const MAX_HASH_BYTES = 64;

export interface PasswordHash {
  readonly params: ScryptParams;
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

const PHC = /^\$scrypt\$ln=([1-9][0-9]?),r=([1-9][0-9]?),p=([1-9][0-9]?)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Parses a PHC scrypt string, checking every bound. */
export function parsePasswordHash(text: string): Result<PasswordHash, string> {
  const match = PHC.exec(text);
  if (!match) return err('not a PHC scrypt string');
  const params: ScryptParams = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  const bounds = checkParams(params);
  if (bounds !== undefined) return err(bounds);
  const salt = decodeBase64(match[4] ?? '', 'forbidden');
  const hash = decodeBase64(match[5] ?? '', 'forbidden');
  if (!salt.ok || salt.value.length < MIN_SALT_BYTES || salt.value.length > MAX_SALT_BYTES) return err('bad salt');
  if (!hash.ok || hash.value.length < MIN_HASH_BYTES || hash.value.length > MAX_HASH_BYTES) return err('bad hash');
  return ok({ params, salt: salt.value, hash: hash.value });
}

export function formatPasswordHash(value: PasswordHash): string {
  const { ln, r, p } = value.params;
  return `$scrypt$ln=${ln},r=${r},p=${p}$${encodeBase64(value.salt, 'forbidden')}$${encodeBase64(value.hash, 'forbidden')}`;
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const bounds = checkParams(params);
  if (bounds !== undefined) throw new RangeError(`scrypt parameters: ${bounds}`);
  const salt = new Uint8Array(randomBytes(SALT_BYTES));
  const hash = await derive(password, salt, params, HASH_BYTES);
  return formatPasswordHash({ params, salt, hash });
}

/** True when the password matches; false for a wrong password or a malformed stored string. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed.ok) return false;
  const { params, salt, hash } = parsed.value;
  try {
    const candidate = await derive(password, salt, params, hash.length);
    return timingSafeEqual(candidate, hash);
  } catch {
    // Only a resource failure inside scrypt can get here (the bounds were checked).
    return false;
  }
}

/**
 * A hash no password matches in practice (random salt and random "hash"), with the given
 * parameters, to verify against for unknown users so that their answer takes as long as a
 * wrong password's. Nothing is derived: verifying costs one scrypt, like a real hash.
 */
export function makeDummyPasswordHash(params: ScryptParams = DEFAULT_SCRYPT_PARAMS): string {
  return formatPasswordHash({
    params,
    salt: new Uint8Array(randomBytes(SALT_BYTES)),
    hash: new Uint8Array(randomBytes(HASH_BYTES)),
  });
}

/** The dummy hash with the default parameters; one per process. */
export const DUMMY_PASSWORD_HASH: string = makeDummyPasswordHash();

/** RFC 4013: the prepared form when SASLprep accepts the password, else the password as given. */
export function preparePassword(password: string): string {
  const prepared = saslprep(password, 'query');
  return prepared.ok ? prepared.value : password;
}

function checkParams({ ln, r, p }: ScryptParams): string | undefined {
  const integers = [ln, r, p].every((n) => Number.isSafeInteger(n) && n >= 1);
  if (!integers || ln > MAX_SCRYPT_LN || r > MAX_SCRYPT_R || p > MAX_SCRYPT_P) return 'out of range';
  if (scryptMemory({ ln, r, p }) > MAX_SCRYPT_MEMORY_BYTES) return 'needs too much memory';
  return undefined;
}

// OpenSSL's EVP_PBE_scrypt needs 128 * r * (N + 2) bytes for V plus 128 * r * p for B.
function scryptMemory({ ln, r, p }: ScryptParams): number {
  return 128 * r * (2 ** ln + 2 + p);
}

function derive(password: string, salt: Uint8Array, params: ScryptParams, length: number): Promise<Buffer> {
  const options: ScryptOptions = {
    N: 2 ** params.ln,
    r: params.r,
    p: params.p,
    maxmem: scryptMemory(params) + 64 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(preparePassword(password), salt, length, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}
