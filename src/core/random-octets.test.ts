import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RANDOM_POOL_OCTETS, randomOctets } from './random-octets.ts';

test('randomOctets hands out each octet once: draws across several refills never repeat', () => {
  const seen = new Set<string>();
  // 16-octet draws collide by chance with probability about 2^-100 here.
  for (let i = 0; i < (3 * RANDOM_POOL_OCTETS) / 16; i++) {
    const octets = randomOctets(16);
    assert.equal(octets.length, 16);
    const hex = octets.toString('hex');
    assert.ok(!seen.has(hex), `draw ${i} repeated an earlier one`);
    seen.add(hex);
  }
});

test('randomOctets gives the caller its own copy: writing to it changes no later draw', () => {
  const first = randomOctets(12);
  first.fill(0);
  const later = Array.from({ length: 50 }, () => randomOctets(12));
  assert.ok(later.every((octets) => !octets.equals(Buffer.alloc(12))));
  // Odd sizes that straddle a refill still come out whole.
  for (let i = 0; i < 1000; i++) assert.equal(randomOctets(13).length, 13);
});

test('randomOctets octets look uniform: every value of an octet appears over 64 KiB', () => {
  const counts = new Uint32Array(256);
  for (let i = 0; i < 16; i++) for (const octet of randomOctets(RANDOM_POOL_OCTETS)) counts[octet]!++;
  // Expected 256 each; a pool that was never refilled (zeros) or reused would fail this.
  assert.ok(counts.every((count) => count > 128 && count < 400), `counts from ${Math.min(...counts)} to ${Math.max(...counts)}`);
});

test('randomOctets refuses a count it cannot serve', () => {
  assert.throws(() => randomOctets(RANDOM_POOL_OCTETS + 1), RangeError);
  assert.throws(() => randomOctets(-1), RangeError);
  assert.throws(() => randomOctets(1.5), RangeError);
  assert.equal(randomOctets(0).length, 0);
});
