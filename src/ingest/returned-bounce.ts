// Mail to a VERP return path we sent from ("bounces+<token>@<domain>", mail/verp.ts): a bounce
// or auto-reply coming back for one recipient of one queued message. The token's MAC proves we
// made it; the queue entry names the original sender, who gets the returned mail (in an INBOX
// here, or forwarded when the sender is elsewhere, as SRS does). Forged or expired tokens are
// unknown recipients. Input it does not trust: the address.

import { decodeVerp } from '../mail/verp.ts';
import type { Account, Storage } from '../storage/api.ts';
import { resolveAddress } from './recipients.ts';

export interface ReturnedBounce {
  readonly queueId: string;
  /** The recipient of the original message the bounce is about. */
  readonly recipient: string;
  readonly accounts: readonly Account[];
  readonly remote: readonly string[];
}

export async function returnedBounce(storage: Storage, address: string, secret: Uint8Array): Promise<ReturnedBounce | undefined> {
  const verp = decodeVerp(address, secret);
  if (!verp) return undefined;
  const queued = await storage.getQueued(verp.queueId);
  const recipient = queued?.recipients[verp.recipientIndex];
  if (!queued || !recipient || queued.envelope.sender === '') return undefined;
  const sender = queued.envelope.sender;
  const resolution = await resolveAddress(storage, sender);
  if (resolution.kind === 'local') return { queueId: queued.id, recipient: recipient.address, accounts: resolution.accounts, remote: resolution.remote };
  if (resolution.kind === 'remote') return { queueId: queued.id, recipient: recipient.address, accounts: [], remote: [sender] };
  return undefined;
}
