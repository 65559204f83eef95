// The small SQL surface both adapters implement, so the storage verbs (sql/*.ts) are written
// once. SQL text uses `?` placeholders and the common subset of SQLite and PostgreSQL
// (RETURNING, ON CONFLICT, integer booleans, integer millisecond timestamps); differences
// live in each adapter's migrations and driver, never in callers (house rule 6).

export type SqlValue = null | number | string | Uint8Array;

export interface SqlQueries {
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

export interface SqlTransaction extends SqlQueries {
  /** Runs `fn` in a savepoint: if it throws, only its own changes are rolled back. */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs after the commit is durable (never if the transaction rolls back). */
  afterCommit(fn: () => void): void;
  /** Runs when the transaction ends, committed or not. */
  finally(fn: () => void): void;
}

export interface SqlDriver {
  /**
   * Appended to a SELECT inside a write that claims rows: the rows other writers skip until
   * the commit. PostgreSQL: " FOR UPDATE SKIP LOCKED"; SQLite: "" (its one writer already
   * serializes every write transaction).
   */
  readonly claimClause: string;
  /** Reads committed data. */
  read<T>(fn: (q: SqlQueries) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in a write transaction and resolves after a durable commit. A throw rolls the
   * transaction back and rejects. Drivers may group concurrent transactions into one commit.
   */
  write<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Thrown inside a write to roll it back and turn `value` into the write's result. */
export class Rollback<T> {
  readonly value: T;
  constructor(value: T) {
    this.value = value;
  }
}

/** Runs a write whose function may throw Rollback(value) to roll back and return value. */
export async function writeOrRollback<T>(driver: SqlDriver, fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
  try {
    return await driver.write(fn);
  } catch (error) {
    if (error instanceof Rollback) return error.value as T;
    throw error;
  }
}

/** Runs a savepoint whose function may throw Rollback(value); returns value after rolling back. */
export async function savepointOrRollback<T>(tx: SqlTransaction, fn: () => Promise<T>): Promise<T> {
  try {
    return await tx.savepoint(fn);
  } catch (error) {
    if (error instanceof Rollback) return error.value as T;
    throw error;
  }
}
