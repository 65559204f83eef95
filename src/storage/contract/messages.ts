// Storage contract, part 3: messages — append, read, list, flags, copy, move, expunge,
// changes, quota, and change events.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangeEvent } from '../api.ts';
import { eventually, failure, fixture, message, unwrap, withStore, type ContractAdapter } from './harness.ts';

export function messageContract(adapter: ContractAdapter): void {
  describe(`${adapter.name}: messages`, () => {
    it('appends with growing UIDs and MODSEQs and reads the exact bytes back', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        const binary = Buffer.concat([Buffer.from('Subject: bin\r\n\r\n'), Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 13, 10])]);
        const date = new Date('2020-02-29T12:34:56.000Z');
        const results = await storage.appendMessages([
          { accountId: account.id, mailboxId: inbox.id, raw: message('one'), flags: ['\\SEEN', 'Work', 'work', '$Label1'] },
          { accountId: account.id, mailboxId: inbox.id, raw: binary, internalDate: date, cache: '{"subject":"bin"}' },
        ]);
        const [first, second] = results.map(unwrap);
        assert.ok(first && second);
        assert.equal(first.uid, 1);
        assert.equal(second.uid, 2);
        assert.ok(second.modSeq > first.modSeq);
        assert.equal(first.uidValidity, inbox.uidValidity);
        assert.deepEqual(unwrap(await storage.readMessage(account.id, second.blobId)), binary);
        const listed = unwrap(await storage.listMessages(account.id, inbox.id, { withCache: true }));
        assert.deepEqual(listed.map((m) => m.flags), [['\\Seen', 'Work', '$Label1'], []]);
        assert.equal(listed[1]?.internalDate.getTime(), date.getTime());
        assert.equal(listed[1]?.size, binary.length);
        assert.equal(listed[1]?.cache, '{"subject":"bin"}');
        assert.equal(listed[0]?.cache, null);
        const status = unwrap(await storage.mailboxStatus(account.id, inbox.id));
        assert.deepEqual({ ...status, uidValidity: 0 }, {
          messages: 2, recent: 2, unseen: 1, deleted: 0, size: message('one').length + binary.length, uidNext: 3, uidValidity: 0, highestModSeq: second.modSeq,
        });
        assert.deepEqual(unwrap(await storage.getQuota(account.id)), { usedBytes: status.size, limitBytes: null, messages: 2 });
      });
    });

    it('shares one blob between copies of the same content and keeps it until the last goes', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        const raw = message('same');
        const [a, b] = (await storage.appendMessages([
          { accountId: account.id, mailboxId: inbox.id, raw },
          { accountId: account.id, mailboxId: inbox.id, raw },
        ])).map(unwrap);
        assert.ok(a && b);
        assert.equal(a.blobId, b.blobId, 'content-addressed inside an account');
        const listed = unwrap(await storage.listMessages(account.id, inbox.id));
        assert.equal(listed[0]?.emailId, listed[1]?.emailId, 'EMAILID is shared by copies (RFC 8474)');
        unwrap(await storage.updateFlags(account.id, inbox.id, [1], { mode: 'add', flags: ['\\Deleted'] }));
        unwrap(await storage.expungeMessages(account.id, inbox.id));
        assert.deepEqual(unwrap(await storage.readMessage(account.id, a.blobId)), raw, 'the other copy still reads');
        unwrap(await storage.updateFlags(account.id, inbox.id, [2], { mode: 'add', flags: ['\\Deleted'] }));
        unwrap(await storage.expungeMessages(account.id, inbox.id));
        assert.equal(failure(await storage.readMessage(account.id, a.blobId)).code, 'nonexistent');
        const [c] = (await storage.appendMessages([{ accountId: account.id, mailboxId: inbox.id, raw }])).map(unwrap);
        assert.deepEqual(unwrap(await storage.readMessage(account.id, c?.blobId ?? '')), raw, 'the same content can come back');
      });
    });

    it('refuses a lone append over quota or to a missing mailbox, charging nothing', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage, 'alice@example.com', 200);
        const [big] = await storage.appendMessages([{ accountId: account.id, mailboxId: inbox.id, raw: message('big', 'x'.repeat(500)) }]);
        assert.equal(failure(big ?? assert.fail()).code, 'over-quota');
        const [nowhere] = await storage.appendMessages([{ accountId: account.id, mailboxId: inbox.id + 999, raw: message('nowhere') }]);
        assert.equal(failure(nowhere ?? assert.fail()).code, 'nonexistent');
        const [stranger] = await storage.appendMessages([{ accountId: account.id + 999, mailboxId: inbox.id, raw: message('who') }]);
        assert.equal(failure(stranger ?? assert.fail()).code, 'nonexistent');
        assert.deepEqual(unwrap(await storage.getQuota(account.id)), { usedBytes: 0, limitBytes: 200, messages: 0 });
        assert.equal(unwrap(await storage.mailboxStatus(account.id, inbox.id)).uidNext, 1, 'a refused append takes no UID');
        const [fits] = await storage.appendMessages([{ accountId: account.id, mailboxId: inbox.id, raw: message('ok') }]);
        assert.equal(unwrap(fits ?? assert.fail()).uid, 1);
      });
    });

    it('keeps lone appends that arrive together apart: each gets its own outcome, a bad one fails no other', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage, 'alice@example.com', 2000);
        const alone = (mailboxId: number, raw: Uint8Array) => storage.appendMessages([{ accountId: account.id, mailboxId, raw }]).then(([r]) => r ?? assert.fail());
        // The account's keys are loaded by the first append, so the next five arrive together.
        assert.equal(unwrap(await alone(inbox.id, message('first'))).uid, 1);
        const settled = await Promise.allSettled([
          ...['a', 'b', 'c', 'd'].map((name) => alone(inbox.id, message(name))),
          alone(inbox.id, message('big', 'x'.repeat(5000))),
          alone(inbox.id + 999, message('nowhere')),
          alone(inbox.id + 0.5, message('not an id')),
          alone(inbox.id, message('last')),
        ]);
        const outcome = (i: number) => {
          const entry = settled[i];
          if (entry?.status !== 'fulfilled') return 'thrown';
          return entry.value.ok ? entry.value.value.uid : entry.value.error.code;
        };
        // Concurrent appends take UIDs in whatever order they commit: each its own, none lost.
        assert.deepEqual([0, 1, 2, 3, 7].map(outcome).sort(), [2, 3, 4, 5, 6]);
        assert.deepEqual([4, 5].map(outcome), ['over-quota', 'nonexistent']);
        assert.notEqual(typeof outcome(6), 'number', 'a malformed mailbox id is never stored');
        assert.equal(unwrap(await storage.getQuota(account.id)).messages, 6);
      });
    });

    it('refuses invalid flags and over-quota appends per item, storing the rest', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage, 'alice@example.com', 200);
        const results = await storage.appendMessages([
          { accountId: account.id, mailboxId: inbox.id, raw: message('ok') },
          { accountId: account.id, mailboxId: inbox.id, raw: message('big', 'x'.repeat(500)) },
          { accountId: account.id, mailboxId: inbox.id, raw: message('bad'), flags: ['\\Bogus'] },
          { accountId: account.id, mailboxId: inbox.id, raw: message('bad'), flags: ['has space'] },
          { accountId: account.id, mailboxId: inbox.id + 999, raw: message('nowhere') },
        ]);
        assert.equal(unwrap(results[0] ?? assert.fail()).uid, 1);
        assert.deepEqual(results.slice(1).map((r) => failure(r).code), ['over-quota', 'invalid', 'invalid', 'nonexistent']);
        assert.equal(unwrap(await storage.listMessages(account.id, inbox.id)).length, 1);
        assert.equal(unwrap(await storage.mailboxStatus(account.id, inbox.id)).uidNext, 2, 'a refused append takes no UID');
      });
    });

    it('lists by UID range and CHANGEDSINCE', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        const items = [1, 2, 3, 4, 5].map((n) => ({ accountId: account.id, mailboxId: inbox.id, raw: message(`m${n}`) }));
        const appended = (await storage.appendMessages(items)).map(unwrap);
        const uids = (query: object) => storage.listMessages(account.id, inbox.id, query).then((r) => unwrap(r).map((m) => m.uid));
        assert.deepEqual(await uids({ uidFrom: 2, uidTo: 4 }), [2, 3, 4]);
        assert.deepEqual(await uids({ uidFrom: 4 }), [4, 5]);
        assert.deepEqual(await uids({ changedSince: appended[2]?.modSeq ?? 0 }), [4, 5]);
        assert.deepEqual(await uids({ uidFrom: 9 }), []);
      });
    });

    it('adds, removes and replaces flags with one new MODSEQ, honouring UNCHANGEDSINCE', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        const items = [1, 2, 3].map((n) => ({ accountId: account.id, mailboxId: inbox.id, raw: message(`m${n}`) }));
        await storage.appendMessages(items);
        const added = unwrap(await storage.updateFlags(account.id, inbox.id, [1, 2, 99], { mode: 'add', flags: ['\\Flagged', 'Later'] }));
        assert.deepEqual(added.updated.map((m) => [m.uid, m.flags]), [[1, ['\\Flagged', 'Later']], [2, ['\\Flagged', 'Later']]]);
        const modSeq = added.updated[0]?.modSeq ?? 0;
        assert.equal(added.updated[1]?.modSeq, modSeq);
        const again = unwrap(await storage.updateFlags(account.id, inbox.id, [1], { mode: 'add', flags: ['later'] }));
        assert.deepEqual(again.updated, [], 'no change, no new MODSEQ');
        const removed = unwrap(await storage.updateFlags(account.id, inbox.id, [1], { mode: 'remove', flags: ['LATER'] }));
        assert.deepEqual(removed.updated[0]?.flags, ['\\Flagged']);
        const replaced = unwrap(await storage.updateFlags(account.id, inbox.id, [3], { mode: 'replace', flags: ['\\Seen', '\\Answered'] }));
        assert.deepEqual(replaced.updated[0]?.flags, ['\\Seen', '\\Answered']);
        const conditional = unwrap(
          await storage.updateFlags(account.id, inbox.id, [1, 2, 3], { mode: 'add', flags: ['\\Draft'], unchangedSince: modSeq }),
        );
        assert.deepEqual(conditional.modified, [1, 3]);
        assert.deepEqual(conditional.updated.map((m) => m.uid), [2]);
        assert.equal(failure(await storage.updateFlags(account.id, inbox.id, [1], { mode: 'add', flags: ['\\Recent'] })).code, 'invalid');
        const many = Array.from({ length: 40 }, (_, i) => `k${i}`);
        unwrap(await storage.updateFlags(account.id, inbox.id, [2], { mode: 'add', flags: many }));
        const more = Array.from({ length: 40 }, (_, i) => `m${i}`);
        assert.equal(failure(await storage.updateFlags(account.id, inbox.id, [2], { mode: 'add', flags: more })).code, 'limit');
        const kept = unwrap(await storage.listMessages(account.id, inbox.id, { uidFrom: 2, uidTo: 2 }));
        assert.equal(kept[0]?.flags.filter((f) => f.startsWith('m')).length, 0, 'a refused change changes nothing');
        assert.equal(failure(await storage.updateFlags(account.id, inbox.id + 999, [1], { mode: 'add', flags: ['x'] })).code, 'nonexistent');
      });
    });

    it('copies with new UIDs, flags and dates kept, and counts the quota', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        const archive = await storage.getMailbox(account.id, 'Archive');
        assert.ok(archive);
        const date = new Date('2019-01-01T00:00:00Z');
        await storage.appendMessages([1, 2, 3].map((n) => ({ accountId: account.id, mailboxId: inbox.id, raw: message(`m${n}`), flags: ['\\Seen'], internalDate: date })));
        const copied = unwrap(await storage.copyMessages(account.id, inbox.id, [3, 1, 42], archive.id));
        assert.equal(copied.uidValidity, archive.uidValidity);
        assert.deepEqual(copied.mapping, [[1, 1], [3, 2]]);
        const listed = unwrap(await storage.listMessages(account.id, archive.id));
        assert.deepEqual(listed.map((m) => [m.uid, m.flags, m.internalDate.getTime()]), [[1, ['\\Seen'], date.getTime()], [2, ['\\Seen'], date.getTime()]]);
        assert.equal(unwrap(await storage.getQuota(account.id)).messages, 5);
        assert.equal(unwrap(await storage.mailboxStatus(account.id, inbox.id)).messages, 3, 'the source is untouched');
        assert.equal(failure(await storage.copyMessages(account.id, inbox.id, [1], archive.id + 999)).code, 'nonexistent');
      });
    });

    it('refuses a copy over quota and copies nothing', async () => {
      await withStore(adapter, async (storage) => {
        const raw = message('q', 'x'.repeat(300));
        const { account, inbox } = await fixture(storage, 'alice@example.com', raw.length * 2 + 10);
        await storage.appendMessages([1, 2].map(() => ({ accountId: account.id, mailboxId: inbox.id, raw })));
        const trash = await storage.getMailbox(account.id, 'Trash');
        assert.equal(failure(await storage.copyMessages(account.id, inbox.id, [1, 2], trash?.id ?? 0)).code, 'over-quota');
        assert.equal(unwrap(await storage.mailboxStatus(account.id, trash?.id ?? 0)).messages, 0);
        assert.equal(unwrap(await storage.mailboxStatus(account.id, trash?.id ?? 0)).uidNext, 1);
      });
    });

    it('moves atomically: the source reports the UIDs as vanished', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        const junk = await storage.getMailbox(account.id, 'Junk');
        assert.ok(junk);
        await storage.appendMessages([1, 2, 3].map((n) => ({ accountId: account.id, mailboxId: inbox.id, raw: message(`m${n}`) })));
        const before = unwrap(await storage.mailboxStatus(account.id, inbox.id)).highestModSeq;
        const moved = unwrap(await storage.moveMessages(account.id, inbox.id, [2, 3], junk.id));
        assert.deepEqual(moved.mapping, [[2, 1], [3, 2]]);
        assert.deepEqual(unwrap(await storage.listMessages(account.id, inbox.id)).map((m) => m.uid), [1]);
        assert.deepEqual(unwrap(await storage.changesSince(account.id, inbox.id, before)).vanished, [2, 3]);
        assert.equal(unwrap(await storage.getQuota(account.id)).messages, 3);
        const renumbered = unwrap(await storage.moveMessages(account.id, inbox.id, [1], inbox.id));
        assert.deepEqual(renumbered.mapping, [[1, 4]], 'a move into the same mailbox gives a new UID (RFC 6851 §3.3)');
        assert.deepEqual(unwrap(await storage.listMessages(account.id, inbox.id)).map((m) => m.uid), [4]);
      });
    });

    it('expunges only \\Deleted messages, within the given UIDs, and reports them as vanished', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        await storage.appendMessages([1, 2, 3, 4].map((n) => ({ accountId: account.id, mailboxId: inbox.id, raw: message(`m${n}`) })));
        unwrap(await storage.updateFlags(account.id, inbox.id, [1, 2, 3], { mode: 'add', flags: ['\\Deleted'] }));
        const since = unwrap(await storage.mailboxStatus(account.id, inbox.id)).highestModSeq;
        const partial = unwrap(await storage.expungeMessages(account.id, inbox.id, [2, 4]));
        assert.deepEqual(partial.uids, [2]);
        const rest = unwrap(await storage.expungeMessages(account.id, inbox.id));
        assert.deepEqual(rest.uids, [1, 3]);
        assert.ok(rest.modSeq > partial.modSeq);
        assert.deepEqual(unwrap(await storage.listMessages(account.id, inbox.id)).map((m) => m.uid), [4]);
        const changes = unwrap(await storage.changesSince(account.id, inbox.id, since));
        assert.deepEqual(changes.vanished, [1, 2, 3]);
        assert.equal(changes.highestModSeq, rest.modSeq);
        const none = unwrap(await storage.expungeMessages(account.id, inbox.id));
        assert.deepEqual(none.uids, []);
        assert.equal(unwrap(await storage.getQuota(account.id)).messages, 1);
      });
    });

    it('reports changed messages since a MODSEQ', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        await storage.appendMessages([1, 2, 3].map((n) => ({ accountId: account.id, mailboxId: inbox.id, raw: message(`m${n}`) })));
        const since = unwrap(await storage.mailboxStatus(account.id, inbox.id)).highestModSeq;
        unwrap(await storage.updateFlags(account.id, inbox.id, [2], { mode: 'add', flags: ['\\Seen'] }));
        const changes = unwrap(await storage.changesSince(account.id, inbox.id, since));
        assert.deepEqual(changes.changed.map((m) => [m.uid, m.flags]), [[2, ['\\Seen']]]);
        assert.deepEqual(changes.vanished, []);
        assert.equal(failure(await storage.changesSince(account.id, inbox.id + 999, 0)).code, 'nonexistent');
      });
    });

    it('publishes change events after commit, to other handles too where the store is shared', async () => {
      await withStore(adapter, async (storage, store) => {
        const { account, inbox } = await fixture(storage);
        const second = await store.open();
        try {
          const seen: ChangeEvent[] = [];
          const remote: ChangeEvent[] = [];
          const stop = storage.onChange((event) => seen.push(event));
          second.onChange((event) => remote.push(event));
          const [appended] = (await storage.appendMessages([{ accountId: account.id, mailboxId: inbox.id, raw: message('e') }])).map(unwrap);
          unwrap(await storage.updateFlags(account.id, inbox.id, [1], { mode: 'add', flags: ['\\Deleted'] }));
          unwrap(await storage.expungeMessages(account.id, inbox.id));
          await eventually(() => seen.length >= 3);
          assert.deepEqual(seen.map((e) => [e.accountId, e.mailboxId, e.kind]), [
            [account.id, inbox.id, 'append'],
            [account.id, inbox.id, 'flags'],
            [account.id, inbox.id, 'expunge'],
          ]);
          assert.equal(seen[0]?.modSeq, appended?.modSeq);
          if (storage.capabilities.crossProcessEvents) await eventually(() => remote.length >= 3);
          stop();
          await storage.appendMessages([{ accountId: account.id, mailboxId: inbox.id, raw: message('after') }]);
          if (storage.capabilities.crossProcessEvents) await eventually(() => remote.length >= 4);
          assert.equal(seen.length, 3, 'an unsubscribed listener hears nothing more');
        } finally {
          await second.close();
        }
      });
    });
  });
}
