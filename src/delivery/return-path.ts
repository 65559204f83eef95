// The reverse-path a queued message goes out with: for each recipient a VERP address
// "bounces+<token>@<domain>" (mail/verp.ts) naming the queue entry and the recipient, so a
// bounce that comes back later is tied to both; the null sender stays null (RFC 5321 §4.5.5).
// The domain is the sender's when it is one of ours, else our hostname, so bounces always
// return here (like SRS, RFC-less but common practice for forwarded mail).

import { encodeVerp } from '../mail/verp.ts';

/** The local part before the VERP token. */
export const VERP_PREFIX = 'bounces';

export function returnPath(sender: string, local: boolean, hostname: string, queueId: string, recipientIndex: number, secret: Uint8Array): string {
  if (sender === '') return '';
  const at = sender.lastIndexOf('@');
  const domain = local && at > 0 ? sender.slice(at + 1) : hostname;
  const verp = encodeVerp({ localPart: VERP_PREFIX, domain, queueId, recipientIndex, secret });
  // A name that cannot carry a token (too long) keeps the plain sender.
  return verp.ok ? verp.value : sender;
}
