// PostgreSQL driver over a `pg` pool. Transactions run on one pooled client; a commit is
// durable when COMMIT returns (synchronous_commit = on, PostgreSQL's default, is required and
// checked at open). Serialization failures and deadlocks (SQLSTATE 40001, 40P01) are retried.
// Concurrent commits share WAL flushes inside PostgreSQL, so no batching is needed here.

import pg from 'pg';
import type { SqlDriver, SqlQueries, SqlTransaction, SqlValue } from '../sql/driver.ts';

/** How many times a transaction that lost a serialization race is run again. */
export const MAX_TRANSACTION_ATTEMPTS = 5;
const RETRYABLE = new Set(['40001', '40P01']);

/** Whether a transaction that failed with `error` on attempt `attempt` is run again. */
function runAgain(error: unknown, attempt: number): boolean {
  const code = (error as { code?: string }).code;
  return code !== undefined && RETRYABLE.has(code) && attempt < MAX_TRANSACTION_ATTEMPTS;
}

/** `?` placeholders to `$n` (our SQL has no `?` inside string literals). */
export function toPositional(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

/** Distinct statements given a name (so prepared once per connection); later ones go unnamed. */
export const MAX_NAMED_STATEMENTS = 1000;

interface Statement {
  readonly text: string;
  readonly name?: string;
}

/**
 * Our SQL as PostgreSQL takes it, and a name for it: a named statement is parsed and planned
 * once per pooled connection (the extended protocol's Parse), later runs only Bind and Execute.
 * SQL texts are few and fixed, except IN lists whose length varies: past MAX_NAMED_STATEMENTS
 * distinct texts the rest run unnamed, so the server's per-connection statement cache stays bounded.
 */
class Statements {
  private readonly known = new Map<string, Statement>();

  of(sql: string): Statement {
    let statement = this.known.get(sql);
    if (statement) return statement;
    const text = toPositional(sql);
    statement = this.known.size < MAX_NAMED_STATEMENTS ? { text, name: `pw${this.known.size}` } : { text };
    if (statement.name !== undefined) this.known.set(sql, statement);
    return statement;
  }
}

/** Parses INT8 as a JS number: every integer Postwarden stores is below 2^53. */
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

class Queries implements SqlQueries {
  private readonly client: pg.Pool | pg.PoolClient;
  private readonly statements: Statements;
  constructor(client: pg.Pool | pg.PoolClient, statements: Statements) {
    this.client = client;
    this.statements = statements;
  }

  private async query<T>(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
    const statement = this.statements.of(sql);
    return this.client.query<T & pg.QueryResultRow>({ ...statement, values: params as SqlValue[], types: pgTypes });
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.query<T>(sql, params)).rows;
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.query<T>(sql, params)).rows[0];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 };
  }
}

class Transaction extends Queries implements SqlTransaction {
  private readonly pgClient: pg.PoolClient;
  private depth = 0;
  readonly commitHooks: (() => void)[] = [];
  readonly endHooks: (() => void)[] = [];

  constructor(client: pg.PoolClient, statements: Statements) {
    super(client, statements);
    this.pgClient = client;
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sp${++this.depth}`;
    await this.pgClient.query(`SAVEPOINT ${name}`);
    try {
      const value = await fn();
      await this.pgClient.query(`RELEASE SAVEPOINT ${name}`);
      return value;
    } catch (error) {
      await this.pgClient.query(`ROLLBACK TO SAVEPOINT ${name}`);
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

export class PostgresDriver implements SqlDriver {
  readonly claimClause = ' FOR UPDATE SKIP LOCKED';
  readonly pool: pg.Pool;
  private readonly queries: Queries;
  private readonly statements = new Statements();
  private closed = false;

  constructor(pool: pg.Pool) {
    this.pool = pool;
    this.queries = new Queries(pool, this.statements);
  }

  async read<T>(fn: (q: SqlQueries) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('storage is closed');
    return fn(this.queries);
  }

  async write<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('storage is closed');
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      const tx = new Transaction(client, this.statements);
      let broken = false;
      try {
        await client.query('BEGIN');
        const value = await fn(tx);
        await client.query('COMMIT');
        for (const hook of tx.commitHooks) hook();
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        if (runAgain(error, attempt)) continue;
        throw error;
      } finally {
        for (const hook of tx.endHooks) hook();
        client.release(broken);
      }
    }
  }

  /**
   * One statement as a transaction of its own, outside BEGIN … COMMIT: durable when it returns
   * (synchronous_commit), one round trip. Serialization failures and deadlocks are retried.
   */
  async single<T>(sql: string, params: readonly SqlValue[]): Promise<T[]> {
    if (this.closed) throw new Error('storage is closed');
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.queries.all<T>(sql, params);
      } catch (error) {
        if (runAgain(error, attempt)) continue;
        throw error;
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
