// The storage contract's harness: what an adapter must provide so the one suite can run
// against it (house rule 6), and small helpers shared by the suite's parts.

import assert from 'node:assert/strict';
import type { Clock } from '../../core/clock.ts';
import type { Result } from '../../core/result.ts';
import type { Account, Mailbox, Storage } from '../api.ts';
import type { MailError } from '../mail-error.ts';

export interface TestStore {
  /** Opens a new handle on this store (a second writer, or a reopen after a crash). */
  open(options?: { clock?: Clock }): Promise<Storage>;
  /** Opens the store with another master key (which must be refused). */
  openWithMasterKey(hex: string): Promise<Storage>;
  /** Every stored blob exactly as it sits at rest (files or database rows). */
  rawBlobs(): Promise<Uint8Array[]>;
  /** Arguments that let contract/crash-child.ts open this same store in another process. */
  readonly childArgs: readonly string[];
  destroy(): Promise<void>;
}

export interface ContractAdapter {
  readonly name: string;
  /** A new, empty store. */
  fresh(): Promise<TestStore>;
}

export { TEST_MASTER_KEY_HEX_FOR_CHILD as TEST_MASTER_KEY_HEX } from './crash-message.ts';

export function unwrap<T>(result: Result<T, MailError>): T {
  if (!result.ok) assert.fail(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

export function failure<T>(result: Result<T, MailError>): MailError {
  if (result.ok) assert.fail('expected a failure, got success');
  return result.error;
}

export function message(subject: string, body = 'Hello.\r\n'): Uint8Array {
  return Buffer.from(`From: a@example.org\r\nTo: b@example.com\r\nSubject: ${subject}\r\n\r\n${body}`);
}

export interface Fixture {
  readonly storage: Storage;
  readonly account: Account;
  readonly inbox: Mailbox;
}

/** A domain, an account and its INBOX. */
export async function fixture(storage: Storage, address = 'alice@example.com', quotaBytes: number | null = null): Promise<Fixture> {
  const domain = address.slice(address.indexOf('@') + 1);
  if (!(await storage.getDomain(domain))) unwrap(await storage.createDomain(domain));
  const account = unwrap(
    await storage.createAccount({ address, credentials: { passwordHash: `hash-of-${address}`, scramSha256: `scram-of-${address}` }, quotaBytes }),
  );
  const inbox = await storage.getMailbox(account.id, 'INBOX');
  assert.ok(inbox, 'a new account has an INBOX');
  return { storage, account, inbox };
}

/** Runs `fn` with a fresh store and one open handle, cleaning both up. */
export async function withStore(adapter: ContractAdapter, fn: (storage: Storage, store: TestStore) => Promise<void>): Promise<void> {
  const store = await adapter.fresh();
  const storage = await store.open();
  try {
    await fn(storage, store);
  } finally {
    await storage.close();
    await store.destroy();
  }
}

/** Waits until `predicate` holds, polling; fails after `limitMs` (events cross processes on PostgreSQL). */
export async function eventually(predicate: () => boolean, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail('the expected condition did not happen in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
