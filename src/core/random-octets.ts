// Random octets for per-message values (AES-GCM nonces, queue ids), taken from a pool that one
// call to the operating system's CSPRNG fills (node:crypto randomFillSync). Each randomBytes()
// call costs a trip into OpenSSL: 4-20 us each on our test machine, twice per message; from the
// pool it is a copy. Node's randomUUID() pools the same way. Every octet is handed out once,
// and callers get their own copy, so nothing they do reaches the pool or another caller.
// Not for long-term secrets (keys, salts): those come from randomBytes() directly.

import { randomFillSync } from 'node:crypto';

/** Octets drawn from the CSPRNG at a time. */
export const RANDOM_POOL_OCTETS = 4096;

const pool = Buffer.alloc(RANDOM_POOL_OCTETS);
/** The next unused octet of `pool`; the pool is refilled once every octet is used. */
let next = RANDOM_POOL_OCTETS;

/** `count` fresh random octets (count at most RANDOM_POOL_OCTETS). */
export function randomOctets(count: number): Buffer {
  if (!Number.isSafeInteger(count) || count < 0 || count > RANDOM_POOL_OCTETS) {
    throw new RangeError(`randomOctets: count must be an integer from 0 to ${RANDOM_POOL_OCTETS}`);
  }
  if (next + count > RANDOM_POOL_OCTETS) {
    randomFillSync(pool);
    next = 0;
  }
  const octets = Buffer.from(pool.subarray(next, next + count));
  next += count;
  return octets;
}
