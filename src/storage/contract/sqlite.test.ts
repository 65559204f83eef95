// The storage contract against the SQLite adapter, each store in a fresh temporary directory.

import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { masterKeyFromHex } from '../crypto/master-key.ts';
import { openSqliteStorage } from '../sqlite/open.ts';
import { TEST_MASTER_KEY_HEX } from './harness.ts';
import { storageContract } from './suite.ts';

storageContract({
  name: 'sqlite',
  async fresh() {
    const dataDir = await mkdtemp(join(tmpdir(), 'postwarden-contract-'));
    return {
      open: (options) => openSqliteStorage({ dataDir, master: masterKeyFromHex(TEST_MASTER_KEY_HEX), ...options }),
      openWithMasterKey: (hex) => openSqliteStorage({ dataDir, master: masterKeyFromHex(hex) }),
      // Small blobs rest in the database, large ones in their files: both are at rest.
      rawBlobs: async () => {
        const files = await readdir(dataDir, { recursive: true, withFileTypes: true });
        return Promise.all(files.filter((f) => f.isFile() && !f.name.endsWith('.key')).map((f) => readFile(join(f.parentPath, f.name))));
      },
      childArgs: ['sqlite', dataDir],
      destroy: () => rm(dataDir, { recursive: true, force: true }),
    };
  },
});
