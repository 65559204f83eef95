// Opens the PostgreSQL adapter: a connection pool, migrations under an advisory lock, message
// blobs in the database, and LISTEN/NOTIFY for change events, so several Postwarden processes
// can share one database.

import pg from 'pg';
import { systemClock, type Clock } from '../../core/clock.ts';
import { UserError } from '../../core/user-error.ts';
import type { Storage } from '../api.ts';
import type { MasterKey } from '../crypto/master-key.ts';
import { KeyRing } from '../sql/keyring.ts';
import { verifyMasterKey } from '../sql/master-check.ts';
import { createSqlStorage } from '../sql/storage.ts';
import { PostgresAppend } from './append.ts';
import { PostgresBlobStore } from './blobs.ts';
import { PostgresDriver } from './driver.ts';
import { migratePostgres } from './migrations.ts';
import { NotifyPublisher } from './notify.ts';

/** Connections per process. */
export const POOL_SIZE = 16;

export interface PostgresStorageOptions {
  readonly url: string;
  readonly master: MasterKey;
  readonly encrypt?: boolean;
  readonly clock?: Clock;
  readonly poolSize?: number;
}

function describe(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return [code, message].filter(Boolean).join(' ') || String(error);
}

export async function openPostgresStorage(options: PostgresStorageOptions): Promise<Storage> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? POOL_SIZE });
  pool.on('error', () => undefined); // An idle client's failure: the next checkout reconnects.
  const driver = new PostgresDriver(pool);
  const events = new NotifyPublisher({ connectionString: options.url });
  try {
    const client = await pool.connect().catch((error: unknown) => {
      throw new UserError(`cannot connect to PostgreSQL (storage.url): ${describe(error)}`);
    });
    try {
      const sync = await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
      if (sync.rows[0]?.synchronous_commit === 'off') {
        throw new UserError('PostgreSQL runs with synchronous_commit = off: a commit would not be durable; turn it on');
      }
      await migratePostgres(client);
    } finally {
      client.release();
    }
    await verifyMasterKey(driver, options.master);
    await events.start();
  } catch (error) {
    await events.close();
    await driver.close();
    throw error;
  }
  return createSqlStorage(
    {
      driver,
      blobs: new PostgresBlobStore(),
      keys: new KeyRing(driver, options.master),
      master: options.master,
      encrypt: options.encrypt ?? true,
      events,
      clock: options.clock ?? systemClock,
      appendStatement: new PostgresAppend(driver),
    },
    {
      capabilities: { sharedAcrossProcesses: true, crossProcessEvents: true },
      scrub: async () => {
        await pool.query('VACUUM accounts').catch(() => undefined);
      },
    },
  );
}
