// The one storage contract suite (house rule 6): every verb, concurrency and crash safety,
// run unchanged against each adapter (sqlite.test.ts, postgres.test.ts).

import { concurrencyContract } from './concurrency.ts';
import { crashContract } from './crash.ts';
import { deliveryContract } from './delivery.ts';
import { leaseContract } from './leases.ts';
import { directoryContract } from './directory.ts';
import type { ContractAdapter } from './harness.ts';
import { mailboxContract } from './mailboxes.ts';
import { messageContract } from './messages.ts';
import { queueContract } from './queue.ts';

export function storageContract(adapter: ContractAdapter): void {
  directoryContract(adapter);
  mailboxContract(adapter);
  messageContract(adapter);
  deliveryContract(adapter);
  leaseContract(adapter);
  queueContract(adapter);
  concurrencyContract(adapter);
  crashContract(adapter);
}
