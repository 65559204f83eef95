// LOGIN (RFC 9051 §6.2.3) and AUTHENTICATE (§6.2.2, SASL-IR RFC 4959) over the shared SASL
// layer. Before TLS, login is refused (LOGINDISABLED, [PRIVACYREQUIRED] RFC 5530) unless the
// config allows plaintext for loopback clients. An unknown user and a wrong password answer the
// same NO [AUTHENTICATIONFAILED]; lockouts and storage trouble are NO [UNAVAILABLE]. The OK of a
// successful login carries the new CAPABILITY list (RFC 9051 §6.2.3).

import type { Account } from '../../../../storage/api.ts';
import { createSaslSession, type SaslOutcome } from '../../../../auth/sasl/session.ts';
import { capabilityCode } from '../../wire/encoder.ts';
import { bad, no, ok, type HandlerArgs, type Outcome, type SessionState } from '../context.ts';
import { capabilityList } from './any-state.ts';

/** Failed logins in one connection before it is closed. */
export const MAX_LOGIN_FAILURES_PER_CONNECTION = 5;

function loggedIn(args: HandlerArgs, account: Account): Outcome {
  args.state.account = account;
  args.state.phase = 'auth';
  return ok('Logged in', capabilityCode(capabilityList(args.ctx, args.state)));
}

function failed(state: SessionState, reason: 'invalid-credentials' | 'locked-out' | 'temporary'): Outcome {
  if (reason !== 'invalid-credentials') return no('Temporary authentication failure; try again later', 'UNAVAILABLE');
  state.authFailures++;
  if (state.authFailures >= MAX_LOGIN_FAILURES_PER_CONNECTION) return { kind: 'logout' };
  return no('Authentication failed', 'AUTHENTICATIONFAILED');
}

export async function login(args: HandlerArgs, user: string, password: string): Promise<Outcome> {
  if (!args.state.loginAllowed) return no('Use STARTTLS before LOGIN', 'PRIVACYREQUIRED');
  const result = await args.ctx.authenticator.authenticate({ username: user, password, remoteAddress: args.state.remoteAddress });
  return result.ok ? loggedIn(args, result.account) : failed(args.state, result.reason);
}

function fromOutcome(args: HandlerArgs, outcome: SaslOutcome): Outcome {
  const { state } = args;
  switch (outcome.kind) {
    case 'challenge':
      return { kind: 'sasl', challenge: outcome.data };
    case 'success':
      state.sasl = undefined;
      if (outcome.finalData !== undefined) {
        state.saslPendingAccount = outcome.account;
        return { kind: 'sasl', challenge: outcome.finalData };
      }
      return loggedIn(args, outcome.account);
    case 'failure':
      state.sasl = undefined;
      switch (outcome.reason) {
        case 'cancelled':
          return bad('Authentication cancelled');
        case 'malformed':
          return bad('Cannot decode the authentication data');
        default:
          return failed(state, outcome.reason);
      }
  }
}

export async function authenticate(args: HandlerArgs, mechanism: string, initialResponse: string | undefined): Promise<Outcome> {
  const { state } = args;
  if (!state.loginAllowed) return no('Use STARTTLS before AUTHENTICATE', 'PRIVACYREQUIRED');
  const session = createSaslSession(mechanism, args.ctx.authenticator, { remoteAddress: state.remoteAddress, tls: state.tls });
  if (!session) return no(`Unsupported authentication mechanism`, 'CANNOT');
  state.sasl = session;
  return fromOutcome(args, await session.start(initialResponse));
}

/** A client line in an AUTHENTICATE exchange ("*" cancels, RFC 9051 §6.2.2). */
export async function authenticateContinue(args: HandlerArgs, line: string): Promise<Outcome> {
  const { state } = args;
  const pending = state.saslPendingAccount;
  if (pending) {
    state.saslPendingAccount = undefined;
    return line === '' ? loggedIn(args, pending) : bad('Expected an empty response');
  }
  const session = state.sasl;
  if (!session) return bad('No authentication in progress');
  return fromOutcome(args, await session.respond(line));
}
