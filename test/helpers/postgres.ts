// PostgreSQL for whole-server tests: the URL CI gives (POSTWARDEN_TEST_PG_URL), one-off admin
// statements (CREATE/DROP DATABASE) on it, and the URL of another database on the same server.

import pg from 'pg';

export const TEST_PG_URL = process.env.POSTWARDEN_TEST_PG_URL ?? '';

/** Runs one statement on the test server's default database. */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The test server's URL with another database name. */
export function databaseUrl(database: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${database}`;
  return url.toString();
}
