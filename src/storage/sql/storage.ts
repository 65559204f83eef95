// The Storage facade over the shared SQL verbs: one implementation of storage/api.ts for both
// adapters, which differ only in the StoreContext they build (driver, blob store, publisher).

import type { Storage, StorageCapabilities } from '../api.ts';
import * as accounts from './accounts.ts';
import type { StoreContext } from './context.ts';
import { deliver } from './delivery.ts';
import { InboxIds } from './inbox-ids.ts';
import { acquireLease, releaseLease } from './leases.ts';
import * as domains from './domains.ts';
import * as mailboxes from './mailboxes.ts';
import * as reads from './messages-read.ts';
import * as writes from './messages-write.ts';
import * as claims from './queue-claims.ts';
import * as queue from './queue-read.ts';

export interface SqlStorageOptions {
  readonly capabilities: StorageCapabilities;
  /** Extra work on close (listener connections, pools), after the driver is closed. */
  readonly onClose?: () => Promise<void>;
  /** Best effort to overwrite deleted rows on disk after an account deletion. */
  readonly scrub?: () => Promise<void>;
}

export function createSqlStorage(ctx: StoreContext, options: SqlStorageOptions): Storage {
  const inboxIds = new InboxIds();
  return {
    capabilities: options.capabilities,

    createDomain: (name, keys) => domains.createDomain(ctx, name, keys),
    getDomain: (name) => domains.getDomain(ctx, name),
    listDomains: () => domains.listDomains(ctx),
    deleteDomain: (name) => domains.deleteDomain(ctx, name),
    addDkimKey: (domainId, key) => domains.addDkimKey(ctx, domainId, key),
    listDkimKeys: (domainId) => domains.listDkimKeys(ctx, domainId),
    rotateDkimKeys: (domainId, keys) => domains.rotateDkimKeys(ctx, domainId, keys),

    createAccount: (input) => accounts.createAccount(ctx, input),
    getAccount: (address) => accounts.getAccount(ctx, address),
    getAccountById: (id) => accounts.getAccountById(ctx, id),
    listAccounts: (domain) => accounts.listAccounts(ctx, domain),
    setCredentials: (id, credentials) => accounts.setCredentials(ctx, id, credentials),
    setQuota: (id, quota) => accounts.setQuota(ctx, id, quota),
    deleteAccount: async (id) => {
      const result = await accounts.deleteAccount(ctx, id);
      inboxIds.forget(id);
      if (result.ok) await options.scrub?.();
      return result;
    },

    setAlias: (alias) => accounts.setAlias(ctx, alias),
    deleteAlias: (address) => accounts.deleteAlias(ctx, address),
    listAliases: (domain) => accounts.listAliases(ctx, domain),
    resolveRecipient: (address) => accounts.resolveRecipient(ctx, address),

    listMailboxes: (accountId) => mailboxes.listMailboxes(ctx, accountId),
    getMailbox: (accountId, name) => mailboxes.getMailbox(ctx, accountId, name),
    inboxId: (accountId) => inboxIds.get(ctx, accountId),
    getMailboxById: (accountId, id) => mailboxes.getMailboxById(ctx, accountId, id),
    createMailbox: (accountId, name, createOptions) => mailboxes.createMailbox(ctx, accountId, name, createOptions?.specialUse ?? null),
    renameMailbox: (accountId, from, to) => mailboxes.renameMailbox(ctx, accountId, from, to),
    deleteMailbox: (accountId, name) => mailboxes.deleteMailbox(ctx, accountId, name),
    mailboxStatus: (accountId, mailboxId) => mailboxes.mailboxStatus(ctx, accountId, mailboxId),
    listSubscriptions: (accountId) => mailboxes.listSubscriptions(ctx, accountId),
    setSubscribed: (accountId, name, subscribed) => mailboxes.setSubscribed(ctx, accountId, name, subscribed),

    appendMessages: (items) => writes.appendMessages(ctx, items),
    listMessages: (accountId, mailboxId, query) => reads.listMessages(ctx, accountId, mailboxId, query),
    readMessage: (accountId, blobId) => reads.readMessage(ctx, accountId, blobId),
    updateFlags: (accountId, mailboxId, uids, change) => writes.updateFlags(ctx, accountId, mailboxId, uids, change),
    copyMessages: (accountId, from, uids, to) => writes.copyMessages(ctx, accountId, from, uids, to),
    moveMessages: (accountId, from, uids, to) => writes.moveMessages(ctx, accountId, from, uids, to),
    expungeMessages: (accountId, mailboxId, uids) => writes.expungeMessages(ctx, accountId, mailboxId, uids),
    claimRecent: (accountId, mailboxId, uidNext) => mailboxes.claimRecent(ctx, accountId, mailboxId, uidNext),
    removeMessages: (accountId, mailboxId, uids) => writes.removeMessages(ctx, accountId, mailboxId, uids),
    changesSince: (accountId, mailboxId, modSeq) => reads.changesSince(ctx, accountId, mailboxId, modSeq),
    getQuota: (accountId) => reads.getQuota(ctx, accountId),

    deliver: (delivery) => deliver(ctx, delivery),
    listQueue: (filter) => queue.listQueue(ctx, filter),
    getQueued: (messageId) => queue.getQueued(ctx, messageId),
    readQueuedMessage: (queueId) => queue.readQueuedMessage(ctx, queueId),
    claimQueue: (request) => claims.claimQueue(ctx, request),
    settleQueue: (settlement) => claims.settleQueue(ctx, settlement),
    renewClaims: (owner, leaseMs) => claims.renewClaims(ctx, owner, leaseMs),
    releaseClaims: (owner) => claims.releaseClaims(ctx, owner),
    retryQueue: (messageId) => claims.retryQueue(ctx, messageId),
    removeQueued: (messageId) => claims.removeQueued(ctx, messageId),
    nextQueueDue: () => claims.nextQueueDue(ctx),
    purgeQueue: (before) => claims.purgeQueue(ctx, before),

    acquireLease: (name, owner, ttlMs) => acquireLease(ctx, name, owner, ttlMs),
    releaseLease: (name, owner) => releaseLease(ctx, name, owner),

    onChange: (listener) => ctx.events.subscribe(listener),
    close: async () => {
      await ctx.events.close();
      await ctx.driver.close();
      await options.onClose?.();
    },
  };
}
