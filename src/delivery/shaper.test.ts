import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { RATE_LIMIT_PAUSE_MS, TrafficShaper } from './shaper.ts';

void test('connections are limited in total and per destination domain; MX addresses have their own limit', () => {
  const shaper = new TrafficShaper({ total: 3, perDomain: 2, perMx: 1, ratePerDomain: 0 }, new ManualClock());
  assert.equal(shaper.blockedUntil('a.example'), 0);
  shaper.opened('a.example', 1);
  shaper.opened('a.example', 1);
  assert.equal(shaper.blockedUntil('a.example'), Infinity, 'per-domain limit');
  assert.equal(shaper.blockedUntil('b.example'), 0);
  shaper.opened('b.example', 1);
  assert.equal(shaper.blockedUntil('c.example'), Infinity, 'total limit');
  shaper.closed('a.example', false);
  assert.equal(shaper.blockedUntil('c.example'), 0);
  assert.equal(shaper.active, 2);
});

void test('connections to one MX address wait their turn beyond its limit', async () => {
  const shaper = new TrafficShaper({ total: 10, perDomain: 10, perMx: 1, ratePerDomain: 0 }, new ManualClock());
  await shaper.acquireMx('192.0.2.1');
  await shaper.acquireMx('192.0.2.2');
  const order: string[] = [];
  const second = shaper.acquireMx('192.0.2.1').then(() => order.push('second'));
  const third = shaper.acquireMx('192.0.2.1').then(() => order.push('third'));
  await Promise.resolve();
  assert.deepEqual(order, [], 'the address is busy');
  shaper.releaseMx('192.0.2.1');
  await second;
  assert.deepEqual(order, ['second']);
  shaper.releaseMx('192.0.2.1');
  await third;
  shaper.releaseMx('192.0.2.1');
  await shaper.acquireMx('192.0.2.1');
  assert.deepEqual(order, ['second', 'third']);
});

void test('a rate limit counts messages per minute per domain', () => {
  const clock = new ManualClock();
  const shaper = new TrafficShaper({ total: 10, perDomain: 10, perMx: 10, ratePerDomain: 5 }, clock);
  assert.equal(shaper.messageAllowance('a.example', 100), 5);
  shaper.opened('a.example', 5);
  shaper.closed('a.example', false);
  assert.equal(shaper.blockedUntil('a.example'), clock.now() + 60_000);
  assert.equal(shaper.messageAllowance('b.example', 3), 3);
  clock.advance(60_000);
  assert.equal(shaper.blockedUntil('a.example'), 0);
});

void test('a rate-limit reply pauses the destination, then its concurrency climbs back one by one', () => {
  const clock = new ManualClock();
  const shaper = new TrafficShaper({ total: 10, perDomain: 3, perMx: 10, ratePerDomain: 0 }, clock);
  shaper.opened('a.example', 1);
  shaper.closed('a.example', true);
  assert.equal(shaper.blockedUntil('a.example'), clock.now() + RATE_LIMIT_PAUSE_MS);
  clock.advance(RATE_LIMIT_PAUSE_MS);
  shaper.opened('a.example', 1);
  assert.equal(shaper.blockedUntil('a.example'), Infinity, 'one connection at a time after a pause');
  shaper.closed('a.example', false);
  shaper.opened('a.example', 1);
  shaper.opened('a.example', 1);
  assert.equal(shaper.blockedUntil('a.example'), Infinity);
  shaper.closed('a.example', false);
  shaper.closed('a.example', false);
  shaper.opened('a.example', 1);
  shaper.opened('a.example', 1);
  shaper.opened('a.example', 1);
  assert.equal(shaper.blockedUntil('a.example'), Infinity, 'back to the configured three');
});
