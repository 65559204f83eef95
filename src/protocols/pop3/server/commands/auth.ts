// AUTH (RFC 5034) over the shared SASL layer, in the AUTHORIZATION state, and only where
// credentials may be sent (the session checks that). Challenges go out as "+ " lines; "*"
// cancels; a line that cannot be decoded fails the exchange; success opens the maildrop like
// PASS does. An unknown user and a wrong password get the same [AUTH] reply; a lockout or a
// storage failure is [SYS/TEMP]. Data a mechanism has for the success (SCRAM's server
// signature) goes out as one more challenge whose response must be empty (RFC 4422 §3.6, the
// SaslOutcome contract). Input it does not trust: the mechanism name and every line.
//
// Standards: RFC 5034 §4 (the exchange, "*" cancels, -ERR on undecodable data), §6 ([AUTH],
// [SYS/TEMP], [IN-USE] after AUTH), RFC 4422 §3.

import { createSaslSession, type SaslOutcome } from '../../../../auth/sasl/session.ts';
import { error } from '../replies.ts';
import type { Pop3Context, SessionState } from '../state.ts';
import { authFailure, openMaildrop, type Step } from './login.ts';

export type AuthStep =
  /** Send a challenge; the next client line belongs to the exchange. */
  | { readonly kind: 'challenge'; readonly data: string }
  | { readonly kind: 'done'; readonly step: Step };

const CANCELLED = error('Authentication cancelled');
const MALFORMED = error('Cannot decode the authentication data');
const UNKNOWN_MECHANISM = error('Unrecognized authentication mechanism');
const EXPECTED_EMPTY = error('Expected an empty response');

const done = (step: Step): AuthStep => ({ kind: 'done', step });

async function outcomeStep(ctx: Pop3Context, state: SessionState, outcome: SaslOutcome): Promise<AuthStep> {
  switch (outcome.kind) {
    case 'challenge':
      return { kind: 'challenge', data: outcome.data };
    case 'success':
      state.sasl = undefined;
      if (outcome.finalData !== undefined) {
        state.saslPendingAccount = outcome.account;
        return { kind: 'challenge', data: outcome.finalData };
      }
      return done({ reply: await openMaildrop(ctx, state, outcome.account) });
    case 'failure':
      state.sasl = undefined;
      switch (outcome.reason) {
        case 'cancelled':
          return done({ reply: CANCELLED });
        case 'malformed':
          return done({ reply: MALFORMED });
        case 'locked-out':
        case 'temporary':
        case 'invalid-credentials':
          return done(authFailure(state, outcome.reason));
      }
  }
}

export async function auth(ctx: Pop3Context, state: SessionState, mechanism: string, initialResponse: string | undefined): Promise<AuthStep> {
  const session = createSaslSession(mechanism, ctx.authenticator, { remoteAddress: state.remoteAddress, tls: state.tls !== undefined });
  if (session === undefined) return done({ reply: UNKNOWN_MECHANISM });
  state.sasl = session;
  return outcomeStep(ctx, state, await session.start(initialResponse));
}

/** A client line during an exchange. */
export async function authContinue(ctx: Pop3Context, state: SessionState, line: string): Promise<AuthStep> {
  const pending = state.saslPendingAccount;
  if (pending !== undefined) {
    state.saslPendingAccount = undefined;
    if (line !== '') return done({ reply: EXPECTED_EMPTY });
    return done({ reply: await openMaildrop(ctx, state, pending) });
  }
  const session = state.sasl;
  if (session === undefined) return done({ reply: MALFORMED });
  return outcomeStep(ctx, state, await session.respond(line));
}

/** Ends an exchange whose line could not be read (too long, or not ended by CRLF). */
export function authAbort(state: SessionState): Step {
  state.sasl = undefined;
  state.saslPendingAccount = undefined;
  return { reply: MALFORMED };
}
