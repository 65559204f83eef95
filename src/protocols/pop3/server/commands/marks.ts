// DELE and RSET (RFC 1939 §5): marks in the session's snapshot only. Nothing changes in
// storage until QUIT enters the UPDATE state; a session that ends any other way removes
// nothing (RFC 1939 §6). Input it does not trust: the message number (parsed and bounded).

import type { Maildrop } from '../maildrop.ts';
import { ok, type Reply } from '../replies.ts';
import { lookupError } from './listing.ts';

export function dele(maildrop: Maildrop, number: number): Reply {
  const found = maildrop.lookup(number);
  if (!found.ok) return lookupError(found);
  found.message.deleted = true;
  return ok('Message deleted');
}

export function rset(maildrop: Maildrop): Reply {
  maildrop.reset();
  const { messages, octets } = maildrop.stat();
  return ok(`Maildrop has ${messages} messages (${octets} octets)`);
}
