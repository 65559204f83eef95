// SQLite driver over node:sqlite with group commit.
//
// Durability: WAL journal. node:sqlite is synchronous, so a COMMIT that fsyncs would stop the
// whole event loop for the length of the fsync (every connection of every protocol waits).
// Instead the writer runs synchronous=NORMAL (COMMIT writes the WAL without syncing,
// https://sqlite.org/pragma.html#pragma_synchronous) and this driver fdatasyncs the WAL file
// itself on the thread pool after each COMMIT; a batch's results, commit hooks and end hooks
// are released only once that sync is done, in commit order. The next batch commits while
// the previous sync runs: a pipelined group commit. fsync covers every write made to the file
// before it started, whichever descriptor made it, so this is as durable as synchronous=FULL
// for everything we acknowledge. Readers may see a commit shortly before it is durable; only
// an operating system crash in that window could take it back, and nothing was acknowledged.
//
// Writes queue up and run as units inside one BEGIN IMMEDIATE … COMMIT, each unit in its own
// savepoint: one sync is shared by every writer that arrived while the previous commit was
// running, and a failing unit rolls back only itself.
//
// Reads use a second, read-only connection, so they never see a batch's uncommitted rows.
// Checkpoints run on a worker thread (checkpointer.ts), never inside a COMMIT on the event loop.

import { closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { fdatasync, openReadOnly } from '../blobs/fd-calls.ts';
import { fsyncDirectory } from '../blobs/fsync.ts';
import type { SqlDriver, SqlQueries, SqlTransaction, SqlValue } from '../sql/driver.ts';
import { Checkpointer, type CheckpointSchedule } from './checkpointer.ts';

/** Most units in one commit; bounds the time the write lock is held. */
export const MAX_UNITS_PER_COMMIT = 256;
/** How long a connection waits for another process's lock (ms). */
export const BUSY_TIMEOUT_MS = 10_000;
/** How often checkpoint() tries again while the checkpointer thread holds the checkpoint lock. */
export const TRUNCATE_ATTEMPTS = 500;
const TRUNCATE_RETRY_MS = 10;
/** SQLite's default automatic checkpoint threshold (https://sqlite.org/pragma.html#pragma_wal_autocheckpoint). */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

interface Unit {
  readonly fn: (tx: SqlTransaction) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

class Connection implements SqlQueries {
  private readonly statements = new Map<string, StatementSync>();
  readonly db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  private prepare(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.prepare(sql).all(...params) as T[];
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.prepare(sql).get(...params) as T | undefined;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    const result = this.prepare(sql).run(...params);
    return { changes: Number(result.changes) };
  }
}

class Transaction implements SqlTransaction {
  private readonly connection: Connection;
  private depth = 0;
  readonly commitHooks: (() => void)[] = [];
  readonly endHooks: (() => void)[] = [];

  constructor(connection: Connection) {
    this.connection = connection;
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.connection.all<T>(sql, params);
  }
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.connection.get<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.connection.run(sql, params);
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sp${++this.depth}`;
    this.connection.db.exec(`SAVEPOINT ${name}`);
    try {
      const value = await fn();
      this.connection.db.exec(`RELEASE ${name}`);
      return value;
    } catch (error) {
      this.connection.db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw error;
    } finally {
      this.depth--;
    }
  }

  afterCommit(fn: () => void): void {
    this.commitHooks.push(fn);
  }

  finally(fn: () => void): void {
    this.endHooks.push(fn);
  }
}

/** fdatasync of the database's WAL file, off the event loop (a plain descriptor: fd-calls.ts). */
class WalSync {
  private readonly path: string;
  private fd: Promise<number> | undefined;

  constructor(databasePath: string) {
    this.path = `${databasePath}-wal`;
  }

  async sync(): Promise<void> {
    this.fd ??= this.openOnce();
    await fdatasync(await this.fd);
  }

  /** The WAL exists once the first COMMIT wrote it; its directory entry is made durable once. */
  private async openOnce(): Promise<number> {
    try {
      const fd = await openReadOnly(this.path);
      try {
        await fsyncDirectory(dirname(this.path));
      } catch (error) {
        closeSync(fd);
        throw error;
      }
      return fd;
    } catch (error) {
      this.fd = undefined;
      throw error;
    }
  }

  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    await fd?.then(closeSync).catch(() => undefined);
  }
}

export interface SqliteDriverOptions {
  readonly path: string;
  /** Runs on the writer connection before anything else (migrations). */
  readonly migrate: (db: DatabaseSync) => void;
  /** When WAL checkpoints run (checkpointer.ts); tests shorten it. */
  readonly checkpoint?: CheckpointSchedule;
}

export class SqliteDriver implements SqlDriver {
  readonly claimClause = '';
  private readonly writer: Connection;
  private readonly reader: Connection;
  private readonly queue: Unit[] = [];
  private draining: Promise<void> | undefined;
  /** Every committed batch's release (after its WAL sync), chained in commit order. */
  private released: Promise<void> = Promise.resolve();
  private readonly wal: WalSync;
  private readonly checkpointer: Checkpointer;
  private closed = false;

  constructor(options: SqliteDriverOptions) {
    const writerDb = new DatabaseSync(options.path, { timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
    writerDb.exec('PRAGMA journal_mode = WAL');
    // NORMAL: COMMIT does not sync; WalSync does, off the event loop (see above). Checkpoints
    // still sync the WAL and the database themselves.
    writerDb.exec('PRAGMA synchronous = NORMAL');
    writerDb.exec('PRAGMA wal_autocheckpoint = 0');
    options.migrate(writerDb);
    this.wal = new WalSync(options.path);
    // Should the thread die, SQLite's own automatic checkpoint takes over again.
    const checkpointInCommits = () => writerDb.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    this.checkpointer = new Checkpointer(options.path, BUSY_TIMEOUT_MS, checkpointInCommits, options.checkpoint);
    this.writer = new Connection(writerDb);
    const readerDb = new DatabaseSync(options.path, { timeout: BUSY_TIMEOUT_MS, readOnly: true });
    this.reader = new Connection(readerDb);
  }

  async read<T>(fn: (q: SqlQueries) => Promise<T>): Promise<T> {
    this.assertOpen();
    return fn(this.reader);
  }

  write<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(new Error('storage is closed'));
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.draining ??= this.drainSoon();
    });
  }

  private async drainSoon(): Promise<void> {
    // Let every writer that is ready in this turn of the event loop join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        await this.runBatch(this.queue.splice(0, MAX_UNITS_PER_COMMIT));
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async runBatch(batch: Unit[]): Promise<void> {
    const db = this.writer.db;
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      for (const unit of batch) unit.reject(error);
      return;
    }
    const done: { unit: Unit; value: unknown; tx: Transaction }[] = [];
    const all: Transaction[] = [];
    for (const unit of batch) {
      const tx = new Transaction(this.writer);
      all.push(tx);
      try {
        const value = await tx.savepoint(() => unit.fn(tx));
        done.push({ unit, value, tx });
      } catch (error) {
        unit.reject(error);
      }
    }
    try {
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      for (const entry of done) entry.unit.reject(error);
      for (const tx of all) for (const hook of tx.endHooks) hook();
      return;
    }
    this.checkpointer.committed();
    // The sync starts now; releases wait for it and for every earlier batch's release.
    const durable = this.wal.sync().then(
      () => undefined,
      (error: unknown) => error,
    );
    this.released = this.released.then(async () => {
      const failure = await durable;
      // Commit hooks run before end hooks: a blob staged by one unit stays guarded while another
      // unit's commit hook decides whether an unreferenced blob file may be unlinked.
      for (const entry of done) for (const hook of entry.tx.commitHooks) hook();
      for (const tx of all) for (const hook of tx.endHooks) hook();
      // A failed sync: the rows are committed but not known durable; the caller retries.
      for (const entry of done) {
        if (failure === undefined) entry.unit.resolve(entry.value);
        else entry.unit.reject(failure);
      }
    });
  }

  /** Waits until every batch committed so far is durable and released. */
  private async settled(): Promise<void> {
    while (this.draining) await this.draining;
    await this.released;
  }

  /** Copies the WAL into the database and truncates it, so deleted rows leave no copy behind. */
  async checkpoint(): Promise<void> {
    await this.settled();
    const truncate = this.writer.db.prepare('PRAGMA wal_checkpoint(TRUNCATE)');
    // busy = 1: the checkpointer thread is copying frames (it holds the checkpoint lock, and
    // SQLite does not wait for that lock: https://sqlite.org/c3ref/wal_checkpoint_v2.html).
    for (let attempt = 1; (truncate.get() as { busy: number }).busy !== 0; attempt++) {
      if (attempt >= TRUNCATE_ATTEMPTS) throw new Error('the WAL could not be checkpointed: the database stayed busy');
      await new Promise((resolve) => setTimeout(resolve, TRUNCATE_RETRY_MS));
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('storage is closed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.settled();
    this.closed = true;
    await this.checkpointer.close();
    await this.wal.close();
    this.reader.db.close();
    this.writer.db.close();
  }
}
