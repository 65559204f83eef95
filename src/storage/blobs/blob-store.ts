// Where sealed message bytes live, and their reference counts. Messages reference blobs by
// (owner account, content id); copies share a blob. The count changes in the same transaction
// as the message rows, so a blob disappears only when the last reference is committed away.
//
// Two places for the bytes: fsync'd files under data_dir (SQLite) or a BYTEA column in the
// same transaction as the message (PostgreSQL, shared by every node).

import type { SqlQueries, SqlTransaction } from '../sql/driver.ts';

export interface StagedBlob {
  readonly owner: number;
  readonly id: string;
  /** Plaintext size in octets. */
  readonly size: number;
  /** The sealed bytes when the transaction still has to store them; empty once `inFile`. */
  readonly sealed: Uint8Array;
  /** The bytes are already durable in the blob's file: the transaction only references them. */
  readonly inFile?: boolean;
}

export interface BlobStore {
  /**
   * Makes the sealed bytes durable where that can happen before the transaction (files:
   * written, fsync'd, directory fsync'd). Call `unstage` when the transaction ends. The store
   * may take ownership of `sealed` (transfer it to a worker thread): do not use it afterwards.
   */
  stage(owner: number, id: string, size: number, sealed: Uint8Array): Promise<StagedBlob>;
  unstage(staged: StagedBlob): void;
  /** Inside the transaction: one more reference to a staged blob (stores the bytes if new). */
  addStaged(tx: SqlTransaction, staged: StagedBlob): Promise<void>;
  /** Inside the transaction: more references to a blob that exists (copies). */
  addRefs(tx: SqlTransaction, owner: number, id: string, count: number): Promise<void>;
  /** Inside the transaction: fewer references; the blob goes when none are left. */
  dropRefs(tx: SqlTransaction, owner: number, id: string, count: number): Promise<void>;
  /** Inside the transaction: every blob of an account goes (account deletion). */
  dropOwner(tx: SqlTransaction, owner: number): Promise<void>;
  /** The sealed bytes, or undefined when the blob does not exist. */
  read(q: SqlQueries, owner: number, id: string): Promise<Uint8Array | undefined>;
}

/** Decrements a reference count; true when it reached zero and the row was deleted. */
export async function decrementRefs(tx: SqlTransaction, owner: number, id: string, count: number): Promise<boolean> {
  const row = await tx.get<{ refs: number }>(
    'UPDATE blobs SET refs = refs - ? WHERE account_id = ? AND id = ? RETURNING refs',
    [count, owner, id],
  );
  if (row === undefined || row.refs > 0) return false;
  await tx.run('DELETE FROM blobs WHERE account_id = ? AND id = ?', [owner, id]);
  return true;
}

export async function incrementRefs(tx: SqlTransaction, owner: number, id: string, count: number): Promise<void> {
  const result = await tx.run('UPDATE blobs SET refs = refs + ? WHERE account_id = ? AND id = ?', [count, owner, id]);
  if (result.changes !== 1) throw new Error(`blob ${owner}/${id} is referenced but missing`);
}
