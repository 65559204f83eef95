// bench/auth: password logins per second through the Authenticator on real SQLite storage,
// with the authentication cache off (every login pays one scrypt verification) and on (repeated
// logins hit the cache and pay one account read). Dovecot's benchmark profile does about 160
// logins a second here; the cache is what keeps a webmail that logs in per request cheap.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDomain } from '../src/admin/domains.ts';
import { addUser } from '../src/admin/accounts.ts';
import { Authenticator } from '../src/auth/authenticator.ts';
import { masterKeyFromHex } from '../src/storage/crypto/master-key.ts';
import { openSqliteStorage } from '../src/storage/sqlite/open.ts';

const CONCURRENCY = 16;
const LOGINS = Number(process.env.POSTWARDEN_BENCH_LOGINS ?? 400);

export interface AuthRun {
  readonly cache: 'off' | 'on';
  readonly logins: number;
  readonly seconds: number;
  readonly loginsPerSecond: number;
}

export async function benchAuth(): Promise<AuthRun[]> {
  const dir = await mkdtemp(join(tmpdir(), 'postwarden-bench-auth-'));
  const storage = await openSqliteStorage({ dataDir: dir, master: masterKeyFromHex('24'.repeat(32)) });
  try {
    await addDomain(storage, 'example.com');
    const password = 'a long enough passphrase';
    const added = await addUser(storage, { address: 'user@example.com', password });
    if (!added.ok) throw new Error(added.error);
    const runs: AuthRun[] = [];
    for (const cache of ['off', 'on'] as const) {
      const authenticator = new Authenticator({ accounts: storage, cache: { ttlSeconds: cache === 'on' ? 3600 : 0 } });
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next++ < LOGINS) {
            const result = await authenticator.authenticate({ username: 'user@example.com', password, remoteAddress: '127.0.0.1' });
            if (!result.ok) throw new Error(`login failed: ${result.reason}`);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      runs.push({ cache, logins: LOGINS, seconds: Number(seconds.toFixed(3)), loginsPerSecond: Math.round(LOGINS / seconds) });
    }
    return runs;
  } finally {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  }
}
