import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../core/clock.ts';
import { Authenticator, MAX_LOGIN_PASSWORD_OCTETS, type AuthResult } from './authenticator.ts';
import { FakeAccounts, recordingSleep, TEST_SCRYPT_PARAMS } from './fake-accounts.test-support.ts';
import { parseScramVerifier } from './scram.ts';

const IP = '192.0.2.10';
const THROTTLE = { freeFailures: 3, lockoutFailures: 6, lockoutSeconds: 900 };

async function setup(): Promise<{ auth: Authenticator; accounts: FakeAccounts; clock: ManualClock; delays: number[] }> {
  const accounts = new FakeAccounts();
  await accounts.add('alice@example.com', 'alice-password-1');
  const clock = new ManualClock();
  const { sleep, delays } = recordingSleep();
  const auth = new Authenticator({ accounts, clock, sleep, throttle: THROTTLE, cache: { size: 100, ttlSeconds: 60 }, scryptParams: TEST_SCRYPT_PARAMS });
  return { auth, accounts, clock, delays };
}

void test('the right password logs in; the user name is canonicalized', async () => {
  const { auth, delays } = await setup();
  for (const username of ['alice@example.com', 'Alice@EXAMPLE.com', 'alice@Example.Com']) {
    const result = await auth.authenticate({ username, password: 'alice-password-1', remoteAddress: IP });
    assert.ok(result.ok, username);
    assert.equal(result.account.address, 'alice@example.com');
  }
  assert.deepEqual(delays, []);
});

void test('wrong password, unknown user and malformed user name get identical answers and delays', async () => {
  const runs: { results: AuthResult[]; delays: number[] }[] = [];
  for (const username of ['alice@example.com', 'nobody@example.com', 'not an address', '']) {
    const { auth, delays } = await setup();
    const results: AuthResult[] = [];
    for (let i = 0; i < 7; i++) results.push(await auth.authenticate({ username, password: 'guess', remoteAddress: IP }));
    runs.push({ results, delays });
  }
  const [first, ...others] = runs;
  assert.ok(first);
  assert.deepEqual(
    first.results.map((result) => (result.ok ? 'ok' : result.reason)),
    ['invalid-credentials', 'invalid-credentials', 'invalid-credentials', 'invalid-credentials', 'invalid-credentials', 'invalid-credentials', 'locked-out'],
  );
  assert.deepEqual(first.delays, [250, 500, 1000]); // failures 4 to 6; the 7th is locked out
  for (const run of others) assert.deepEqual(run, first);
});

void test('a locked-out account is refused even with the right password, until the lockout ends', async () => {
  const { auth, clock, accounts } = await setup();
  for (let i = 0; i < THROTTLE.lockoutFailures; i++) {
    await auth.authenticate({ username: 'alice@example.com', password: 'nope', remoteAddress: `198.51.100.${i}` });
  }
  const lookups = accounts.lookups;
  const locked = await auth.authenticate({ username: 'alice@example.com', password: 'alice-password-1', remoteAddress: '203.0.113.1' });
  assert.deepEqual(locked, { ok: false, reason: 'locked-out' });
  assert.equal(accounts.lookups, lookups, 'answered without looking at the account');
  clock.advance(THROTTLE.lockoutSeconds * 1000);
  assert.ok((await auth.authenticate({ username: 'alice@example.com', password: 'alice-password-1', remoteAddress: '203.0.113.1' })).ok);
});

void test('a success forgets earlier failures of that account', async () => {
  const { auth, delays } = await setup();
  for (let i = 0; i < 4; i++) await auth.authenticate({ username: 'alice@example.com', password: 'typo', remoteAddress: IP });
  assert.deepEqual(delays, [250]);
  assert.ok((await auth.authenticate({ username: 'alice@example.com', password: 'alice-password-1', remoteAddress: IP })).ok);
  await auth.authenticate({ username: 'alice@example.com', password: 'typo', remoteAddress: IP });
  assert.deepEqual(delays, [250], 'the next failure is free again');
});

void test('storage errors answer temporary', async () => {
  const { auth, accounts } = await setup();
  accounts.failing = true;
  assert.deepEqual(await auth.authenticate({ username: 'alice@example.com', password: 'alice-password-1', remoteAddress: IP }), {
    ok: false,
    reason: 'temporary',
  });
  assert.deepEqual(await auth.scramLookup('alice@example.com', IP), { ok: false, reason: 'temporary' });
});

void test('a password changed in storage invalidates the cached login; passwordChanged clears the cache', async () => {
  const { auth, accounts } = await setup();
  const login = (password: string): Promise<AuthResult> => auth.authenticate({ username: 'alice@example.com', password, remoteAddress: IP });
  assert.ok((await login('alice-password-1')).ok);
  assert.ok((await login('alice-password-1')).ok); // from the cache
  await accounts.setPassword('alice@example.com', 'alice-password-2');
  assert.equal((await login('alice-password-1')).ok, false);
  assert.ok((await login('alice-password-2')).ok);
  auth.passwordChanged('ALICE@example.com');
  assert.ok((await login('alice-password-2')).ok);
});

void test('a malformed stored hash or an over-long password fails like a wrong password', async () => {
  const { auth, accounts } = await setup();
  const alice = accounts.accounts.get('alice@example.com');
  assert.ok(alice);
  accounts.accounts.set('alice@example.com', { ...alice, credentials: { ...alice.credentials, passwordHash: 'garbage' } });
  assert.deepEqual(await auth.authenticate({ username: 'alice@example.com', password: 'alice-password-1', remoteAddress: IP }), {
    ok: false,
    reason: 'invalid-credentials',
  });
  assert.deepEqual(await auth.authenticate({ username: 'alice@example.com', password: 'x'.repeat(MAX_LOGIN_PASSWORD_OCTETS + 1), remoteAddress: IP }), {
    ok: false,
    reason: 'invalid-credentials',
  });
});

void test('scramLookup: the stored verifier for an account, a stable fake one for anyone else', async () => {
  const { auth, accounts } = await setup();
  const alice = await auth.scramLookup('Alice@example.com', IP);
  assert.ok(alice.ok);
  const stored = parseScramVerifier(accounts.accounts.get('alice@example.com')?.credentials.scramSha256 ?? '');
  assert.ok(stored.ok);
  assert.deepEqual(alice.subject.verifier, stored.value);

  const nobody1 = await auth.scramLookup('nobody@example.com', IP);
  const nobody2 = await auth.scramLookup('NOBODY@example.com', '198.51.100.1');
  const other = await auth.scramLookup('other@example.com', IP);
  const junk = await auth.scramLookup('not an address', IP);
  assert.ok(nobody1.ok && nobody2.ok && other.ok && junk.ok);
  assert.deepEqual(nobody1.subject.verifier, nobody2.subject.verifier);
  assert.notDeepEqual(nobody1.subject.verifier.salt, other.subject.verifier.salt);
  assert.equal(nobody1.subject.verifier.iterations, 10_000);
  assert.equal(nobody1.subject.verifier.salt.length, 16);
  assert.equal(junk.subject.account, undefined);
});

void test('scramFinish goes through the same throttle', async () => {
  const { auth, delays } = await setup();
  for (let i = 0; i < THROTTLE.lockoutFailures; i++) {
    const lookup = await auth.scramLookup('alice@example.com', IP);
    assert.ok(lookup.ok);
    assert.deepEqual(await auth.scramFinish(lookup.subject, false), { ok: false, reason: 'invalid-credentials' });
  }
  assert.deepEqual(delays, [250, 500, 1000]);
  assert.deepEqual(await auth.scramLookup('alice@example.com', IP), { ok: false, reason: 'locked-out' });
  assert.deepEqual(await auth.authenticate({ username: 'alice@example.com', password: 'alice-password-1', remoteAddress: IP }), {
    ok: false,
    reason: 'locked-out',
  });
});

void test('scramFinish with a good proof logs in and clears failures', async () => {
  const { auth, delays } = await setup();
  for (let i = 0; i < 3; i++) await auth.authenticate({ username: 'alice@example.com', password: 'typo', remoteAddress: IP });
  const lookup = await auth.scramLookup('alice@example.com', IP);
  assert.ok(lookup.ok);
  const result = await auth.scramFinish(lookup.subject, true);
  assert.ok(result.ok);
  assert.equal(result.account.address, 'alice@example.com');
  await auth.authenticate({ username: 'alice@example.com', password: 'typo', remoteAddress: IP });
  assert.deepEqual(delays, []);
  // A "good proof" for an unknown user cannot log anyone in.
  const nobody = await auth.scramLookup('nobody@example.com', IP);
  assert.ok(nobody.ok);
  assert.deepEqual(await auth.scramFinish(nobody.subject, true), { ok: false, reason: 'invalid-credentials' });
});

void test('property: any user name and password is answered with a failure value, never an exception', async () => {
  const { auth } = await setup();
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), async (username, password) => {
      run++;
      const remoteAddress = `2001:db8:${run.toString(16)}::1`;
      const result = await auth.authenticate({ username, password, remoteAddress });
      assert.equal(result.ok, false);
      const lookup = await auth.scramLookup(username, remoteAddress);
      assert.ok(lookup.ok || lookup.reason === 'locked-out');
    }),
    { numRuns: 200 },
  );
});
