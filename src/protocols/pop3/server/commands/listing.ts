// STAT, LIST and UIDL (RFC 1939 §5 and §7): counts, sizes and unique-ids of the messages in
// the session's snapshot that are not marked deleted. Sizes are the stored octet counts, exact
// for the CRLF form messages are stored and sent in. Input it does not trust: the message
// number (parsed and bounded by the wire layer).
//
// Standards: RFC 1939 §5 STAT ("+OK nn mm", nothing more), LIST [msg] (scan listings
// "n size"), §7 UIDL [msg] (unique-id listings "n id"), §5 (deleted messages are neither
// counted nor listed, and referring to one is an error).

import { formatListing } from '../../wire/response.ts';
import type { Lookup, Maildrop } from '../maildrop.ts';
import { MESSAGE_DELETED, NO_SUCH_MESSAGE, ok, type Reply } from '../replies.ts';

/** The reply for a message number that names no message, or a deleted one. */
export function lookupError(lookup: Extract<Lookup, { ok: false }>): Reply {
  return lookup.reason === 'deleted' ? MESSAGE_DELETED : NO_SUCH_MESSAGE;
}

export function stat(maildrop: Maildrop): Reply {
  const { messages, octets } = maildrop.stat();
  return ok(`${messages} ${octets}`);
}

export function list(maildrop: Maildrop, number: number | undefined): Reply {
  if (number !== undefined) {
    const found = maildrop.lookup(number);
    return found.ok ? ok(`${number} ${found.message.size}`) : lookupError(found);
  }
  const { messages, octets } = maildrop.stat();
  return ok(`${messages} messages (${octets} octets)`, formatListing(maildrop.listed().map((message) => `${message.number} ${message.size}`)));
}

export function uidl(maildrop: Maildrop, number: number | undefined): Reply {
  if (number !== undefined) {
    const found = maildrop.lookup(number);
    return found.ok ? ok(`${number} ${maildrop.uniqueId(found.message)}`) : lookupError(found);
  }
  return ok('Unique-ID listing follows', formatListing(maildrop.listed().map((message) => `${message.number} ${maildrop.uniqueId(message)}`)));
}
