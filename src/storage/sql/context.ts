// What every storage verb needs: the SQL driver, the blob store, the account key ring, the
// change publisher, the clock, and an adapter's one-statement append where it has one. Built
// once per adapter (sqlite/open.ts, postgres/open.ts).

import type { Clock } from '../../core/clock.ts';
import type { Result } from '../../core/result.ts';
import type { AppendedMessage } from '../api.ts';
import type { BlobStore } from '../blobs/blob-store.ts';
import type { MasterKey } from '../crypto/master-key.ts';
import type { MailError } from '../mail-error.ts';
import type { ChangePublisher } from './events.ts';
import type { SqlDriver, SqlQueries } from './driver.ts';
import type { KeyRing } from './keyring.ts';
import type { PreparedAppend } from './messages-write.ts';

/**
 * An adapter's append in one statement (PostgreSQL: a server-side function): the work of
 * messages-write.ts insertAppend (quota, UID and MODSEQ, message row, blob reference, change
 * event) in one round trip instead of five. Absent where a statement costs no round trip (SQLite).
 */
export interface AppendStatement {
  /** Inside the caller's transaction. */
  run(q: SqlQueries, prepared: PreparedAppend, now: number): Promise<Result<AppendedMessage, MailError>>;
  /** As a transaction of its own, durable when it resolves. */
  alone(prepared: PreparedAppend, now: number): Promise<Result<AppendedMessage, MailError>>;
}

export interface StoreContext {
  readonly driver: SqlDriver;
  readonly blobs: BlobStore;
  readonly keys: KeyRing;
  readonly master: MasterKey;
  /** storage.encryption: seal blobs with AES-256-GCM (otherwise stored plain, still checked by id). */
  readonly encrypt: boolean;
  readonly events: ChangePublisher;
  readonly clock: Clock;
  readonly appendStatement?: AppendStatement;
}
