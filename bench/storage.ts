// bench/storage: appends per second with full durability (blob fsync, directory fsync, durable
// commit) on each store, with 1, 2, 4 and 8 concurrent writers appending 4 KB messages to one
// account. PostgreSQL runs when POSTWARDEN_BENCH_PG_URL (or POSTWARDEN_TEST_PG_URL) is set; it
// needs CREATEDB. Results go to bench/results/storage.json.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Storage } from '../src/storage/api.ts';
import { masterKeyFromHex } from '../src/storage/crypto/master-key.ts';
import { openPostgresStorage } from '../src/storage/postgres/open.ts';
import { openSqliteStorage } from '../src/storage/sqlite/open.ts';

const WRITERS = [1, 2, 4, 8];
const MESSAGE_BYTES = 4096;
const APPENDS_PER_RUN = Number(process.env.POSTWARDEN_BENCH_APPENDS ?? 2000);
const master = masterKeyFromHex('42'.repeat(32));

export interface StorageRun {
  readonly store: string;
  readonly writers: number;
  readonly appends: number;
  readonly seconds: number;
  readonly appendsPerSecond: number;
  readonly p99Ms: number;
}

function message(n: number): Uint8Array {
  const header = `From: bench@example.org\r\nTo: user@example.com\r\nSubject: bench ${n} ${randomBytes(8).toString('hex')}\r\n\r\n`;
  return Buffer.from(header + 'x'.repeat(MESSAGE_BYTES - header.length - 2) + '\r\n');
}

async function measure(store: string, storage: Storage, writers: number): Promise<StorageRun> {
  await storage.createDomain('example.com');
  const account = await storage.createAccount({ address: `w${writers}@example.com`, credentials: { passwordHash: 'x', scramSha256: 'y' } });
  if (!account.ok) throw new Error(account.error.message);
  const inbox = await storage.getMailbox(account.value.id, 'INBOX');
  if (!inbox) throw new Error('no INBOX');
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < APPENDS_PER_RUN) {
        const n = next++;
        const t0 = performance.now();
        const [result] = await storage.appendMessages([{ accountId: account.value.id, mailboxId: inbox.id, raw: message(n) }]);
        if (!result?.ok) throw new Error('append failed');
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    store,
    writers,
    appends: APPENDS_PER_RUN,
    seconds: Number(seconds.toFixed(3)),
    appendsPerSecond: Math.round(APPENDS_PER_RUN / seconds),
    p99Ms: Number((latencies[Math.floor(latencies.length * 0.99)] ?? 0).toFixed(2)),
  };
}

async function sqliteRun(writers: number): Promise<StorageRun> {
  const dir = await mkdtemp(join(process.env.POSTWARDEN_BENCH_DIR ?? tmpdir(), 'postwarden-bench-'));
  const storage = await openSqliteStorage({ dataDir: dir, master });
  try {
    return await measure('sqlite', storage, writers);
  } finally {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function postgresRun(baseUrl: string, writers: number): Promise<StorageRun> {
  const database = `postwarden_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  const storage = await openPostgresStorage({ url: url.toString(), master });
  try {
    return await measure('postgres', storage, writers);
  } finally {
    await storage.close();
    await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
    await admin.end();
  }
}

export async function benchStorage(): Promise<StorageRun[]> {
  const runs: StorageRun[] = [];
  for (const writers of WRITERS) runs.push(await sqliteRun(writers));
  const pgUrl = process.env.POSTWARDEN_BENCH_PG_URL ?? process.env.POSTWARDEN_TEST_PG_URL;
  if (pgUrl) for (const writers of WRITERS) runs.push(await postgresRun(pgUrl, writers));
  else process.stderr.write('bench/storage: no POSTWARDEN_BENCH_PG_URL; PostgreSQL not measured\n');
  return runs;
}
