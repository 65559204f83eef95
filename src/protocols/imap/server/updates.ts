// Untagged mailbox updates (RFC 9051 §7.4, §7.5): a sync result of the selected mailbox becomes
// EXPUNGE (or VANISHED with QRESYNC, RFC 7162 §3.2.10), EXISTS, RECENT (IMAP4rev1 only) and
// FETCH (FLAGS) responses, with UID when QRESYNC is on (§3.2.4) and MODSEQ when CONDSTORE is
// (RFC 7162 §3.1.4).
// RFC 7162 §3.1: once CONDSTORE is on, every untagged FETCH carries UID and MODSEQ.

import { formatNumberSet } from '../wire/sequence.ts';
import type { SessionState } from './context.ts';
import type { Responder } from './responder.ts';
import type { SelectedMailbox, SyncResult } from './selected.ts';

export function flagsWithRecent(state: SessionState, selected: SelectedMailbox, uid: number, flags: readonly string[]): string[] {
  // RFC 3501 §2.3.2 \Recent: IMAP4rev2 (RFC 9051 Appendix E) removed it.
  return selected.isRecent(uid) && !state.enabled.has('IMAP4REV2') ? [...flags, '\\Recent'] : [...flags];
}

export function writeUpdates(state: SessionState, out: Responder, selected: SelectedMailbox, result: SyncResult): void {
  if (result.vanished.length > 0 && state.enabled.has('QRESYNC')) {
    out.line(`VANISHED ${formatNumberSet(result.vanished)}`);
  } else {
    for (const seq of result.expunged) out.line(`${seq} EXPUNGE`);
  }
  if (result.exists !== undefined) out.line(`${result.exists} EXISTS`);
  if (result.recent !== undefined && !state.enabled.has('IMAP4REV2')) out.line(`${result.recent} RECENT`);
  for (const { seq, record } of result.changed) {
    const response = out.untagged().number(seq).atom('FETCH').open();
    if (state.condstore || state.enabled.has('QRESYNC')) response.atom('UID').number(record.uid);
    response.atom('FLAGS').flags(flagsWithRecent(state, selected, record.uid, record.flags));
    if (state.condstore) response.atom('MODSEQ').open().number(record.modSeq).close();
    out.send(response.close());
  }
}

/** Syncs the selected mailbox and writes what changed; `expunges` false during FETCH/STORE/SEARCH by number. */
export async function syncSelected(state: SessionState, out: Responder, storage: Parameters<SelectedMailbox['sync']>[0], expunges: boolean): Promise<void> {
  const selected = state.selected;
  if (!selected) return;
  const result = await selected.sync(storage, { expunges });
  if (result) writeUpdates(state, out, selected, result);
}
