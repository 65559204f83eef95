// CREATE (RFC 9051 §6.3.4, with USE for CREATE-SPECIAL-USE RFC 6154 §3), DELETE (§6.3.5),
// RENAME (§6.3.6), SUBSCRIBE and UNSUBSCRIBE (§6.3.7, §6.3.8). Names arrive in the client's
// encoding and are checked by names.ts; storage errors map to RFC 5530 codes in one table.

import type { SpecialUse } from '../../../../storage/api.ts';
import { HIERARCHY_DELIMITER } from '../../../../storage/mailbox-name.ts';
import { bad, no, ok, type HandlerArgs, type Outcome } from '../context.ts';
import { mailErrorResponse } from '../errors.ts';
import { clientMailboxName } from '../names.ts';
import { mailboxObjectId } from './status.ts';

const SPECIAL_USES: ReadonlySet<string> = new Set(['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash']);

function failed(error: { code: Parameters<typeof mailErrorResponse>[0]['code']; message: string }): Outcome {
  const response = mailErrorResponse(error);
  return no(response.text, response.code);
}

export async function create(args: HandlerArgs, wire: string, specialUse: readonly string[]): Promise<Outcome> {
  const account = args.state.account;
  if (!account) return no('Not authenticated');
  // RFC 9051 §6.3.4: a trailing delimiter only says the client means to create children.
  const trimmed = wire.endsWith(HIERARCHY_DELIMITER) && wire.length > 1 ? wire.slice(0, -1) : wire;
  const name = clientMailboxName(args.state, trimmed);
  if (!name.ok) return no(`Invalid mailbox name: ${name.error}`, 'CANNOT');
  if (name.value === 'INBOX') return no('INBOX exists already', 'ALREADYEXISTS');
  if (specialUse.length > 1) return no('Only one special use per mailbox', 'USEATTR');
  const use = specialUse[0];
  if (use !== undefined && !SPECIAL_USES.has(use)) return no(`${use} is not a special-use attribute`, 'USEATTR'); // RFC 6154 §3
  // RFC 9051 §6.3.4 says a server SHOULD create missing superior names; like Dovecot we leave
  // them implied (LIST shows them \NonExistent or \Noselect), so deleting the child leaves nothing behind.
  const created = await args.ctx.storage.createMailbox(account.id, name.value, { specialUse: (use as SpecialUse | undefined) ?? null });
  // RFC 8474 §4.1: the MAILBOXID of the new mailbox in the tagged OK.
  return created.ok ? ok('CREATE completed', `MAILBOXID (${mailboxObjectId(created.value)})`) : failed(created.error);
}

export async function remove(args: HandlerArgs, wire: string): Promise<Outcome> {
  const account = args.state.account;
  if (!account) return no('Not authenticated');
  const name = clientMailboxName(args.state, wire);
  if (!name.ok) return no(`Invalid mailbox name: ${name.error}`, 'NONEXISTENT');
  const selected = args.state.selected;
  const deleted = await args.ctx.storage.deleteMailbox(account.id, name.value);
  if (!deleted.ok) return failed(deleted.error);
  // RFC 9051 §6.3.5: deleting the selected mailbox deselects it.
  if (selected && selected.name === name.value) {
    args.state.selected = undefined;
    args.state.phase = 'auth';
    args.out.line('OK [CLOSED] The selected mailbox was deleted');
  }
  return ok('DELETE completed');
}

export async function rename(args: HandlerArgs, fromWire: string, toWire: string): Promise<Outcome> {
  const account = args.state.account;
  if (!account) return no('Not authenticated');
  const from = clientMailboxName(args.state, fromWire);
  const to = clientMailboxName(args.state, toWire.endsWith(HIERARCHY_DELIMITER) ? toWire.slice(0, -1) : toWire);
  if (!from.ok) return no(`Invalid mailbox name: ${from.error}`, 'NONEXISTENT');
  if (!to.ok) return no(`Invalid mailbox name: ${to.error}`, 'CANNOT');
  const renamed = await args.ctx.storage.renameMailbox(account.id, from.value, to.value);
  if (!renamed.ok) return failed(renamed.error);
  const selected = args.state.selected;
  if (selected && (selected.name === from.value || selected.name.startsWith(from.value + HIERARCHY_DELIMITER)) && from.value !== 'INBOX') {
    selected.name = to.value + selected.name.slice(from.value.length);
  }
  return ok('RENAME completed');
}

export async function subscribe(args: HandlerArgs, wire: string, subscribed: boolean): Promise<Outcome> {
  const account = args.state.account;
  if (!account) return no('Not authenticated');
  const name = clientMailboxName(args.state, wire);
  if (!name.ok) return bad(`Invalid mailbox name: ${name.error}`);
  const done = await args.ctx.storage.setSubscribed(account.id, name.value, subscribed);
  if (!done.ok) return failed(done.error);
  return ok(subscribed ? 'SUBSCRIBE completed' : 'UNSUBSCRIBE completed');
}
