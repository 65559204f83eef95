// STORE and UID STORE (RFC 9051 §6.4.6) with CONDSTORE's UNCHANGEDSINCE and MODIFIED
// (RFC 7162 §3.1.3): FLAGS, +FLAGS, -FLAGS and their .SILENT forms. The untagged FETCH of each
// changed message carries FLAGS (and UID for UID STORE, MODSEQ under CONDSTORE); with .SILENT
// only MODSEQ changes are reported when CONDSTORE is on (§3.1.3: the client needs them).

import { no, ok, type HandlerArgs, type Outcome } from '../context.ts';
import { mailErrorResponse } from '../errors.ts';
import { formatNumberSet } from '../../wire/sequence.ts';
import type { ImapCommand } from '../../wire/types.ts';
import { flagsWithRecent } from '../updates.ts';

type StoreCommand = Extract<ImapCommand, { name: 'STORE' }>;

export async function store(args: HandlerArgs, command: StoreCommand): Promise<Outcome> {
  const { state, out, ctx } = args;
  const selected = state.selected;
  if (!selected) return no('No mailbox selected');
  if (selected.readOnly) return no('The mailbox is read-only', 'READ-ONLY');
  const unchangedSince = command.modifiers.unchangedSince;
  if (unchangedSince !== undefined) state.condstore = true; // RFC 7162 §3.1: a CONDSTORE-enabling command
  const uids = selected.resolve(command.set, command.uid, state.savedSearch);
  const alive = uids.filter((uid) => !selected.isExpungedElsewhere(uid));
  if (alive.length === 0 && uids.length === 0) return ok('STORE completed');
  const result = await ctx.storage.updateFlags(selected.accountId, selected.mailboxId, alive, {
    mode: command.mode,
    flags: command.flags,
    ...(unchangedSince === undefined ? {} : { unchangedSince }),
  });
  if (!result.ok) {
    const response = mailErrorResponse(result.error);
    return no(response.text, response.code);
  }
  const changed = new Set<number>();
  for (const record of result.value.updated) {
    selected.noteOwnChange(record);
    changed.add(record.uid);
  }
  // Without .SILENT every message named gets its flags back (RFC 9051 §6.4.6), changed or not.
  const report = command.silent ? (state.condstore ? [...changed] : []) : alive.filter((uid) => !result.value.modified.includes(uid));
  for (const uid of report) {
    const record = selected.record(uid);
    const seq = selected.seqOf(uid);
    if (!record || seq === undefined) continue;
    const response = out.untagged().number(seq).atom('FETCH').open();
    // RFC 7162 §3.1: with CONDSTORE on, UID and MODSEQ go into every untagged FETCH.
    if (command.uid || state.condstore) response.atom('UID').number(uid);
    if (!command.silent) response.atom('FLAGS').flags(flagsWithRecent(state, selected, uid, record.flags));
    if (state.condstore) response.atom('MODSEQ').open().number(record.modSeq).close();
    out.send(response.close());
  }
  // MODIFIED reports UNCHANGEDSINCE failures (RFC 7162 §3.1.3), and then also messages expunged meanwhile.
  const modified = unchangedSince === undefined ? [] : [...result.value.modified, ...uids.filter((uid) => selected.isExpungedElsewhere(uid))];
  if (modified.length > 0) {
    const numbers = command.uid ? modified : modified.map((uid) => selected.seqOf(uid) ?? 0).filter((n) => n > 0);
    return ok('Conditional STORE failed for some messages', `MODIFIED ${formatNumberSet(numbers)}`);
  }
  return ok('STORE completed');
}
