// Blob bytes in PostgreSQL: the sealed bytes sit in blobs.data, written in the same
// transaction as the message rows, so the commit that makes a message visible makes its
// bytes durable too, and every node sharing the database reads them. Reference counts change
// under row locks (INSERT … ON CONFLICT DO UPDATE), so concurrent writers cannot lose a blob.

import { decrementRefs, incrementRefs, type BlobStore, type StagedBlob } from '../blobs/blob-store.ts';
import type { SqlQueries, SqlTransaction } from '../sql/driver.ts';

export class PostgresBlobStore implements BlobStore {
  async stage(owner: number, id: string, size: number, sealed: Uint8Array): Promise<StagedBlob> {
    return { owner, id, size, sealed };
  }

  unstage(): void {}

  async addStaged(tx: SqlTransaction, staged: StagedBlob): Promise<void> {
    await tx.run(
      'INSERT INTO blobs (account_id, id, refs, size, data) VALUES (?, ?, 1, ?, ?) ON CONFLICT (account_id, id) DO UPDATE SET refs = blobs.refs + 1',
      [staged.owner, staged.id, staged.size, staged.sealed],
    );
  }

  addRefs(tx: SqlTransaction, owner: number, id: string, count: number): Promise<void> {
    return incrementRefs(tx, owner, id, count);
  }

  async dropRefs(tx: SqlTransaction, owner: number, id: string, count: number): Promise<void> {
    await decrementRefs(tx, owner, id, count);
  }

  async dropOwner(tx: SqlTransaction, owner: number): Promise<void> {
    await tx.run('DELETE FROM blobs WHERE account_id = ?', [owner]);
  }

  async read(q: SqlQueries, owner: number, id: string): Promise<Uint8Array | undefined> {
    const row = await q.get<{ data: Uint8Array }>('SELECT data FROM blobs WHERE account_id = ? AND id = ?', [owner, id]);
    return row?.data;
  }
}
