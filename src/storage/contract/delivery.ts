// Storage contract, part 6: the delivery write — local copies and the outbound queue entry
// commit together or not at all — and the queue as stored.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Delivery } from '../api.ts';
import { failure, fixture, message, unwrap, withStore, type ContractAdapter } from './harness.ts';

export function deliveryContract(adapter: ContractAdapter): void {
  describe(`${adapter.name}: delivery`, () => {
    it('stores local copies and the outbound queue entry in one commit', async () => {
      await withStore(adapter, async (storage) => {
        const alice = await fixture(storage);
        const bob = await fixture(storage, 'bob@example.com');
        const raw = message('to everyone');
        const delivery: Delivery = {
          queueId: 'Q1',
          local: [
            { accountId: alice.account.id, mailboxId: alice.inbox.id, raw },
            { accountId: bob.account.id, mailboxId: bob.inbox.id, raw },
          ],
          outbound: {
            raw,
            envelope: { sender: 'alice@example.com', envid: 'env-1', ret: 'HDRS', body: '8BITMIME', smtputf8: false, requireTls: true, accountId: alice.account.id },
            recipients: [
              { address: 'carol@remote.example', notify: ['FAILURE', 'DELAY'], orcpt: 'rfc822;carol@remote.example' },
              { address: 'dave@remote.example', notify: 'NEVER' },
              { address: 'carol@remote.example' },
            ],
          },
        };
        const receipt = unwrap(await storage.deliver(delivery));
        assert.equal(receipt.local.length, 2);
        assert.equal(receipt.queued, 2, 'a repeated recipient is queued once');
        assert.notEqual(receipt.local[0]?.blobId, receipt.local[1]?.blobId, 'each account has its own sealed copy');
        assert.deepEqual(unwrap(await storage.readMessage(bob.account.id, receipt.local[1]?.blobId ?? '')), raw);
        const [queued] = await storage.listQueue();
        assert.equal(queued?.id, 'Q1');
        assert.deepEqual(queued?.envelope, delivery.outbound?.envelope);
        assert.equal(queued?.size, raw.length);
        assert.deepEqual(
          queued?.recipients.map((r) => [r.address, r.state, r.attempts, r.notify, r.orcpt ?? null]),
          [
            ['carol@remote.example', 'queued', 0, ['FAILURE', 'DELAY'], 'rfc822;carol@remote.example'],
            ['dave@remote.example', 'queued', 0, 'NEVER', null],
          ],
        );
        assert.deepEqual(unwrap(await storage.readQueuedMessage('Q1')), raw);
        assert.equal(queued?.prepared, null, 'not prepared for the wire: delivery prepares it');
        assert.equal(failure(await storage.readQueuedMessage('Q2')).code, 'nonexistent');
      });
    });

    it('keeps whether a queued message was prepared for the wire, and the pool it asked for', async () => {
      await withStore(adapter, async (storage) => {
        const envelope = { sender: 'alice@example.com', body: '7BIT', smtputf8: false, requireTls: false, accountId: null } as const;
        const recipients = [{ address: 'carol@remote.example' }];
        unwrap(await storage.deliver({ queueId: 'P1', local: [], outbound: { raw: message('bulk'), envelope, recipients, prepared: { requestedPool: 'bulk' } } }));
        unwrap(await storage.deliver({ queueId: 'P2', local: [], outbound: { raw: message('plain'), envelope, recipients, prepared: { requestedPool: null } } }));
        assert.deepEqual((await storage.getQueued('P1'))?.prepared, { requestedPool: 'bulk' });
        assert.deepEqual((await storage.getQueued('P2'))?.prepared, { requestedPool: null });
      });
    });

    it('commits nothing when one local copy fails', async () => {
      await withStore(adapter, async (storage) => {
        const alice = await fixture(storage);
        const small = await fixture(storage, 'small@example.com', 10);
        const raw = message('too big for one');
        const result = await storage.deliver({
          queueId: 'Q9',
          local: [
            { accountId: alice.account.id, mailboxId: alice.inbox.id, raw },
            { accountId: small.account.id, mailboxId: small.inbox.id, raw },
          ],
          outbound: {
            raw,
            envelope: { sender: '', body: '7BIT', smtputf8: false, requireTls: false, accountId: null },
            recipients: [{ address: 'x@remote.example' }],
          },
        });
        assert.equal(failure(result).code, 'over-quota');
        assert.equal(unwrap(await storage.mailboxStatus(alice.account.id, alice.inbox.id)).messages, 0);
        assert.equal(unwrap(await storage.mailboxStatus(alice.account.id, alice.inbox.id)).uidNext, 1);
        assert.deepEqual(await storage.listQueue(), []);
      });
    });
  });
}
