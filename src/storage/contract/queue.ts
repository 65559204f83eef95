// Storage contract, part 8: the outbound queue's work verbs. Claims are exclusive across
// handles (and processes, on PostgreSQL) until settled or expired; a settlement records the
// outcomes and stores its notices in one commit, or nothing; a message whose recipients are
// all final is finished and its bytes freed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import type { Delivery, OutboundMessage, Storage } from '../api.ts';
import { failure, fixture, message, unwrap, withStore, type ContractAdapter } from './harness.ts';

const LEASE = 60_000;

function outbound(recipients: readonly string[], subject = 'out'): OutboundMessage {
  return {
    raw: message(subject),
    envelope: { sender: 'alice@example.com', body: '7BIT', smtputf8: false, requireTls: false, accountId: null },
    recipients: recipients.map((address) => ({ address })),
  };
}

async function enqueue(storage: Storage, queueId: string, recipients: readonly string[]): Promise<void> {
  unwrap(await storage.deliver({ queueId, local: [], outbound: outbound(recipients, queueId) }));
}

export function queueContract(adapter: ContractAdapter): void {
  describe(`${adapter.name}: queue work`, () => {
    it('gives each due recipient to one claimer until it is settled or the claim expires', async () => {
      await withStore(adapter, async (_storage, store) => {
        const clock = new ManualClock();
        const a = await store.open({ clock });
        const b = await store.open({ clock });
        try {
          await enqueue(a, 'Q1', ['r1@remote.example', 'r2@remote.example', 'r3@remote.example']);
          const first = await a.claimQueue({ owner: 'a', limit: 2, leaseMs: LEASE });
          assert.equal(first.length, 1);
          assert.equal(first[0]?.message.id, 'Q1');
          assert.equal(first[0]?.message.recipients.length, 3, 'the claim carries the whole message');
          const taken = first[0]?.claimed.map((r) => r.address) ?? [];
          assert.equal(taken.length, 2);
          const second = await b.claimQueue({ owner: 'b', limit: 10, leaseMs: LEASE });
          assert.deepEqual(second.flatMap((c) => c.claimed.map((r) => r.address)), ['r1@remote.example', 'r2@remote.example', 'r3@remote.example'].filter((r) => !taken.includes(r)));
          assert.deepEqual(await b.claimQueue({ owner: 'b', limit: 10, leaseMs: LEASE }), [], 'nothing left while the claims hold');
          clock.advance(LEASE);
          const again = await b.claimQueue({ owner: 'b2', limit: 10, leaseMs: LEASE });
          assert.equal(again.flatMap((c) => c.claimed).length, 3, 'expired claims are taken again');
          assert.equal(await b.renewClaims('b2', LEASE), 3, 'a heartbeat extends the claims');
          clock.advance(LEASE - 1);
          assert.deepEqual(await a.claimQueue({ owner: 'a2', limit: 10, leaseMs: LEASE }), [], 'renewed claims still hold');
          assert.equal(await a.releaseClaims('b2'), 3);
          assert.equal((await a.claimQueue({ owner: 'a3', limit: 10, leaseMs: LEASE })).flatMap((c) => c.claimed).length, 3, 'released claims are free at once');
          assert.equal(await a.releaseClaims(), 3, 'every claim, whoever holds it');
          unwrap(await a.settleQueue({ owner: 'a', messageId: 'Q1', outcomes: taken.map((address) => ({ address, state: 'delivered', reply: '250 ok' })), notices: [] }));
          const states = (await a.getQueued('Q1'))?.recipients.map((r) => r.state);
          assert.deepEqual(states, ['queued', 'queued', 'queued'], 'a worker that lost its claim changes nothing');
        } finally {
          await a.close();
          await b.close();
        }
      });
    });

    it('records delivered, deferred and bounced outcomes; a deferred recipient waits for its time', async () => {
      await withStore(adapter, async (_storage, store) => {
        const clock = new ManualClock();
        const storage = await store.open({ clock });
        try {
          await enqueue(storage, 'Q2', ['ok@remote.example', 'later@remote.example', 'no@remote.example']);
          const [claim] = await storage.claimQueue({ owner: 'w', limit: 10, leaseMs: LEASE });
          assert.ok(claim);
          const retryAt = new Date(clock.now() + 600_000);
          unwrap(await storage.settleQueue({
            owner: 'w',
            messageId: 'Q2',
            outcomes: [
              { address: 'ok@remote.example', state: 'delivered', reply: '250 2.0.0 queued as X' },
              { address: 'later@remote.example', state: 'deferred', reply: '451 4.7.1 greylisted', nextAttemptAt: retryAt, delayNotified: true },
              { address: 'no@remote.example', state: 'bounced', reply: '550 5.1.1 no such user' },
            ],
            notices: [],
          }));
          const queued = await storage.getQueued('Q2');
          assert.deepEqual(
            queued?.recipients.map((r) => [r.address, r.state, r.attempts, r.lastReply, r.delayNotified]),
            [
              ['later@remote.example', 'deferred', 1, '451 4.7.1 greylisted', true],
              ['no@remote.example', 'bounced', 1, '550 5.1.1 no such user', false],
              ['ok@remote.example', 'delivered', 1, '250 2.0.0 queued as X', false],
            ],
          );
          assert.equal(queued?.finishedAt, null);
          assert.deepEqual((await storage.nextQueueDue())?.getTime(), retryAt.getTime());
          assert.deepEqual(await storage.claimQueue({ owner: 'w', limit: 10, leaseMs: LEASE }), []);
          clock.advance(600_000);
          const [retry] = await storage.claimQueue({ owner: 'w', limit: 10, leaseMs: LEASE });
          assert.deepEqual(retry?.claimed.map((r) => r.address), ['later@remote.example']);
          unwrap(await storage.settleQueue({ owner: 'w', messageId: 'Q2', outcomes: [{ address: 'later@remote.example', state: 'delivered', reply: '250 ok' }], notices: [] }));
          const done = await storage.getQueued('Q2');
          assert.equal(done?.finishedAt?.getTime(), clock.now(), 'finished when no recipient is pending');
          assert.equal(done?.recipients.find((r) => r.address === 'later@remote.example')?.attempts, 2);
          assert.equal(failure(await storage.readQueuedMessage('Q2')).code, 'nonexistent', 'its bytes are freed');
          assert.equal(await storage.nextQueueDue(), null);
          assert.deepEqual((await storage.listQueue({ pending: true })).map((m) => m.id), []);
          assert.deepEqual((await storage.listQueue()).map((m) => m.id), ['Q2']);
          assert.equal(await storage.purgeQueue(new Date(clock.now())), 0, 'not older than the cut-off');
          assert.equal(await storage.purgeQueue(new Date(clock.now() + 1)), 1);
          assert.equal(await storage.getQueued('Q2'), undefined);
        } finally {
          await storage.close();
        }
      });
    });

    it('stores a settlement and its notices together, or neither', async () => {
      await withStore(adapter, async (storage, store) => {
        const alice = await fixture(storage);
        const small = await fixture(storage, 'small@example.com', 10);
        await enqueue(storage, 'Q3', ['gone@remote.example']);
        await storage.claimQueue({ owner: 'w', limit: 10, leaseMs: LEASE });
        const bounced = [{ address: 'gone@remote.example', state: 'bounced', reply: '550 5.1.1 unknown' }] as const;
        const notice = (accountId: number, mailboxId: number, queueId: string): Delivery => ({ queueId, local: [{ accountId, mailboxId, raw: message('Undelivered Mail') }] });
        const refused = await storage.settleQueue({ owner: 'w', messageId: 'Q3', outcomes: bounced, notices: [notice(small.account.id, small.inbox.id, 'N0')] });
        assert.equal(failure(refused).code, 'over-quota');
        assert.equal((await storage.getQueued('Q3'))?.recipients[0]?.state, 'queued', 'the outcome rolled back with its notice');
        const blobsBefore = (await store.rawBlobs()).length;
        unwrap(await storage.settleQueue({ owner: 'w', messageId: 'Q3', outcomes: bounced, notices: [notice(alice.account.id, alice.inbox.id, 'N1')] }));
        assert.equal((await storage.getQueued('Q3'))?.recipients[0]?.state, 'bounced');
        const inbox = unwrap(await storage.listMessages(alice.account.id, alice.inbox.id));
        assert.equal(inbox.length, 1, 'the notice is in the sender INBOX');
        assert.equal((await store.rawBlobs()).length, blobsBefore, 'the notice blob came, the queued blob went');
      });
    });

    it('retries pending recipients now and removes a message on request', async () => {
      await withStore(adapter, async (_storage, store) => {
        const clock = new ManualClock();
        const storage = await store.open({ clock });
        try {
          await enqueue(storage, 'Q4', ['a@remote.example']);
          await enqueue(storage, 'Q5', ['b@remote.example']);
          for (const claim of await storage.claimQueue({ owner: 'w', limit: 10, leaseMs: LEASE })) {
            const outcomes = claim.claimed.map((r) => ({ address: r.address, state: 'deferred' as const, reply: '421 busy', nextAttemptAt: new Date(clock.now() + 3_600_000) }));
            unwrap(await storage.settleQueue({ owner: 'w', messageId: claim.message.id, outcomes, notices: [] }));
          }
          assert.equal(await storage.retryQueue('Q4'), 1);
          assert.deepEqual((await storage.claimQueue({ owner: 'w', limit: 10, leaseMs: LEASE })).map((c) => c.message.id), ['Q4']);
          assert.equal(await storage.retryQueue(), 2, 'every pending recipient, claimed or not');
          unwrap(await storage.removeQueued('Q5'));
          assert.equal(await storage.getQueued('Q5'), undefined);
          assert.equal(failure(await storage.readQueuedMessage('Q5')).code, 'nonexistent');
          assert.equal(failure(await storage.removeQueued('Q5')).code, 'nonexistent');
        } finally {
          await storage.close();
        }
      });
    });

    it('never gives one recipient to two concurrent claimers', async () => {
      await withStore(adapter, async (_storage, store) => {
        const handles = [await store.open(), await store.open(), await store.open()];
        try {
          const recipients = Array.from({ length: 20 }, (_, i) => `r${i}@remote.example`);
          for (let m = 0; m < 10; m++) await enqueue(handles[0] as Storage, `C${m}`, recipients);
          const seen = new Map<string, string>();
          await Promise.all(
            handles.map(async (handle, h) => {
              for (;;) {
                const claims = await handle.claimQueue({ owner: `h${h}`, limit: 7, leaseMs: LEASE });
                if (claims.length === 0) return;
                for (const claim of claims) {
                  for (const r of claim.claimed) {
                    const key = `${claim.message.id}/${r.address}`;
                    assert.equal(seen.get(key), undefined, `${key} claimed twice`);
                    seen.set(key, `h${h}`);
                  }
                  const outcomes = claim.claimed.map((r) => ({ address: r.address, state: 'delivered' as const, reply: '250 ok' }));
                  unwrap(await handle.settleQueue({ owner: `h${h}`, messageId: claim.message.id, outcomes, notices: [] }));
                }
              }
            }),
          );
          assert.equal(seen.size, 200);
          assert.equal((await handles[0]?.listQueue({ pending: true }))?.length, 0);
        } finally {
          for (const handle of handles) await handle.close();
        }
      });
    });
  });
}
