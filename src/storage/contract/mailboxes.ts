// Storage contract, part 2: mailboxes and subscriptions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failure, fixture, message, unwrap, withStore, type ContractAdapter } from './harness.ts';

export function mailboxContract(adapter: ContractAdapter): void {
  describe(`${adapter.name}: mailboxes`, () => {
    it('creates mailboxes, with special use, and finds INBOX in any case', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        const work = unwrap(await storage.createMailbox(account.id, 'Work/Projects'));
        assert.equal(work.name, 'Work/Projects');
        assert.equal(work.uidNext, 1);
        const flagged = unwrap(await storage.createMailbox(account.id, 'Starred', { specialUse: '\\Flagged' }));
        assert.equal(flagged.specialUse, '\\Flagged');
        assert.equal((await storage.getMailbox(account.id, 'inbox'))?.id, inbox.id);
        assert.equal((await storage.getMailbox(account.id, 'InBoX'))?.id, inbox.id);
        const child = unwrap(await storage.createMailbox(account.id, 'inbox/Receipts'));
        assert.equal(child.name, 'INBOX/Receipts');
        assert.equal((await storage.getMailboxById(account.id, work.id))?.name, 'Work/Projects');
        assert.equal(failure(await storage.createMailbox(account.id, 'work/projects/../x')).code, 'invalid');
        assert.equal(failure(await storage.createMailbox(account.id, 'Work/Projects')).code, 'already-exists');
        assert.equal(failure(await storage.createMailbox(account.id, 'X', { specialUse: '\\Important' as '\\All' })).code, 'invalid');
      });
    });

    it('refuses hostile mailbox names', async () => {
      await withStore(adapter, async (storage) => {
        const { account } = await fixture(storage);
        const names = ['', '..', 'a/../b', 'a//b', '/a', 'a/', 'a\u0000b', 'a\r\nb', 'x'.repeat(10 * 1024), 'a*', 'b%', ' lead', 'trail '];
        for (const name of names) {
          assert.equal(failure(await storage.createMailbox(account.id, name)).code, 'invalid', JSON.stringify(name.slice(0, 20)));
        }
        unwrap(await storage.createMailbox(account.id, '&AC4ALgAv-'));
        unwrap(await storage.createMailbox(account.id, '__proto__'));
        unwrap(await storage.createMailbox(account.id, 'Ünïcødé 📬'));
        assert.ok(await storage.getMailbox(account.id, '__proto__'));
      });
    });

    it('keeps accounts apart: one cannot see or touch another’s mailboxes', async () => {
      await withStore(adapter, async (storage) => {
        const admin = await fixture(storage, 'admin@example.com');
        const adm = await fixture(storage, 'adm@example.com');
        assert.equal(await storage.getMailboxById(adm.account.id, admin.inbox.id), undefined);
        assert.equal(failure(await storage.mailboxStatus(adm.account.id, admin.inbox.id)).code, 'nonexistent');
        assert.equal(failure(await storage.listMessages(adm.account.id, admin.inbox.id)).code, 'nonexistent');
        const results = await storage.appendMessages([{ accountId: adm.account.id, mailboxId: admin.inbox.id, raw: message('x') }]);
        assert.equal(failure(results[0] ?? assert.fail()).code, 'nonexistent');
        assert.equal(unwrap(await storage.mailboxStatus(admin.account.id, admin.inbox.id)).messages, 0);
      });
    });

    it('renames a mailbox with its children and subscriptions, keeping UIDVALIDITY', async () => {
      await withStore(adapter, async (storage) => {
        const { account } = await fixture(storage);
        const parent = unwrap(await storage.createMailbox(account.id, 'Old'));
        unwrap(await storage.createMailbox(account.id, 'Old/Child'));
        unwrap(await storage.createMailbox(account.id, 'Older'));
        unwrap(await storage.setSubscribed(account.id, 'Old/Child', true));
        unwrap(await storage.renameMailbox(account.id, 'Old', 'New'));
        const names = (await storage.listMailboxes(account.id)).map((m) => m.name);
        assert.ok(names.includes('New') && names.includes('New/Child') && names.includes('Older'));
        assert.ok(!names.includes('Old') && !names.includes('Old/Child'));
        const renamed = await storage.getMailbox(account.id, 'New');
        assert.equal(renamed?.id, parent.id);
        assert.equal(renamed?.uidValidity, parent.uidValidity);
        const subscriptions = await storage.listSubscriptions(account.id);
        assert.ok(subscriptions.includes('New/Child') && !subscriptions.includes('Old/Child'));
        assert.equal(failure(await storage.renameMailbox(account.id, 'New', 'Older')).code, 'already-exists');
        assert.equal(failure(await storage.renameMailbox(account.id, 'New', 'New/Inside')).code, 'invalid');
        assert.equal(failure(await storage.renameMailbox(account.id, 'Missing', 'Other')).code, 'nonexistent');
        unwrap(await storage.createMailbox(account.id, 'Src'));
        unwrap(await storage.createMailbox(account.id, 'Src/Kid'));
        unwrap(await storage.createMailbox(account.id, 'Dst/Kid'));
        assert.equal(failure(await storage.renameMailbox(account.id, 'Src', 'Dst')).code, 'already-exists', 'a child would collide');
        assert.ok(await storage.getMailbox(account.id, 'Src/Kid'), 'a refused rename renames nothing');
        assert.equal(await storage.getMailbox(account.id, 'Dst'), undefined);
      });
    });

    it('renaming INBOX moves its messages to a new mailbox and leaves INBOX empty', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        await storage.appendMessages([
          { accountId: account.id, mailboxId: inbox.id, raw: message('one') },
          { accountId: account.id, mailboxId: inbox.id, raw: message('two') },
        ]);
        const before = unwrap(await storage.mailboxStatus(account.id, inbox.id));
        assert.equal(await storage.inboxId(account.id), inbox.id);
        unwrap(await storage.renameMailbox(account.id, 'INBOX', 'Old Mail'));
        assert.equal(await storage.inboxId(account.id), inbox.id, 'INBOX keeps its id');
        assert.equal((await storage.getMailbox(account.id, 'INBOX'))?.id, inbox.id);
        const after = unwrap(await storage.mailboxStatus(account.id, inbox.id));
        assert.equal(after.messages, 0);
        assert.equal(after.uidValidity, before.uidValidity);
        assert.equal(after.uidNext, before.uidNext, 'UIDs are not reused in INBOX');
        const moved = await storage.getMailbox(account.id, 'Old Mail');
        assert.ok(moved);
        assert.equal(unwrap(await storage.mailboxStatus(account.id, moved.id)).messages, 2);
        assert.deepEqual(unwrap(await storage.changesSince(account.id, inbox.id, before.highestModSeq)).vanished, [1, 2]);
        assert.equal(unwrap(await storage.getQuota(account.id)).messages, 2);
      });
    });

    it('deletes a mailbox with its messages; INBOX cannot be deleted; recreating gives a new UIDVALIDITY', async () => {
      await withStore(adapter, async (storage) => {
        const { account } = await fixture(storage);
        const box = unwrap(await storage.createMailbox(account.id, 'Temp'));
        await storage.appendMessages([{ accountId: account.id, mailboxId: box.id, raw: message('temp', 'x'.repeat(1000)) }]);
        assert.ok(unwrap(await storage.getQuota(account.id)).usedBytes > 1000);
        unwrap(await storage.deleteMailbox(account.id, 'Temp'));
        assert.equal(await storage.getMailbox(account.id, 'Temp'), undefined);
        assert.deepEqual(unwrap(await storage.getQuota(account.id)), { usedBytes: 0, limitBytes: null, messages: 0 });
        const again = unwrap(await storage.createMailbox(account.id, 'Temp'));
        assert.ok(again.uidValidity > box.uidValidity, 'UIDVALIDITY grows for a recreated name');
        assert.equal(failure(await storage.deleteMailbox(account.id, 'inbox')).code, 'cannot');
        assert.equal(failure(await storage.deleteMailbox(account.id, 'Missing')).code, 'nonexistent');
      });
    });

    it('gives new messages as \\Recent to the first session that claims them (RFC 3501 §2.3.2)', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        await storage.appendMessages([1, 2].map((n) => ({ accountId: account.id, mailboxId: inbox.id, raw: message(`r${n}`) })));
        assert.equal(unwrap(await storage.claimRecent(account.id, inbox.id, 3)), 1, 'the first claimer gets UIDs 1 and 2');
        assert.equal(unwrap(await storage.claimRecent(account.id, inbox.id, 3)), 3, 'the next one gets none');
        await storage.appendMessages([{ accountId: account.id, mailboxId: inbox.id, raw: message('r3') }]);
        assert.equal(unwrap(await storage.claimRecent(account.id, inbox.id, 4)), 3, 'UID 3 is new again');
        assert.equal(unwrap(await storage.claimRecent(account.id, inbox.id, 2)), 4, 'a stale claim takes nothing back');
        assert.equal(failure(await storage.claimRecent(account.id + 999, inbox.id, 4)).code, 'nonexistent');
      });
    });

    it('subscribes and unsubscribes, names that do not exist included', async () => {
      await withStore(adapter, async (storage) => {
        const { account } = await fixture(storage);
        unwrap(await storage.setSubscribed(account.id, 'Not/There/Yet', true));
        unwrap(await storage.setSubscribed(account.id, 'Not/There/Yet', true));
        unwrap(await storage.setSubscribed(account.id, 'Trash', false));
        const subscriptions = await storage.listSubscriptions(account.id);
        assert.ok(subscriptions.includes('Not/There/Yet'));
        assert.ok(!subscriptions.includes('Trash'));
        assert.equal(failure(await storage.setSubscribed(account.id, 'a//b', true)).code, 'invalid');
        assert.equal(failure(await storage.setSubscribed(account.id + 999, 'x', true)).code, 'nonexistent');
      });
    });
  });
}
