import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextAttempt, retryDelay, type BackoffPolicy } from './backoff.ts';

const MINUTE = 60_000;
const policy: BackoffPolicy = { minMs: 5 * MINUTE, maxMs: 240 * MINUTE, lifetimeMs: 5 * 24 * 60 * MINUTE };
const middle = (): number => 0.5;

void test('the delay doubles from the minimum up to the maximum', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 40].map((n) => retryDelay(policy, n, middle) / MINUTE), [5, 10, 20, 40, 80, 160, 240, 240, 240]);
  assert.equal(retryDelay(policy, 0, middle), 5 * MINUTE);
  assert.equal(retryDelay(policy, 1, () => 0), 4.5 * MINUTE, 'jitter is at most 10% down');
  assert.equal(retryDelay(policy, 1, () => 1), 5.5 * MINUTE, 'and 10% up');
});

void test('a message is retried for about five days, the last try at its expiry, then it expires', () => {
  const created = 1_000_000;
  let now = created;
  let attempts = 0;
  for (;;) {
    attempts++;
    const next = nextAttempt(policy, attempts, created, now, middle);
    if (next === null) break;
    assert.ok(next > now && next <= created + policy.lifetimeMs);
    now = next;
  }
  assert.equal(now, created + policy.lifetimeMs);
  assert.ok(attempts > 30 && attempts < 40, `${attempts} attempts`);
});
