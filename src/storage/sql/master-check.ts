// Binds a store to its master key: the first open records the key's fingerprint, every later
// open compares. Starting with a different key would make every blob unreadable, so it stops
// with a clear message instead.

import { UserError } from '../../core/user-error.ts';
import type { MasterKey } from '../crypto/master-key.ts';
import type { SqlDriver } from './driver.ts';

export async function verifyMasterKey(driver: SqlDriver, master: MasterKey): Promise<void> {
  const recorded = await driver.write(async (tx) => {
    await tx.run("INSERT INTO settings (name, value) VALUES ('master_key_fingerprint', ?) ON CONFLICT (name) DO NOTHING", [master.fingerprint]);
    return tx.get<{ value: string }>("SELECT value FROM settings WHERE name = 'master_key_fingerprint'");
  });
  if (recorded?.value !== master.fingerprint) {
    throw new UserError(
      `the master key does not match this store (its fingerprint starts ${recorded?.value.slice(0, 12)}, the key given is ${master.fingerprint.slice(0, 12)}): use the key this store was created with`,
    );
  }
}
