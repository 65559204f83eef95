// COPY, UID COPY (RFC 9051 §6.4.7) and MOVE, UID MOVE (RFC 6851): the messages go to another
// mailbox in one transaction, the answer carries COPYUID (RFC 4315 §3), MOVE sends it untagged
// first and then the EXPUNGE (or VANISHED) responses for the source (RFC 6851 §4.3). A missing
// destination answers NO [TRYCREATE] (RFC 9051 §6.4.7).

import { copyUidCode } from '../../wire/encoder.ts';
import { formatNumberSet } from '../../wire/sequence.ts';
import type { ImapCommand } from '../../wire/types.ts';
import { no, ok, type HandlerArgs, type Outcome } from '../context.ts';
import { mailErrorResponse } from '../errors.ts';
import { clientMailboxName } from '../names.ts';
import { syncSelected } from '../updates.ts';

type CopyCommand = Extract<ImapCommand, { name: 'COPY' | 'MOVE' }>;

export async function copyOrMove(args: HandlerArgs, command: CopyCommand): Promise<Outcome> {
  const { state, out, ctx } = args;
  const selected = state.selected;
  if (!selected) return no('No mailbox selected');
  const move = command.name === 'MOVE';
  if (move && selected.readOnly) return no('The mailbox is read-only', 'READ-ONLY');
  const name = clientMailboxName(state, command.mailbox);
  if (!name.ok) return no(`Invalid mailbox name: ${name.error}`, 'TRYCREATE');
  const target = await ctx.storage.getMailbox(selected.accountId, name.value);
  if (!target) return no('The destination mailbox does not exist', 'TRYCREATE');
  if (!command.uid && selected.outOfRange(command.set)) return no('Invalid message sequence number');
  if (move) await syncSelected(state, out, ctx.storage, true);
  const uids = selected.resolve(command.set, command.uid, state.savedSearch);
  if (uids.some((uid) => selected.isExpungedElsewhere(uid))) return no('Some of the messages were expunged', 'EXPUNGEISSUED');
  if (uids.length === 0) return ok(`${command.name} completed`);
  const result = move
    ? await ctx.storage.moveMessages(selected.accountId, selected.mailboxId, uids, target.id)
    : await ctx.storage.copyMessages(selected.accountId, selected.mailboxId, uids, target.id);
  if (!result.ok) {
    const response = mailErrorResponse(result.error);
    return no(response.text, response.code);
  }
  const sources = result.value.mapping.map(([source]) => source);
  const destinations = result.value.mapping.map(([, destination]) => destination);
  const code = sources.length > 0 ? copyUidCode(result.value.uidValidity, sources, destinations) : undefined;
  if (!move) return ok('COPY completed', code);
  if (code) out.line(`OK [${code}] Moved`);
  const seqs = selected.removeOwn(sources);
  if (state.enabled.has('QRESYNC')) {
    if (sources.length > 0) out.line(`VANISHED ${formatNumberSet(sources)}`);
  } else {
    for (const seq of seqs) out.line(`${seq} EXPUNGE`);
  }
  return ok('MOVE completed');
}
