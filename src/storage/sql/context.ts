// What every storage verb needs: the SQL driver, the blob store, the account key ring, the
// change publisher, and the clock. Built once per adapter (sqlite/open.ts, postgres/open.ts).

import type { Clock } from '../../core/clock.ts';
import type { BlobStore } from '../blobs/blob-store.ts';
import type { MasterKey } from '../crypto/master-key.ts';
import type { ChangePublisher } from './events.ts';
import type { SqlDriver } from './driver.ts';
import type { KeyRing } from './keyring.ts';

export interface StoreContext {
  readonly driver: SqlDriver;
  readonly blobs: BlobStore;
  readonly keys: KeyRing;
  readonly master: MasterKey;
  /** storage.encryption: seal blobs with AES-256-GCM (otherwise stored plain, still checked by id). */
  readonly encrypt: boolean;
  readonly events: ChangePublisher;
  readonly clock: Clock;
}
