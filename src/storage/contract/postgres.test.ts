// The storage contract against the PostgreSQL adapter: each store is a new database created
// through POSTWARDEN_TEST_PG_URL (which needs CREATEDB) and dropped afterwards. Without that
// variable the suite reports itself skipped; CI (.ci/run) always sets it.

import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { masterKeyFromHex } from '../crypto/master-key.ts';
import { openPostgresStorage } from '../postgres/open.ts';
import { TEST_MASTER_KEY_HEX } from './harness.ts';
import { storageContract } from './suite.ts';

const baseUrl = process.env.POSTWARDEN_TEST_PG_URL;

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function urlFor(database: string): string {
  const url = new URL(baseUrl ?? '');
  url.pathname = `/${database}`;
  return url.toString();
}

if (baseUrl === undefined || baseUrl === '') {
  test('postgres storage contract', { skip: 'POSTWARDEN_TEST_PG_URL is not set' }, () => {});
} else {
  storageContract({
    name: 'postgres',
    async fresh() {
      const database = `postwarden_test_${randomBytes(6).toString('hex')}`;
      await admin((client) => client.query(`CREATE DATABASE ${database}`));
      const url = urlFor(database);
      return {
        open: (options) => openPostgresStorage({ url, master: masterKeyFromHex(TEST_MASTER_KEY_HEX), poolSize: 4, ...options }),
        openWithMasterKey: (hex) => openPostgresStorage({ url, master: masterKeyFromHex(hex), poolSize: 1 }),
        rawBlobs: async () => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            return (await client.query<{ data: Buffer }>('SELECT data FROM blobs')).rows.map((row) => row.data);
          } finally {
            await client.end();
          }
        },
        childArgs: ['postgres', url],
        destroy: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).then(() => undefined),
      };
    },
  });
}
