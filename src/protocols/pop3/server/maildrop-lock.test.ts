import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { silentLogger } from '../../../core/log.ts';
import { MAILDROP_LOCK_RENEW_MS, MAILDROP_LOCK_TTL_MS, OUTPUT_FLUSH_OCTETS, STLS_HANDSHAKE_TIMEOUT_MS } from './limits.ts';
import { loginDelayLeaseName, MaildropLock, maildropLockName } from './maildrop-lock.ts';

/** Leases in memory with a hand-moved clock, as the storage contract specifies them. */
class FakeLeases {
  now = 0;
  failing = false;
  readonly calls: string[] = [];
  readonly held = new Map<string, { owner: string; expires: number }>();

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    this.calls.push(`acquire ${name} ${owner} ${ttlMs}`);
    if (this.failing) throw new Error('database unavailable');
    const lease = this.held.get(name);
    if (lease !== undefined && lease.owner !== owner && lease.expires > this.now) return false;
    this.held.set(name, { owner, expires: this.now + ttlMs });
    return true;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.calls.push(`release ${name} ${owner}`);
    if (this.failing) throw new Error('database unavailable');
    if (this.held.get(name)?.owner === owner) this.held.delete(name);
  }
}

describe('pop3 maildrop lock', () => {
  it('names its leases per account', () => {
    assert.equal(maildropLockName(42), 'pop3:42');
    assert.equal(loginDelayLeaseName(42), 'pop3-login-delay:42');
  });

  it('has limits that renew well within the lease life', () => {
    assert.equal(MAILDROP_LOCK_TTL_MS, 60_000);
    assert.equal(MAILDROP_LOCK_RENEW_MS, 20_000);
    assert.ok(MAILDROP_LOCK_RENEW_MS * 3 <= MAILDROP_LOCK_TTL_MS, 'two renewals may fail before the lease expires');
    assert.equal(STLS_HANDSHAKE_TIMEOUT_MS, 30_000);
    assert.equal(OUTPUT_FLUSH_OCTETS, 65_536);
  });

  it('is held by one owner, renewed on a timer while held, and released once', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const leases = new FakeLeases();
      const lock = await MaildropLock.acquire(leases, 7, 'a', silentLogger());
      assert.ok(lock);
      assert.equal(await MaildropLock.acquire(leases, 7, 'b', silentLogger()), undefined, 'a second owner is refused');
      leases.calls.length = 0;
      leases.now += MAILDROP_LOCK_RENEW_MS;
      mock.timers.tick(MAILDROP_LOCK_RENEW_MS);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(leases.calls, [`acquire pop3:7 a ${MAILDROP_LOCK_TTL_MS}`], 'renewed by the timer');
      // A failing store does not end the session: the lease outlives the missed renewal.
      leases.failing = true;
      mock.timers.tick(MAILDROP_LOCK_RENEW_MS);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(lock.lost, false);
      leases.failing = false;
      await lock.release();
      await lock.release();
      assert.equal(leases.held.size, 0);
      assert.equal(leases.calls.filter((call) => call.startsWith('release')).length, 1, 'released once');
      leases.calls.length = 0;
      mock.timers.tick(MAILDROP_LOCK_RENEW_MS * 3);
      assert.deepEqual(leases.calls, [], 'no renewal after release');
    } finally {
      mock.timers.reset();
    }
  });

  it('notices a lease that expired and went to another owner, and renews no more', async () => {
    const leases = new FakeLeases();
    const lock = await MaildropLock.acquire(leases, 7, 'a', silentLogger());
    assert.ok(lock);
    leases.now += MAILDROP_LOCK_TTL_MS;
    assert.equal(await leases.acquireLease('pop3:7', 'b', MAILDROP_LOCK_TTL_MS), true);
    assert.equal(await lock.renew(), false);
    assert.equal(lock.lost, true);
    assert.equal(await lock.renew(), false);
    await lock.release();
    assert.equal(leases.held.get('pop3:7')?.owner, 'b', 'a lost lock never releases the new owner\'s lease');
  });

  it('never throws on release, even when the store fails (the lease then expires by itself)', async () => {
    const leases = new FakeLeases();
    const lock = await MaildropLock.acquire(leases, 7, 'a', silentLogger());
    assert.ok(lock);
    leases.failing = true;
    await lock.release();
  });
});
