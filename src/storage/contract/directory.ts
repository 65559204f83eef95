// Storage contract, part 1: domains, DKIM keys, accounts and aliases.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MAILBOXES } from '../default-mailboxes.ts';
import { failure, fixture, message, unwrap, withStore, type ContractAdapter } from './harness.ts';

const credentials = { passwordHash: '$scrypt$test', scramSha256: 'SCRAM-SHA-256$test' };

export function directoryContract(adapter: ContractAdapter): void {
  describe(`${adapter.name}: domains`, () => {
    it('creates, lists, finds and deletes domains', async () => {
      await withStore(adapter, async (storage) => {
        const created = unwrap(await storage.createDomain('example.com'));
        assert.equal(created.name, 'example.com');
        unwrap(await storage.createDomain('a.example.org'));
        assert.deepEqual((await storage.listDomains()).map((d) => d.name), ['a.example.org', 'example.com']);
        assert.equal((await storage.getDomain('example.com'))?.id, created.id);
        assert.equal(await storage.getDomain('missing.example'), undefined);
        unwrap(await storage.deleteDomain('a.example.org'));
        assert.deepEqual((await storage.listDomains()).map((d) => d.name), ['example.com']);
      });
    });

    it('refuses duplicates, non-canonical names, and deleting a domain in use', async () => {
      await withStore(adapter, async (storage) => {
        unwrap(await storage.createDomain('example.com'));
        assert.equal(failure(await storage.createDomain('example.com')).code, 'already-exists');
        for (const bad of ['Example.COM', 'example.com.', '', 'exa mple.com', '[127.0.0.1]', 'münchen.de', '-a.com', '__proto__']) {
          assert.equal(failure(await storage.createDomain(bad)).code, 'invalid', bad);
        }
        unwrap(await storage.createDomain('xn--mnchen-3ya.de'));
        unwrap(await storage.createAccount({ address: 'bob@example.com', credentials }));
        assert.equal(failure(await storage.deleteDomain('example.com')).code, 'in-use');
        assert.equal(failure(await storage.deleteDomain('nowhere.example')).code, 'nonexistent');
        assert.ok(await storage.getDomain('example.com'), 'a refused delete leaves the domain');
      });
    });

    it('keeps DKIM keys, sealed, and gives them back', async () => {
      await withStore(adapter, async (storage) => {
        const domain = unwrap(await storage.createDomain('example.com'));
        const pem = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIH\n-----END PRIVATE KEY-----\n';
        unwrap(await storage.addDkimKey(domain.id, { selector: 'pw2026e', algorithm: 'ed25519-sha256', privateKeyPem: pem, publicKey: 'AAAA' }));
        unwrap(await storage.addDkimKey(domain.id, { selector: 'pw2026r', algorithm: 'rsa-sha256', privateKeyPem: 'rsa-pem', publicKey: 'BBBB' }));
        const keys = await storage.listDkimKeys(domain.id);
        assert.deepEqual(keys.map((k) => [k.selector, k.algorithm, k.privateKeyPem, k.publicKey, k.active]).sort(), [
          ['pw2026e', 'ed25519-sha256', pem, 'AAAA', true],
          ['pw2026r', 'rsa-sha256', 'rsa-pem', 'BBBB', true],
        ]);
        const duplicate = await storage.addDkimKey(domain.id, { selector: 'pw2026e', algorithm: 'ed25519-sha256', privateKeyPem: pem, publicKey: 'A' });
        assert.equal(failure(duplicate).code, 'already-exists');
        const badSelector = await storage.addDkimKey(domain.id, { selector: 'bad selector', algorithm: 'rsa-sha256', privateKeyPem: pem, publicKey: 'A' });
        assert.equal(failure(badSelector).code, 'invalid');
        const withKeys = unwrap(await storage.createDomain('example.org', [{ selector: 'a', algorithm: 'rsa-sha256', privateKeyPem: 'p', publicKey: 'q' }]));
        assert.deepEqual((await storage.listDkimKeys(withKeys.id)).map((k) => k.selector), ['a']);
        const twice = { selector: 'b', algorithm: 'rsa-sha256', privateKeyPem: 'p', publicKey: 'q' } as const;
        assert.equal(failure(await storage.createDomain('example.net', [twice, twice])).code, 'already-exists');
        assert.equal(await storage.getDomain('example.net'), undefined, 'a domain whose keys fail is not created');
        const noDomain = await storage.addDkimKey(domain.id + 1000, { selector: 's', algorithm: 'rsa-sha256', privateKeyPem: pem, publicKey: 'A' });
        assert.equal(failure(noDomain).code, 'nonexistent');
      });
    });

    it('rotates DKIM keys: new keys active, old keys kept inactive, all or nothing', async () => {
      await withStore(adapter, async (storage, store) => {
        const key = (selector: string, algorithm: 'rsa-sha256' | 'ed25519-sha256' = 'rsa-sha256') => ({ selector, algorithm, privateKeyPem: `pem-${selector}`, publicKey: `pub-${selector}` });
        const domain = unwrap(await storage.createDomain('example.com', [key('old-r'), key('old-e', 'ed25519-sha256')]));
        const other = unwrap(await storage.createDomain('example.org', [key('old-r')]));
        const state = async (id: number) => (await storage.listDkimKeys(id)).map((k) => [k.selector, k.active]).sort();

        const rotated = unwrap(await storage.rotateDkimKeys(domain.id, [key('new-r'), key('new-e', 'ed25519-sha256')]));
        assert.deepEqual(rotated.map((k) => [k.selector, k.active]).sort(), await state(domain.id), 'returns the keys as stored');
        assert.deepEqual(await state(domain.id), [['new-e', true], ['new-r', true], ['old-e', false], ['old-r', false]]);
        const retired = (await storage.listDkimKeys(domain.id)).find((k) => k.selector === 'old-r');
        assert.equal(retired?.privateKeyPem, 'pem-old-r', 'a retired key is kept whole');
        assert.equal(retired?.publicKey, 'pub-old-r');
        assert.deepEqual(await state(other.id), [['old-r', true]], "another domain's keys are untouched");

        const clash = await storage.rotateDkimKeys(domain.id, [key('newer-r'), key('old-e', 'ed25519-sha256')]);
        assert.equal(failure(clash).code, 'already-exists', 'a retired selector is never reused');
        assert.deepEqual(await state(domain.id), [['new-e', true], ['new-r', true], ['old-e', false], ['old-r', false]], 'a failed rotation changes nothing');
        assert.equal(failure(await storage.rotateDkimKeys(domain.id, [])).code, 'invalid');
        assert.equal(failure(await storage.rotateDkimKeys(domain.id, [key('bad selector')])).code, 'invalid');
        assert.equal(failure(await storage.rotateDkimKeys(domain.id + 1000, [key('x')])).code, 'nonexistent');

        unwrap(await storage.rotateDkimKeys(domain.id, [key('third')]));
        const reopened = await store.open();
        try {
          assert.deepEqual(
            (await reopened.listDkimKeys(domain.id)).map((k) => [k.selector, k.active]).sort(),
            [['new-e', false], ['new-r', false], ['old-e', false], ['old-r', false], ['third', true]],
            'the rotation is committed, seen by another handle',
          );
        } finally {
          await reopened.close();
        }
      });
    });
  });

  describe(`${adapter.name}: accounts`, () => {
    it('creates an account with its default mailboxes, subscribed', async () => {
      await withStore(adapter, async (storage) => {
        const { account } = await fixture(storage);
        assert.equal(account.address, 'alice@example.com');
        assert.equal(account.usedBytes, 0);
        const mailboxes = await storage.listMailboxes(account.id);
        assert.deepEqual(
          mailboxes.map((m) => [m.name, m.specialUse]).sort(),
          DEFAULT_MAILBOXES.map((m) => [m.name, m.specialUse]).sort(),
        );
        assert.equal(new Set(mailboxes.map((m) => m.uidValidity)).size, mailboxes.length, 'UIDVALIDITY differs per mailbox');
        assert.deepEqual((await storage.listSubscriptions(account.id)).sort(), DEFAULT_MAILBOXES.map((m) => m.name).sort());
        assert.deepEqual(await storage.getAccount('alice@example.com'), account);
        assert.deepEqual(await storage.getAccountById(account.id), account);
      });
    });

    it('refuses duplicates, unknown domains, non-canonical addresses and bad quotas, writing nothing', async () => {
      await withStore(adapter, async (storage) => {
        unwrap(await storage.createDomain('example.com'));
        unwrap(await storage.createAccount({ address: 'alice@example.com', credentials }));
        assert.equal(failure(await storage.createAccount({ address: 'alice@example.com', credentials })).code, 'already-exists');
        assert.equal(failure(await storage.createAccount({ address: 'bob@nowhere.example', credentials })).code, 'nonexistent');
        for (const bad of ['Alice@example.com', 'alice', 'a..b@example.com', '"q"@example.com', 'a@[127.0.0.1]']) {
          assert.equal(failure(await storage.createAccount({ address: bad, credentials })).code, 'invalid', bad);
        }
        assert.equal(failure(await storage.createAccount({ address: 'carol@example.com', credentials, quotaBytes: -1 })).code, 'invalid');
        assert.equal(failure(await storage.createAccount({ address: 'carol@example.com', credentials, quotaBytes: 1.5 })).code, 'invalid');
        assert.deepEqual((await storage.listAccounts()).map((a) => a.address), ['alice@example.com']);
      });
    });

    it('lists accounts, by domain too, and keeps similar names apart', async () => {
      await withStore(adapter, async (storage) => {
        await fixture(storage, 'admin@example.com');
        await fixture(storage, 'adm@example.com');
        await fixture(storage, 'adm@example.org');
        assert.deepEqual((await storage.listAccounts()).map((a) => a.address), ['adm@example.com', 'adm@example.org', 'admin@example.com']);
        assert.deepEqual((await storage.listAccounts('example.org')).map((a) => a.address), ['adm@example.org']);
        assert.deepEqual(await storage.listAccounts('missing.example'), []);
      });
    });

    it('changes credentials and quota', async () => {
      await withStore(adapter, async (storage) => {
        const { account } = await fixture(storage);
        unwrap(await storage.setCredentials(account.id, { passwordHash: 'new-hash', scramSha256: 'new-scram' }));
        unwrap(await storage.setQuota(account.id, 1000));
        const changed = await storage.getAccount(account.address);
        assert.deepEqual(changed?.credentials, { passwordHash: 'new-hash', scramSha256: 'new-scram' });
        assert.equal(changed?.quotaBytes, 1000);
        unwrap(await storage.setQuota(account.id, null));
        assert.equal((await storage.getAccount(account.address))?.quotaBytes, null);
        assert.equal(failure(await storage.setQuota(account.id, -5)).code, 'invalid');
        assert.equal(failure(await storage.setCredentials(account.id + 999, credentials)).code, 'nonexistent');
        assert.equal(failure(await storage.setQuota(account.id + 999, 5)).code, 'nonexistent');
      });
    });

    it('deletes an account with its mailboxes and makes its mail unreadable', async () => {
      await withStore(adapter, async (storage) => {
        const { account, inbox } = await fixture(storage);
        const other = await fixture(storage, 'bob@example.com');
        const [appended] = await storage.appendMessages([{ accountId: account.id, mailboxId: inbox.id, raw: message('secret') }]);
        const blobId = unwrap(appended ?? assert.fail()).blobId;
        await storage.appendMessages([{ accountId: other.account.id, mailboxId: other.inbox.id, raw: message('secret') }]);
        assert.equal(await storage.inboxId(account.id), inbox.id);
        unwrap(await storage.deleteAccount(account.id));
        assert.equal(await storage.getAccount(account.address), undefined);
        assert.equal(await storage.inboxId(account.id), undefined);
        assert.deepEqual(await storage.listMailboxes(account.id), []);
        assert.equal(failure(await storage.readMessage(account.id, blobId)).code, 'nonexistent');
        assert.equal(failure(await storage.deleteAccount(account.id)).code, 'nonexistent');
        const bobs = unwrap(await storage.listMessages(other.account.id, other.inbox.id));
        assert.equal(bobs.length, 1, "another account's copy of the same content survives");
        assert.deepEqual(unwrap(await storage.readMessage(other.account.id, bobs[0]?.blobId ?? '')), message('secret'));
        const again = await fixture(storage, 'alice@example.com');
        assert.notEqual(again.account.id, account.id, 'account ids are never reused');
        assert.equal(failure(await storage.readMessage(again.account.id, blobId)).code, 'nonexistent');
      });
    });
  });

  describe(`${adapter.name}: encryption at rest`, () => {
    it('stores no message bytes in the clear, and refuses to open with another master key', async () => {
      await withStore(adapter, async (storage, store) => {
        const { account, inbox } = await fixture(storage);
        const marker = 'PLAINTEXT-MARKER-7f3a';
        await storage.appendMessages([{ accountId: account.id, mailboxId: inbox.id, raw: message(marker, `${marker}\r\n`) }]);
        const blobs = await store.rawBlobs();
        assert.ok(blobs.length >= 1);
        for (const blob of blobs) assert.equal(Buffer.from(blob).includes(marker), false, 'nothing at rest holds the message in the clear');
        await assert.rejects(store.openWithMasterKey('00'.repeat(32)), /master key does not match/);
      });
    });
  });

  describe(`${adapter.name}: aliases`, () => {
    it('sets, replaces, lists, resolves and deletes aliases', async () => {
      await withStore(adapter, async (storage) => {
        const { account } = await fixture(storage);
        unwrap(await storage.setAlias({ address: 'sales@example.com', targets: ['alice@example.com', 'bob@example.net'] }));
        assert.deepEqual(await storage.listAliases(), [{ address: 'sales@example.com', targets: ['alice@example.com', 'bob@example.net'] }]);
        unwrap(await storage.setAlias({ address: 'sales@example.com', targets: ['alice@example.com'] }));
        assert.deepEqual(await storage.listAliases('example.com'), [{ address: 'sales@example.com', targets: ['alice@example.com'] }]);
        assert.deepEqual(await storage.resolveRecipient('sales@example.com'), { kind: 'alias', alias: { address: 'sales@example.com', targets: ['alice@example.com'] } });
        assert.deepEqual(await storage.resolveRecipient('alice@example.com'), { kind: 'account', account });
        assert.equal(await storage.resolveRecipient('nobody@example.com'), undefined);
        unwrap(await storage.deleteAlias('sales@example.com'));
        assert.deepEqual(await storage.listAliases(), []);
        assert.equal(failure(await storage.deleteAlias('sales@example.com')).code, 'nonexistent');
      });
    });

    it('keeps aliases and accounts from taking each other’s address', async () => {
      await withStore(adapter, async (storage) => {
        await fixture(storage);
        assert.equal(failure(await storage.setAlias({ address: 'alice@example.com', targets: ['x@example.org'] })).code, 'already-exists');
        unwrap(await storage.setAlias({ address: 'team@example.com', targets: ['alice@example.com'] }));
        assert.equal(failure(await storage.createAccount({ address: 'team@example.com', credentials })).code, 'already-exists');
        assert.equal(failure(await storage.setAlias({ address: 'x@nowhere.example', targets: ['alice@example.com'] })).code, 'nonexistent');
        assert.equal(failure(await storage.setAlias({ address: 'y@example.com', targets: [] })).code, 'invalid');
        assert.equal(failure(await storage.setAlias({ address: 'y@example.com', targets: ['not an address'] })).code, 'invalid');
      });
    });
  });
}
