// USER and PASS (RFC 1939 §7), and opening the maildrop after any successful authentication
// (PASS or AUTH): take the maildrop lock, take the snapshot of the INBOX, enforce
// LOGIN-DELAY, and enter TRANSACTION. An unknown user and a wrong password get the same
// reply (the Authenticator makes them cost the same too); USER never tells whether the user
// exists. Input it does not trust: the user name and password (client data).
//
// Standards: RFC 1939 §4 (the maildrop lock after authentication; a lock acquired for a failing
// reply is released first), §7 (USER, PASS; PASS right after USER), RFC 2449 §8.1.1
// ([LOGIN-DELAY]) and §8.1.2 ([IN-USE]), RFC 3206 §4-§5 ([SYS/TEMP], [AUTH]).

import type { AuthFailureReason } from '../../../../auth/authenticator.ts';
import type { Account } from '../../../../storage/api.ts';
import { mailError } from '../../../../storage/mail-error.ts';
import { MAX_AUTH_FAILURES_PER_SESSION } from '../limits.ts';
import { Maildrop } from '../maildrop.ts';
import { loginDelayLeaseName, MaildropLock } from '../maildrop-lock.ts';
import { AUTH_FAILED, AUTH_TEMPORARY, IN_USE, loginDelay, mailErrorReply, ok, type Reply } from '../replies.ts';
import type { Pop3Context, SessionState } from '../state.ts';

export interface Step {
  readonly reply: Reply;
  /** Close the connection after the reply. */
  readonly close?: boolean;
}

/** RFC 1939 §7: remembered for the PASS that must follow; the reply says nothing about the user. */
export function user(state: SessionState, name: string): Reply {
  state.pendingUser = name;
  return ok('Send PASS');
}

export async function pass(ctx: Pop3Context, state: SessionState, name: string, password: string): Promise<Step> {
  const result = await ctx.authenticator.authenticate({ username: name, password, remoteAddress: state.remoteAddress });
  if (!result.ok) return authFailure(state, result.reason);
  return { reply: await openMaildrop(ctx, state, result.account) };
}

/** The reply to a failed login; the session closes after MAX_AUTH_FAILURES_PER_SESSION wrong credentials. */
export function authFailure(state: SessionState, reason: AuthFailureReason): Step {
  if (reason !== 'invalid-credentials') return { reply: AUTH_TEMPORARY };
  state.authFailures++;
  if (state.authFailures < MAX_AUTH_FAILURES_PER_SESSION) return { reply: AUTH_FAILED };
  state.endReason = 'auth-failures';
  return { reply: AUTH_FAILED, close: true };
}

/** After authentication: lock, snapshot, LOGIN-DELAY, then TRANSACTION. */
export async function openMaildrop(ctx: Pop3Context, state: SessionState, account: Account): Promise<Reply> {
  const inbox = await ctx.storage.getMailbox(account.id, 'INBOX');
  if (inbox === undefined) return mailErrorReply(mailError('nonexistent', 'the account has no INBOX'));
  const lock = await MaildropLock.acquire(ctx.storage, account.id, state.id, ctx.logger);
  if (lock === undefined) return IN_USE;
  let opened = false;
  try {
    const listed = await ctx.storage.listMessages(account.id, inbox.id);
    if (!listed.ok) return mailErrorReply(listed.error);
    const delay = ctx.settings.loginDelaySeconds;
    // RFC 2449 §6.5: one login per period; a new session id never holds the previous lease.
    if (delay > 0 && !(await ctx.storage.acquireLease(loginDelayLeaseName(account.id), state.id, delay * 1000))) {
      return loginDelay(delay);
    }
    const maildrop = new Maildrop(account.id, inbox, listed.value);
    state.account = account;
    state.maildrop = maildrop;
    state.lock = lock;
    state.phase = 'transaction';
    opened = true;
    const { messages, octets } = maildrop.stat();
    return ok(`Logged in; maildrop has ${messages} messages (${octets} octets)`);
  } finally {
    // RFC 1939 §4: the lock goes before the negative reply does.
    if (!opened) await lock.release();
  }
}
