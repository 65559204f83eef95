import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { AuthCache, DEFAULT_AUTH_CACHE_OPTIONS } from './cache.ts';

const ALICE = 'alice@example.com';
const HASH = '$scrypt$ln=4,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
const NEW_HASH = '$scrypt$ln=4,r=8,p=1$bmV3c2FsdA$bmV3aGFzaG5ld2hhc2huZXc';

void test('defaults follow the config defaults', () => {
  assert.deepEqual(DEFAULT_AUTH_CACHE_OPTIONS, { size: 10_000, ttlSeconds: 3600 });
});

void test('a stored login hits for the same address, password and stored hash only', () => {
  const cache = new AuthCache({ size: 10, ttlSeconds: 60, clock: new ManualClock() });
  assert.equal(cache.lookup(ALICE, 'pw-one-two', HASH), undefined);
  cache.store(ALICE, 'pw-one-two', 7, HASH);
  assert.equal(cache.lookup(ALICE, 'pw-one-two', HASH), 7);
  assert.equal(cache.lookup(ALICE, 'pw-one-twO', HASH), undefined);
  assert.equal(cache.lookup('bob@example.com', 'pw-one-two', HASH), undefined);
});

void test('entries expire after the ttl', () => {
  const clock = new ManualClock();
  const cache = new AuthCache({ size: 10, ttlSeconds: 60, clock });
  cache.store(ALICE, 'pw', 7, HASH);
  clock.advance(59_999);
  assert.equal(cache.lookup(ALICE, 'pw', HASH), 7);
  clock.advance(1);
  assert.equal(cache.lookup(ALICE, 'pw', HASH), undefined);
  assert.equal(cache.count, 0);
});

void test('a different current stored hash (password changed elsewhere) misses and drops the entry', () => {
  const cache = new AuthCache({ size: 10, ttlSeconds: 60, clock: new ManualClock() });
  cache.store(ALICE, 'old-password', 7, HASH);
  assert.equal(cache.lookup(ALICE, 'old-password', NEW_HASH), undefined);
  assert.equal(cache.count, 0);
  assert.equal(cache.lookup(ALICE, 'old-password', HASH), undefined);
});

void test('bounded: the least recently used entry is evicted', () => {
  const cache = new AuthCache({ size: 3, ttlSeconds: 60, clock: new ManualClock() });
  cache.store('a@example.com', 'pw', 1, HASH);
  cache.store('b@example.com', 'pw', 2, HASH);
  cache.store('c@example.com', 'pw', 3, HASH);
  assert.equal(cache.lookup('a@example.com', 'pw', HASH), 1); // a is now the most recent
  cache.store('d@example.com', 'pw', 4, HASH);
  assert.equal(cache.count, 3);
  assert.equal(cache.lookup('b@example.com', 'pw', HASH), undefined);
  assert.equal(cache.lookup('a@example.com', 'pw', HASH), 1);
  assert.equal(cache.lookup('c@example.com', 'pw', HASH), 3);
  assert.equal(cache.lookup('d@example.com', 'pw', HASH), 4);
});

void test('forgetAddress drops every entry of that address; clear drops all', () => {
  const cache = new AuthCache({ size: 10, ttlSeconds: 60, clock: new ManualClock() });
  cache.store(ALICE, 'one', 7, HASH);
  cache.store(ALICE, 'two', 7, HASH);
  cache.store('bob@example.com', 'one', 8, HASH);
  cache.forgetAddress(ALICE);
  assert.equal(cache.lookup(ALICE, 'one', HASH), undefined);
  assert.equal(cache.lookup(ALICE, 'two', HASH), undefined);
  assert.equal(cache.lookup('bob@example.com', 'one', HASH), 8);
  cache.clear();
  assert.equal(cache.count, 0);
  assert.equal(cache.lookup('bob@example.com', 'one', HASH), undefined);
});

void test('ttl 0 disables the cache', () => {
  const cache = new AuthCache({ size: 10, ttlSeconds: 0, clock: new ManualClock() });
  assert.equal(cache.enabled, false);
  cache.store(ALICE, 'pw', 7, HASH);
  assert.equal(cache.count, 0);
  assert.equal(cache.lookup(ALICE, 'pw', HASH), undefined);
});

void test('the cache holds neither the password nor an unsalted hash of it', () => {
  const cache = new AuthCache({ size: 10, ttlSeconds: 60, clock: new ManualClock() });
  cache.store(ALICE, 'very-secret-password', 7, HASH);
  const dump = JSON.stringify([...(cache as unknown as { entries: Map<string, unknown> }).entries]);
  assert.ok(!dump.includes('very-secret-password'));
  // Two caches (two processes) key the same login differently.
  const other = new AuthCache({ size: 10, ttlSeconds: 60, clock: new ManualClock() });
  other.store(ALICE, 'very-secret-password', 7, HASH);
  const otherDump = JSON.stringify([...(other as unknown as { entries: Map<string, unknown> }).entries]);
  assert.notEqual(dump, otherDump);
});
