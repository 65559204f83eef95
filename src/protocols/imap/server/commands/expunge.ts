// EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): removes the \Deleted messages
// (among the given UIDs) and reports each as EXPUNGE, or as one VANISHED with QRESYNC
// (RFC 7162 §3.2.10). On a read-only (EXAMINEd) mailbox nothing is removed.

import { formatNumberSet } from '../../wire/sequence.ts';
import type { SequenceSet } from '../../wire/types.ts';
import { no, ok, type HandlerArgs, type Outcome } from '../context.ts';
import { mailErrorResponse } from '../errors.ts';
import { syncSelected } from '../updates.ts';

export async function expunge(args: HandlerArgs, set: SequenceSet | undefined): Promise<Outcome> {
  const { state, out, ctx } = args;
  const selected = state.selected;
  if (!selected) return no('No mailbox selected');
  if (selected.readOnly) return no('The mailbox is read-only', 'READ-ONLY');
  // Report what others changed first, so the sequence numbers below are the client's.
  await syncSelected(state, out, ctx.storage, true);
  const uids = set ? selected.resolve(set, true, state.savedSearch) : undefined;
  const result = await ctx.storage.expungeMessages(selected.accountId, selected.mailboxId, uids);
  if (!result.ok) {
    const response = mailErrorResponse(result.error);
    return no(response.text, response.code);
  }
  const seqs = selected.removeOwn(result.value.uids);
  if (state.enabled.has('QRESYNC')) {
    if (result.value.uids.length > 0) out.line(`VANISHED ${formatNumberSet(result.value.uids)}`);
  } else {
    for (const seq of seqs) out.line(`${seq} EXPUNGE`);
  }
  const code = state.condstore ? `HIGHESTMODSEQ ${Math.max(selected.highestModSeq, result.value.modSeq)}` : undefined;
  return ok('EXPUNGE completed', code);
}
