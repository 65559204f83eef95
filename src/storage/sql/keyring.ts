// Account data keys, unwrapped on demand from accounts.wrapped_key with the master key and
// kept in memory (bounded). Deleting an account drops its key here and, with its row, from the
// database: nothing can decrypt its blobs afterwards. Owner 0 is the system keyspace (the
// outbound queue); its key is derived from the master key (HKDF-SHA256, RFC 5869).

import { hkdfSync } from 'node:crypto';
import { deriveAccountKeys, unwrapDataKey, type AccountKeys } from '../crypto/keys.ts';
import { KEY_BYTES } from '../crypto/seal.ts';
import type { MasterKey } from '../crypto/master-key.ts';
import type { SqlDriver, SqlQueries } from './driver.ts';

/** The owner id of blobs that belong to no account (queued outbound mail). */
export const SYSTEM_OWNER = 0;

/** Most unwrapped account keys kept in memory. */
export const MAX_CACHED_ACCOUNT_KEYS = 10_000;

export class KeyRing {
  private readonly driver: SqlDriver;
  private readonly master: MasterKey;
  private readonly cache = new Map<number, AccountKeys>();

  private readonly system: AccountKeys;

  constructor(driver: SqlDriver, master: MasterKey) {
    this.driver = driver;
    this.master = master;
    this.system = deriveAccountKeys(new Uint8Array(hkdfSync('sha256', master.key, Buffer.alloc(0), 'postwarden/system-key', KEY_BYTES)));
  }

  /** The account's keys, or undefined when the account does not exist. */
  async forAccount(accountId: number, q?: SqlQueries): Promise<AccountKeys | undefined> {
    if (accountId === SYSTEM_OWNER) return this.system;
    const cached = this.cache.get(accountId);
    if (cached) return cached;
    const load = (queries: SqlQueries) =>
      queries.get<{ wrapped_key: Uint8Array }>('SELECT wrapped_key FROM accounts WHERE id = ?', [accountId]);
    const row = q ? await load(q) : await this.driver.read(load);
    if (!row) return undefined;
    const dataKey = unwrapDataKey(this.master.key, accountId, row.wrapped_key);
    if (!dataKey) throw new Error(`the data key of account ${accountId} does not open with this master key`);
    const keys = deriveAccountKeys(dataKey);
    if (this.cache.size >= MAX_CACHED_ACCOUNT_KEYS) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(accountId, keys);
    return keys;
  }

  forget(accountId: number): void {
    this.cache.delete(accountId);
  }
}
