// LIST (RFC 9051 §6.3.9, LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819, SPECIAL-USE RFC 6154)
// and LSUB (RFC 3501 §6.3.9). The mailbox selection itself is listing.ts; this writes the
// responses: attributes, the "/" delimiter, the name in the session's encoding, CHILDINFO, and
// a STATUS response after each selectable mailbox when STATUS was asked for.

import { HIERARCHY_DELIMITER } from '../../../../storage/mailbox-name.ts';
import { encodeAstring } from '../../wire/encoder.ts';
import { decodeMailboxName, checkMailboxNameCharacters } from '../../wire/mutf7.ts';
import type { ListOptions } from '../../wire/types.ts';
import { bad, no, ok, type HandlerArgs, type Outcome } from '../context.ts';
import { canonicalPattern, listMailboxes, listSubscribed, type ListedMailbox } from '../listing.ts';
import { writeStatus } from './status.ts';

/**
 * A pattern from the client, decoded like a mailbox name but keeping its wildcards. A pattern
 * that is not valid modified UTF-7 is matched as written (it simply matches no stored name),
 * as Dovecot does: LIST of an odd pattern is not an error (imaptest "atoms").
 */
function decodePattern(args: HandlerArgs, wire: string): string | undefined {
  if (args.state.enabled.has('UTF8=ACCEPT')) {
    const checked = checkMailboxNameCharacters(wire);
    return checked.ok ? checked.value : undefined;
  }
  const decoded = decodeMailboxName(wire);
  return decoded.ok ? decoded.value : wire;
}

function writeListed(args: HandlerArgs, verb: 'LIST' | 'LSUB', listed: ListedMailbox): void {
  const name = encodeAstring(args.out.mailboxName(listed.name), args.out.options);
  const extended = listed.childInfo ? ` ("CHILDINFO" (${listed.childInfo.map((c) => `"${c}"`).join(' ')}))` : '';
  args.out.line(`${verb} (${listed.attributes.join(' ')}) "${HIERARCHY_DELIMITER}" ${name}${extended}`);
}

export async function list(args: HandlerArgs, reference: string, patterns: readonly string[], options: ListOptions, extended: boolean): Promise<Outcome> {
  const account = args.state.account;
  if (!account) return no('Not authenticated');
  const select = new Set(options.select);
  // RFC 5258 §3.1: RECURSIVEMATCH needs another selection option that is not REMOTE alone.
  if (select.has('RECURSIVEMATCH') && ![...select].some((s) => s === 'SUBSCRIBED' || s === 'SPECIAL-USE')) {
    return bad('RECURSIVEMATCH needs the SUBSCRIBED selection option');
  }
  const decodedReference = decodePattern(args, reference);
  const decodedPatterns = patterns.map((pattern) => decodePattern(args, pattern));
  if (decodedReference === undefined || decodedPatterns.some((p) => p === undefined)) return bad('Invalid mailbox name encoding');
  // RFC 9051 §6.3.9: an empty pattern asks for the delimiter and the root.
  if (!extended && patterns.length === 1 && patterns[0] === '') {
    args.out.line(`LIST (\\Noselect) "${HIERARCHY_DELIMITER}" ""`);
    return ok('LIST completed');
  }
  const [mailboxes, subscriptions] = await Promise.all([args.ctx.storage.listMailboxes(account.id), args.ctx.storage.listSubscriptions(account.id)]);
  // RFC 5258 §3.2: SUBSCRIBED and SPECIAL-USE selection imply the return option of the same name.
  const returns = new Set(options.return);
  if (select.has('SUBSCRIBED')) returns.add('SUBSCRIBED');
  if (select.has('SPECIAL-USE')) returns.add('SPECIAL-USE');
  const listed = listMailboxes({
    mailboxes: mailboxes.map((m) => ({ name: m.name, specialUse: m.specialUse })),
    subscriptions,
    patterns: decodedPatterns.map((p) => canonicalPattern(decodedReference, p ?? '')),
    options: { ...options, return: [...returns] },
    extended,
  });
  const byName = new Map(mailboxes.map((m) => [m.name, m]));
  for (const entry of listed) {
    writeListed(args, 'LIST', entry);
    const mailbox = byName.get(entry.name);
    if (options.status && mailbox) await writeStatus(args, mailbox, options.status);
  }
  return ok('LIST completed');
}

export async function lsub(args: HandlerArgs, reference: string, pattern: string): Promise<Outcome> {
  const account = args.state.account;
  if (!account) return no('Not authenticated');
  const decodedReference = decodePattern(args, reference);
  const decodedPattern = decodePattern(args, pattern);
  if (decodedReference === undefined || decodedPattern === undefined) return bad('Invalid mailbox name encoding');
  if (pattern === '') {
    args.out.line(`LSUB (\\Noselect) "${HIERARCHY_DELIMITER}" ""`);
    return ok('LSUB completed');
  }
  const [mailboxes, subscriptions] = await Promise.all([args.ctx.storage.listMailboxes(account.id), args.ctx.storage.listSubscriptions(account.id)]);
  const existing = new Set(mailboxes.map((m) => m.name));
  for (const entry of listSubscribed(subscriptions, existing, canonicalPattern(decodedReference, decodedPattern))) writeListed(args, 'LSUB', entry);
  return ok('LSUB completed');
}
