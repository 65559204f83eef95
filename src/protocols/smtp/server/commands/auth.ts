// AUTH (RFC 4954) over the shared SASL layer: only on submission listeners and only under TLS
// (538 5.7.11 before it, RFC 4954 §6; not on the MX port at all), once per session, never inside
// a mail transaction. Challenges go out as 334 lines; "*" cancels (501); success is 235 2.7.0;
// an unknown user and a wrong password get the same 535 5.7.8 (the throttle's delays and
// lockouts included); a lockout or a storage failure is 454 4.7.0. Data a mechanism has for the
// success (SCRAM's server signature) goes in one more 334 whose reply must be empty (§4).

import { createSaslSession, type SaslOutcome } from '../../../../auth/sasl/session.ts';
import { MAX_AUTH_FAILURES_PER_SESSION } from '../limits.ts';
import { reply, type Reply } from '../replies.ts';
import type { SessionState, SmtpContext } from '../state.ts';

export interface AuthStep {
  readonly reply: Reply;
  /** The next client line belongs to the SASL exchange. */
  readonly continues: boolean;
  /** Close the connection after the reply. */
  readonly close?: boolean;
}

const SUCCESS = reply(235, '2.7.0', 'Authentication successful');

function outcomeStep(state: SessionState, outcome: SaslOutcome): AuthStep {
  switch (outcome.kind) {
    case 'challenge':
      return { reply: { code: 334, lines: [outcome.data] }, continues: true };
    case 'success':
      state.sasl = undefined;
      if (outcome.finalData !== undefined) {
        state.saslPendingAccount = outcome.account;
        return { reply: { code: 334, lines: [outcome.finalData] }, continues: true };
      }
      state.account = outcome.account;
      return { reply: SUCCESS, continues: false };
    case 'failure': {
      state.sasl = undefined;
      switch (outcome.reason) {
        case 'cancelled':
          return { reply: reply(501, '5.0.0', 'Authentication cancelled'), continues: false };
        case 'malformed':
          return { reply: reply(501, '5.5.2', 'Cannot decode the authentication data'), continues: false };
        case 'locked-out':
        case 'temporary':
          return { reply: reply(454, '4.7.0', 'Temporary authentication failure; try again later'), continues: false };
        case 'invalid-credentials': {
          state.authFailures++;
          const close = state.authFailures >= MAX_AUTH_FAILURES_PER_SESSION;
          return { reply: reply(535, '5.7.8', 'Authentication credentials invalid'), continues: false, close };
        }
      }
    }
  }
}

export async function auth(ctx: SmtpContext, state: SessionState, mechanism: string, initialResponse: string | undefined): Promise<AuthStep> {
  if (state.role !== 'submission') return { reply: reply(502, '5.5.1', 'AUTH is not available on this port'), continues: false };
  if (!state.tls) return { reply: reply(538, '5.7.11', 'Encryption required for requested authentication mechanism'), continues: false };
  if (state.account) return { reply: reply(503, '5.5.1', 'Already authenticated'), continues: false };
  if (state.transaction) return { reply: reply(503, '5.5.1', 'AUTH is not allowed during a mail transaction'), continues: false };
  const session = createSaslSession(mechanism, ctx.authenticator, { remoteAddress: state.remoteAddress, tls: true });
  if (!session) return { reply: reply(504, '5.5.4', `Unrecognized authentication type ${mechanism.slice(0, 40)}`), continues: false };
  state.sasl = session;
  return outcomeStep(state, await session.start(initialResponse));
}

/** A client line during an exchange. */
export async function authContinue(state: SessionState, line: string): Promise<AuthStep> {
  const pending = state.saslPendingAccount;
  if (pending) {
    state.saslPendingAccount = undefined;
    if (line !== '') return { reply: reply(501, '5.5.2', 'Expected an empty response'), continues: false };
    state.account = pending;
    return { reply: SUCCESS, continues: false };
  }
  const session = state.sasl;
  if (!session) return { reply: reply(503, '5.5.1', 'No authentication in progress'), continues: false };
  return outcomeStep(state, await session.respond(line));
}
