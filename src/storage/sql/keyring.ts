// Account data keys, unwrapped on demand from accounts.wrapped_key with the master key and
// kept in memory (bounded). Deleting an account drops its key here and, with its row, from the
// database: nothing can decrypt its blobs afterwards.

import { deriveAccountKeys, unwrapDataKey, type AccountKeys } from '../crypto/keys.ts';
import type { MasterKey } from '../crypto/master-key.ts';
import type { SqlDriver, SqlQueries } from './driver.ts';

/** Most unwrapped account keys kept in memory. */
export const MAX_CACHED_ACCOUNT_KEYS = 10_000;

export class KeyRing {
  private readonly driver: SqlDriver;
  private readonly master: MasterKey;
  private readonly cache = new Map<number, AccountKeys>();

  constructor(driver: SqlDriver, master: MasterKey) {
    this.driver = driver;
    this.master = master;
  }

  /** The account's keys, or undefined when the account does not exist. */
  async forAccount(accountId: number, q?: SqlQueries): Promise<AccountKeys | undefined> {
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
