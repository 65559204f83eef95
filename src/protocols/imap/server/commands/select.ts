// SELECT and EXAMINE (RFC 9051 §6.3.2, §6.3.3; RFC 3501 adds RECENT and UNSEEN), with
// CONDSTORE (RFC 7162 §3.1.8: HIGHESTMODSEQ or NOMODSEQ) and QRESYNC (§3.2.5: VANISHED
// (EARLIER) and FETCH for what changed since the client's MODSEQ), OBJECTID's MAILBOXID
// (RFC 8474 §4.2); CLOSE (§6.4.1, expunges silently) and UNSELECT (RFC 3691).

import { SYSTEM_FLAGS } from '../../../../storage/api.ts';
import { formatNumberSet } from '../../wire/sequence.ts';
import { encodeFlagList, highestModSeqCode, permanentFlagsCode, uidNextCode, uidValidityCode } from '../../wire/encoder.ts';
import type { QresyncParams } from '../../wire/types.ts';
import { bad, no, ok, type HandlerArgs, type Outcome } from '../context.ts';
import { clientMailboxName } from '../names.ts';
import { SelectedMailbox } from '../selected.ts';
import { flagsWithRecent } from '../updates.ts';
import { mailboxObjectId } from './status.ts';

function deselect(args: HandlerArgs): void {
  if (args.state.selected) {
    args.state.selected = undefined;
    args.state.phase = 'auth';
    args.state.savedSearch = undefined;
  }
}

/** RFC 7162 §3.2.5.2: VANISHED (EARLIER) and FETCH for changes since the client's MODSEQ. */
async function qresync(args: HandlerArgs, selected: SelectedMailbox, params: QresyncParams): Promise<void> {
  if (params.uidValidity !== selected.uidValidity) return; // §3.2.5.2: a different UIDVALIDITY means a full resync
  const changes = await args.ctx.storage.changesSince(selected.accountId, selected.mailboxId, params.modSeq);
  if (!changes.ok) return;
  const knownCheck = params.knownUids?.kind === 'set' ? params.knownUids.ranges : undefined;
  const vanished = changes.value.vanished.filter((uid) => {
    if (!knownCheck) return true;
    return knownCheck.some((range) => uid >= Math.min(range.from, range.to) && uid <= Math.max(range.from, range.to));
  });
  if (vanished.length > 0) args.out.line(`VANISHED (EARLIER) ${formatNumberSet(vanished)}`);
  for (const record of changes.value.changed) {
    const seq = selected.seqOf(record.uid);
    if (seq === undefined) continue;
    const response = args.out.untagged().number(seq).atom('FETCH').open();
    response.atom('UID').number(record.uid).atom('FLAGS').flags(flagsWithRecent(args.state, selected, record.uid, record.flags));
    response.atom('MODSEQ').open().number(record.modSeq).close();
    args.out.send(response.close());
  }
}

export async function select(args: HandlerArgs, wire: string, readOnly: boolean, condstore: boolean, params: QresyncParams | undefined): Promise<Outcome> {
  const { state, out, ctx } = args;
  const account = state.account;
  if (!account) return no('Not authenticated');
  if (params && !state.enabled.has('QRESYNC')) return bad('QRESYNC must be enabled first (RFC 7162 §3.2.5)');
  const hadSelection = state.selected !== undefined;
  deselect(args);
  // RFC 7162 §3.2.11: deselecting a mailbox for another under QRESYNC sends [CLOSED].
  if (hadSelection && state.enabled.has('QRESYNC')) out.line('OK [CLOSED] Previous mailbox closed');
  const name = clientMailboxName(state, wire);
  if (!name.ok) return no(`Invalid mailbox name: ${name.error}`, 'NONEXISTENT');
  const mailbox = await ctx.storage.getMailbox(account.id, name.value);
  if (!mailbox) return no('Mailbox does not exist', 'NONEXISTENT');
  const selected = await SelectedMailbox.open(ctx.storage, mailbox, readOnly);
  if (!selected) return no('Mailbox does not exist', 'NONEXISTENT');
  if (condstore) state.condstore = true;

  const flags = [...SYSTEM_FLAGS, ...selected.keywords()];
  out.line(`FLAGS ${encodeFlagList(flags)}`);
  out.line(`OK [${permanentFlagsCode(readOnly ? [] : [...flags, '\\*'])}] Flags permitted`);
  out.line(`${selected.exists} EXISTS`);
  if (!state.enabled.has('IMAP4REV2')) {
    out.line(`${selected.recent} RECENT`);
    const firstUnseen = selected.firstUnseen();
    if (firstUnseen !== undefined) out.line(`OK [UNSEEN ${firstUnseen}] First unseen`);
  }
  out.line(`OK [${uidValidityCode(selected.uidValidity)}] UIDs valid`);
  out.line(`OK [${uidNextCode(selected.uidNext)}] Predicted next UID`);
  if (state.condstore) out.line(`OK [${highestModSeqCode(selected.highestModSeq)}] Highest`);
  out.line(`OK [MAILBOXID (${mailboxObjectId(mailbox)})] Ok`); // RFC 8474 §4.2
  state.selected = selected;
  state.phase = 'selected';
  if (params) await qresync(args, selected, params);
  return ok(`${readOnly ? 'EXAMINE' : 'SELECT'} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
}

export async function close(args: HandlerArgs, expunge: boolean): Promise<Outcome> {
  const selected = args.state.selected;
  if (!selected) return no('No mailbox selected');
  // RFC 9051 §6.4.1: CLOSE removes \Deleted messages without EXPUNGE responses (not on EXAMINE).
  if (expunge && !selected.readOnly) await args.ctx.storage.expungeMessages(selected.accountId, selected.mailboxId);
  deselect(args);
  return ok(expunge ? 'CLOSE completed' : 'UNSELECT completed');
}
