// Storage contract, part 7: leases (named locks with expiry) across handles, and removing
// messages whatever their flags.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { fixture, message, unwrap, withStore, type ContractAdapter } from './harness.ts';

export function leaseContract(adapter: ContractAdapter): void {
  describe(`${adapter.name}: leases and removal`, () => {
    it('gives a lease to one owner at a time, across handles, until it is released or expires', async () => {
      await withStore(adapter, async (_storage, store) => {
        const clock = new ManualClock();
        const a = await store.open({ clock });
        const b = await store.open({ clock });
        try {
          assert.equal(await a.acquireLease('pop3:1', 'session-a', 60_000), true);
          assert.equal(await b.acquireLease('pop3:1', 'session-b', 60_000), false, 'held by another owner');
          assert.equal(await a.acquireLease('pop3:1', 'session-a', 60_000), true, 'the holder renews');
          assert.equal(await b.acquireLease('pop3:2', 'session-b', 60_000), true, 'other names are independent');
          await b.releaseLease('pop3:1', 'session-b');
          assert.equal(await b.acquireLease('pop3:1', 'session-b', 60_000), false, 'only the owner releases');
          await a.releaseLease('pop3:1', 'session-a');
          assert.equal(await b.acquireLease('pop3:1', 'session-b', 1000), true);
          clock.advance(1000);
          assert.equal(await a.acquireLease('pop3:1', 'session-a', 1000), true, 'an expired lease is free');
        } finally {
          await a.close();
          await b.close();
        }
      });
    });

    it('removes messages whatever their flags and reports them as vanished', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        await storage.appendMessages([1, 2, 3].map((n) => ({ accountId: account.id, mailboxId: inbox.id, raw: message(`m${n}`) })));
        const since = unwrap(await storage.mailboxStatus(account.id, inbox.id)).highestModSeq;
        const removed = unwrap(await storage.removeMessages(account.id, inbox.id, [1, 3, 7]));
        assert.deepEqual(removed.uids, [1, 3]);
        assert.deepEqual(unwrap(await storage.listMessages(account.id, inbox.id)).map((m) => m.uid), [2]);
        assert.deepEqual(unwrap(await storage.changesSince(account.id, inbox.id, since)).vanished, [1, 3]);
        assert.equal(unwrap(await storage.getQuota(account.id)).messages, 1);
        assert.deepEqual(unwrap(await storage.removeMessages(account.id, inbox.id, [1])).uids, [], 'removing twice removes nothing');
      });
    });
  });
}
