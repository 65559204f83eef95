import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { BASE_DELAY_MS, DEFAULT_THROTTLE_OPTIONS, LoginThrottle, MAX_DELAY_MS, MAX_TRACKED } from './throttle.ts';

const OPTIONS = { freeFailures: 3, lockoutFailures: 10, lockoutSeconds: 900 };
const IP = '192.0.2.7';
const USER = 'alice@example.com';

function delays(throttle: LoginThrottle, count: number, ip = IP, account: string | undefined = USER): number[] {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) {
    const decision = throttle.check(ip, account);
    assert.ok(decision.allowed, `attempt ${i + 1} allowed`);
    seen.push(decision.delayMs);
    throttle.recordFailure(ip, account);
  }
  return seen;
}

void test('defaults match the config defaults; named limits', () => {
  assert.deepEqual(DEFAULT_THROTTLE_OPTIONS, OPTIONS);
  assert.equal(BASE_DELAY_MS, 250);
  assert.equal(MAX_DELAY_MS, 8000);
  assert.equal(MAX_TRACKED, 100_000);
});

void test('delays start after the free failures, double, and are capped', () => {
  const throttle = new LoginThrottle({ freeFailures: 2, lockoutFailures: 20, lockoutSeconds: 900, clock: new ManualClock() });
  assert.deepEqual(delays(throttle, 10), [0, 0, 250, 500, 1000, 2000, 4000, 8000, 8000, 8000]);
});

void test('lockout after lockoutFailures, for lockoutSeconds, then a fresh start', () => {
  const clock = new ManualClock();
  const throttle = new LoginThrottle({ ...OPTIONS, clock });
  assert.deepEqual(delays(throttle, 10), [0, 0, 0, 250, 500, 1000, 2000, 4000, 8000, 8000]);
  assert.deepEqual(throttle.check(IP, USER), { allowed: false, retryAfterMs: 900_000 });
  // Locked both ways: the account from another IP, and the IP for another account.
  assert.equal(throttle.check('198.51.100.1', USER).allowed, false);
  assert.equal(throttle.check(IP, 'bob@example.com').allowed, false);
  assert.equal(throttle.check('198.51.100.1', 'bob@example.com').allowed, true);
  clock.advance(899_000);
  assert.deepEqual(throttle.check(IP, USER), { allowed: false, retryAfterMs: 1000 });
  clock.advance(1000);
  assert.deepEqual(throttle.check(IP, USER), { allowed: true, delayMs: 0 });
  assert.deepEqual(throttle.size, { ips: 0, accounts: 0 });
});

void test('failures older than the window are forgotten', () => {
  const clock = new ManualClock();
  const throttle = new LoginThrottle({ ...OPTIONS, clock });
  delays(throttle, 4);
  assert.deepEqual(throttle.check(IP, USER), { allowed: true, delayMs: 500 });
  clock.advance(600_000);
  delays(throttle, 1);
  assert.deepEqual(throttle.check(IP, USER), { allowed: true, delayMs: 1000 });
  clock.advance(300_001); // the first four are now older than 900 s
  assert.deepEqual(throttle.check(IP, USER), { allowed: true, delayMs: 0 });
});

void test('per-account failures add up across IPs; per-IP failures across accounts', () => {
  const throttle = new LoginThrottle({ ...OPTIONS, clock: new ManualClock() });
  for (let i = 0; i < 3; i++) throttle.recordFailure(`203.0.113.${i}`, USER);
  assert.deepEqual(throttle.check('203.0.113.200', USER), { allowed: true, delayMs: 250 });
  assert.deepEqual(throttle.check('203.0.113.200', 'other@example.com'), { allowed: true, delayMs: 0 });
  for (let i = 0; i < 3; i++) throttle.recordFailure(IP, `user${i}@example.com`);
  assert.deepEqual(throttle.check(IP, 'fresh@example.com'), { allowed: true, delayMs: 250 });
  assert.deepEqual(throttle.check(IP), { allowed: true, delayMs: 250 });
});

void test('IPv6 addresses share a record per /64; IPv4-mapped addresses are IPv4', () => {
  const throttle = new LoginThrottle({ ...OPTIONS, clock: new ManualClock() });
  for (let i = 1; i <= 3; i++) throttle.recordFailure(`2001:db8:5:6::${i}`);
  assert.deepEqual(throttle.check('2001:db8:5:6:ffff::1'), { allowed: true, delayMs: 250 });
  assert.deepEqual(throttle.check('2001:db8:5:7::1'), { allowed: true, delayMs: 0 });
  for (let i = 0; i < 3; i++) throttle.recordFailure('::ffff:192.0.2.99');
  assert.deepEqual(throttle.check('192.0.2.99'), { allowed: true, delayMs: 250 });
});

void test("a success clears the account and forgives only that account's failures on the IP", () => {
  const throttle = new LoginThrottle({ ...OPTIONS, clock: new ManualClock() });
  delays(throttle, 3); // alice mistypes three times
  for (let i = 0; i < 2; i++) throttle.recordFailure(IP, 'victim@example.com');
  throttle.recordSuccess(IP, USER);
  assert.deepEqual(throttle.check('198.51.100.1', USER), { allowed: true, delayMs: 0 });
  // The two failures against another account stay on the IP.
  throttle.recordFailure(IP, 'victim@example.com');
  assert.deepEqual(throttle.check(IP), { allowed: true, delayMs: 250 });
});

void test('memory is bounded: the least recently failed keys are evicted', () => {
  const throttle = new LoginThrottle({ ...OPTIONS, clock: new ManualClock(), maxTracked: 5 });
  for (let i = 0; i < 4; i++) throttle.recordFailure('192.0.2.1', 'first@example.com');
  for (let i = 0; i < 12; i++) throttle.recordFailure(`198.51.100.${i}`, `user${i}@example.com`);
  assert.deepEqual(throttle.size, { ips: 5, accounts: 5 });
  assert.deepEqual(throttle.check('192.0.2.1', 'first@example.com'), { allowed: true, delayMs: 0 });
  assert.deepEqual(throttle.check('198.51.100.11', 'user11@example.com'), { allowed: true, delayMs: 0 }); // one failure kept
  throttle.recordFailure('198.51.100.11', 'user11@example.com');
  throttle.recordFailure('198.51.100.11', 'user11@example.com');
  assert.deepEqual(throttle.check('198.51.100.11', 'user11@example.com'), { allowed: true, delayMs: 250 });
});
