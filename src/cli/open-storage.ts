// Wires the configured storage adapter (house rule: only the CLI chooses an adapter). The
// master key comes from storage.master_key (config or POSTWARDEN_STORAGE_MASTER_KEY) or from
// data_dir/master.key, created on first use.

import { resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Storage } from '../storage/api.ts';
import { deriveSecret, loadOrCreateMasterKey, masterKeyFromHex, type MasterKey } from '../storage/crypto/master-key.ts';
import { ensureDirectory, openSqliteStorage } from '../storage/sqlite/open.ts';

export interface OpenedStorage {
  readonly storage: Storage;
  /** Start-up housekeeping the adapter wants (orphan blob sweep on SQLite). */
  readonly housekeeping: () => Promise<number>;
  /** The key VERP return paths are authenticated with (derived from the master key). */
  readonly verpSecret: Uint8Array;
}

export function dataDirectory(config: Config): string {
  return resolve(config.data_dir);
}

export function masterKeyFor(config: Config): MasterKey {
  const dataDir = dataDirectory(config);
  ensureDirectory(dataDir);
  return config.storage.master_key !== '' ? masterKeyFromHex(config.storage.master_key) : loadOrCreateMasterKey(dataDir);
}

export async function openConfiguredStorage(config: Config): Promise<OpenedStorage> {
  const master = masterKeyFor(config);
  const encrypt = config.storage.encryption;
  if (config.storage.driver === 'postgres') {
    const { openPostgresStorage } = await import('../storage/postgres/open.ts');
    const storage = await openPostgresStorage({ url: config.storage.url, master, encrypt });
    return { storage, housekeeping: async () => 0, verpSecret: deriveSecret(master, 'verp') };
  }
  const storage = await openSqliteStorage({ dataDir: dataDirectory(config), master, encrypt });
  return { storage, housekeeping: () => storage.sweepOrphanBlobs(), verpSecret: deriveSecret(master, 'verp') };
}

/** Opens storage for one CLI command and always closes it. */
export async function withStorage<T>(config: Config, fn: (storage: Storage) => Promise<T>): Promise<T> {
  const { storage } = await openConfiguredStorage(config);
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}
