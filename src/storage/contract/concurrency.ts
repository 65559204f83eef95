// Storage contract, part 4: concurrent writers. Two handles on one store (two connection
// pools on PostgreSQL, two connections on SQLite) append to one mailbox at the same time: every
// message gets its own UID, each writer sees its UIDs grow, and none is skipped or reused.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Storage } from '../api.ts';
import { fixture, message, unwrap, withStore, type ContractAdapter } from './harness.ts';

const PER_WRITER = 40;

async function appendInTurn(storage: Storage, accountId: number, mailboxId: number, tag: string): Promise<number[]> {
  const uids: number[] = [];
  for (let n = 0; n < PER_WRITER; n++) {
    const [result] = await storage.appendMessages([{ accountId, mailboxId, raw: message(`${tag}-${n}`) }]);
    uids.push(unwrap(result ?? assert.fail()).uid);
  }
  return uids;
}

export function concurrencyContract(adapter: ContractAdapter): void {
  describe(`${adapter.name}: concurrency`, () => {
    it('two writers appending to one mailbox get distinct, increasing UIDs', async () => {
      await withStore(adapter, async (storage, store) => {
        const { account, inbox } = await fixture(storage);
        const second = await store.open();
        try {
          const [a, b] = await Promise.all([
            appendInTurn(storage, account.id, inbox.id, 'a'),
            appendInTurn(second, account.id, inbox.id, 'b'),
          ]);
          for (const uids of [a, b]) assert.ok(uids.every((uid, i) => i === 0 || uid > (uids[i - 1] ?? 0)), 'each writer sees its UIDs grow');
          const all = [...a, ...b].sort((x, y) => x - y);
          assert.deepEqual(all, Array.from({ length: 2 * PER_WRITER }, (_, i) => i + 1), 'no UID is skipped or given twice');
          const listed = unwrap(await storage.listMessages(account.id, inbox.id));
          assert.equal(listed.length, 2 * PER_WRITER);
          assert.equal(unwrap(await second.mailboxStatus(account.id, inbox.id)).uidNext, 2 * PER_WRITER + 1);
        } finally {
          await second.close();
        }
      });
    });

    it('many concurrent appends through one handle commit together and all get UIDs', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        const results = await Promise.all(
          Array.from({ length: 60 }, (_, n) => storage.appendMessages([{ accountId: account.id, mailboxId: inbox.id, raw: message(`burst-${n}`) }])),
        );
        const uids = results.map(([r]) => unwrap(r ?? assert.fail()).uid).sort((x, y) => x - y);
        assert.deepEqual(uids, Array.from({ length: 60 }, (_, i) => i + 1));
        const modSeqs = new Set(results.map(([r]) => unwrap(r ?? assert.fail()).modSeq));
        assert.equal(modSeqs.size, 60, 'every append has its own MODSEQ');
      });
    });

    it('concurrent flag changes and expunges leave consistent counts', async () => {
      await withStore(adapter, async (storage, store) => {
        const { account, inbox } = await fixture(storage);
        await storage.appendMessages(Array.from({ length: 30 }, (_, n) => ({ accountId: account.id, mailboxId: inbox.id, raw: message(`m-${n}`) })));
        const second = await store.open();
        try {
          const uids = Array.from({ length: 30 }, (_, i) => i + 1);
          await Promise.all([
            ...uids.map((uid) => storage.updateFlags(account.id, inbox.id, [uid], { mode: 'add', flags: ['\\Deleted'] })),
            ...uids.map((uid) => second.updateFlags(account.id, inbox.id, [uid], { mode: 'add', flags: ['\\Seen'] })),
          ]);
          const [x, y] = await Promise.all([storage.expungeMessages(account.id, inbox.id), second.expungeMessages(account.id, inbox.id)]);
          const expunged = [...unwrap(x ?? assert.fail()).uids, ...unwrap(y ?? assert.fail()).uids].sort((p, q) => p - q);
          assert.deepEqual(expunged, uids, 'each message is expunged exactly once');
          assert.deepEqual(unwrap(await storage.getQuota(account.id)), { usedBytes: 0, limitBytes: null, messages: 0 });
        } finally {
          await second.close();
        }
      });
    });
  });
}
