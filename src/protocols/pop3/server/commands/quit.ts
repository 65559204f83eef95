// QUIT (RFC 1939 §4 and §6). In AUTHORIZATION it only says goodbye. In TRANSACTION the session
// enters UPDATE: the messages marked deleted (and, with EXPIRE 0, those retrieved) are removed
// in one storage transaction, the lock is released, and the connection closes. The lock is
// renewed first: a session that lost it to another one removes nothing. Input it does not
// trust: none.
//
// Standards: RFC 1939 §6 (UPDATE: remove the marked messages, release the lock, "+OK"; "-ERR"
// when some could not be removed), RFC 2449 §6.7 (EXPIRE 0), RFC 3206 §4 ([SYS/TEMP]).

import { error, LOCK_LOST, ok, SIGNING_OFF } from '../replies.ts';
import type { Pop3Context, SessionState } from '../state.ts';
import type { Step } from './login.ts';

const NOT_REMOVED = error('Some deleted messages not removed; try again later', 'SYS/TEMP');

export async function quit(ctx: Pop3Context, state: SessionState): Promise<Step> {
  state.endReason = 'quit';
  const { maildrop, lock } = state;
  if (state.phase !== 'transaction' || maildrop === undefined || lock === undefined) return { reply: SIGNING_OFF, close: true };
  state.phase = 'update';
  try {
    const uids = maildrop.toRemove(ctx.settings.expire === '0');
    if (uids.length > 0) {
      if (!(await lock.renew())) {
        state.endReason = 'lock-lost';
        return { reply: LOCK_LOST, close: true };
      }
      const removed = await ctx.storage.removeMessages(maildrop.accountId, maildrop.mailboxId, uids);
      if (!removed.ok) return { reply: NOT_REMOVED, close: true };
      state.removed = removed.value.uids.length;
    }
    const left = maildrop.count - uids.length;
    return { reply: ok(`Postwarden POP3 server signing off (${uids.length} messages deleted, ${left} left)`), close: true };
  } finally {
    await lock.release();
  }
}
