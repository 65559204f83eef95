import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeMessageCache, type MessageCache } from '../../../mail/message-cache.ts';
import { ENTRY_MAX_AGE_MS, ENTRY_OVERHEAD_OCTETS, estimateOctets, MessageCaches } from './message-caches.ts';

const cache = (subject: string): MessageCache => computeMessageCache(new TextEncoder().encode(`Subject: ${subject}\r\n\r\nbody\r\n`));

void test('an entry is found under its account and blob id only', () => {
  const caches = new MessageCaches();
  const one = cache('one');
  caches.set(1, 'b1', one, 100);
  assert.equal(caches.get(1, 'b1'), one);
  assert.equal(caches.get(2, 'b1'), undefined, 'another account never sees it');
  assert.equal(caches.get(1, 'b2'), undefined);
  assert.equal(caches.size, 1);
  assert.equal(caches.octets, 100);
});

void test('the least recently used entries go first once the octet limit is passed', () => {
  const caches = new MessageCaches(1000);
  for (let i = 0; i < 10; i++) caches.set(1, `b${i}`, cache(`m${i}`), 100);
  assert.equal(caches.size, 10);
  // Used long ago relative to the table's size: moves to the recent end.
  for (let i = 0; i < 20; i++) assert.ok(caches.get(1, 'b0'));
  caches.set(1, 'b10', cache('m10'), 100);
  assert.ok(caches.octets <= 1000);
  assert.ok(caches.get(1, 'b0'), 'the entry in use stays');
  assert.equal(caches.get(1, 'b1'), undefined, 'the oldest unused one went');
});

void test('an entry larger than the limit is not kept; a replaced entry is counted once', () => {
  const caches = new MessageCaches(500);
  caches.set(1, 'big', cache('big'), 501);
  assert.equal(caches.size, 0);
  caches.set(1, 'b', cache('b'), 200);
  caches.set(1, 'b', cache('b'), 300);
  assert.equal(caches.size, 1);
  assert.equal(caches.octets, 300);
  caches.clear();
  assert.equal(caches.size, 0);
  assert.equal(caches.octets, 0);
});

void test('the estimate counts the stored text, the header octets and the overhead', () => {
  const one = cache('estimate');
  assert.equal(estimateOctets('x'.repeat(1000), one), 1000 + one.header.length + ENTRY_OVERHEAD_OCTETS);
});

void test(`an entry is served for ${ENTRY_MAX_AGE_MS / 60_000} minutes after it was stored, then forgotten`, () => {
  let now = 1_000_000;
  const caches = new MessageCaches(1000, () => now);
  const one = cache('one');
  caches.set(1, 'b1', one, 100);
  now += ENTRY_MAX_AGE_MS - 1;
  assert.equal(caches.get(1, 'b1'), one);
  now += 1;
  assert.equal(caches.get(1, 'b1'), undefined, 'decrypted data does not outlive its age limit');
  assert.equal(caches.size, 0);
  assert.equal(caches.octets, 0);
});

void test('when every entry was used since its last turn, each gets a second one and the new entry stays', () => {
  const caches = new MessageCaches(300);
  for (let i = 0; i < 3; i++) caches.set(1, `b${i}`, cache(`m${i}`), 100);
  for (let i = 0; i < 3; i++) assert.ok(caches.get(1, `b${i}`));
  const fresh = cache('new');
  caches.set(2, 'b0', fresh, 100);
  assert.equal(caches.get(2, 'b0'), fresh, 'the entry just stored is kept');
  assert.equal(caches.size, 3);
  assert.equal(caches.octets, 300);
  assert.equal(caches.get(1, 'b0'), undefined, 'the oldest went after its second turn');
  assert.ok(caches.get(1, 'b1'));
});
