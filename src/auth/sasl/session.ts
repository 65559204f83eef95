// One SASL exchange, as SMTP AUTH, IMAP AUTHENTICATE and POP3 AUTH all drive it: the protocol
// passes the client's base64 lines in and sends the base64 challenges out; the session decodes
// strictly, runs the mechanism, and ends in one success or failure. Single use. Input it does
// not trust: the mechanism name and every line (client data); nothing here throws on them.
// A bug inside a mechanism (an exception) propagates to the protocol's command handler
// (house rule 8) and ends the session.
//
// Standards: RFC 4422 §3 (exchange, §3.5 abort), RFC 4954 §4 (SMTP AUTH), RFC 9051 §6.2.2
// (IMAP AUTHENTICATE), RFC 5034 §4 (POP3 AUTH), RFC 4959 (IMAP SASL-IR).

import type { SaslAuthenticator } from '../authenticator.ts';
import { createLoginMechanism } from './login.ts';
import type { Mechanism, MechanismStep, SaslOutcome } from './mechanism.ts';
import { createPlainMechanism } from './plain.ts';
import { createScramSha256Mechanism } from './scram-sha-256.ts';
import { decodeInitialResponse, decodeResponseLine, encodeServerData } from './wire.ts';

export type { SaslFailureReason, SaslOutcome } from './mechanism.ts';
export { MAX_SASL_LINE_OCTETS } from './wire.ts';

/** Mechanisms offered, strongest first (the order to list them in EHLO / CAPABILITY / CAPA). */
export const SASL_MECHANISMS = ['SCRAM-SHA-256', 'PLAIN', 'LOGIN'] as const;
export type SaslMechanismName = (typeof SASL_MECHANISMS)[number];

export interface SaslMechanismInfo {
  /** The password itself crosses the connection (only base64-encoded). */
  readonly sendsPassword: boolean;
  /**
   * Whether the mechanism may be offered on a connection without TLS. RFC 4954 §4 and
   * RFC 9051 §6.2.2 leave this to policy; ours is TLS first, so none is.
   */
  readonly allowedWithoutTls: boolean;
}

export const SASL_MECHANISM_INFO: ReadonlyMap<SaslMechanismName, SaslMechanismInfo> = new Map([
  ['SCRAM-SHA-256', { sendsPassword: false, allowedWithoutTls: false }],
  ['PLAIN', { sendsPassword: true, allowedWithoutTls: false }],
  ['LOGIN', { sendsPassword: true, allowedWithoutTls: false }],
]);

/** The mechanisms to offer on a connection, in SASL_MECHANISMS order. */
export function saslMechanismsFor(tls: boolean): readonly SaslMechanismName[] {
  return SASL_MECHANISMS.filter((name) => tls || SASL_MECHANISM_INFO.get(name)?.allowedWithoutTls === true);
}

export interface SaslSessionOptions {
  readonly remoteAddress: string;
  /** Whether the connection is protected by TLS (recorded for the mechanisms and logs). */
  readonly tls: boolean;
  /** SCRAM server nonce maker; defaults to a random one. */
  readonly scramServerNonce?: () => string;
}

export interface SaslSession {
  /** The canonical (upper-case) mechanism name. */
  readonly mechanism: SaslMechanismName;
  readonly tls: boolean;
  /** First step; `initialResponse` is the base64 text ("=" for empty), undefined when absent. */
  start(initialResponse?: string): Promise<SaslOutcome>;
  /** Each later client line (base64, "*" to cancel, empty for an empty response). */
  respond(line: string): Promise<SaslOutcome>;
}

const MECHANISM_NAMES: ReadonlyMap<string, SaslMechanismName> = new Map(SASL_MECHANISMS.map((name) => [name, name]));

/**
 * A session for a mechanism name (matched case-insensitively, since IMAP and POP3 clients
 * send them in any case), or undefined when the mechanism is not offered.
 */
export function createSaslSession(mechanismName: string, authenticator: SaslAuthenticator, options: SaslSessionOptions): SaslSession | undefined {
  const name = MECHANISM_NAMES.get(mechanismName.toUpperCase());
  if (name === undefined) return undefined;
  const mechanism = makeMechanism(name, authenticator, options);

  let state: 'new' | 'waiting' | 'busy' | 'done' = 'new';
  // Read through a function: the state may change while a step awaits.
  const currentState = (): typeof state => state;

  const run = async (step: () => Promise<MechanismStep>): Promise<SaslOutcome> => {
    state = 'busy';
    let outcome: SaslOutcome;
    try {
      outcome = toOutcome(await step());
    } catch (error) {
      state = 'done';
      throw error;
    }
    // A line that arrived while this step ran ended the session (a protocol bug); stay ended.
    if (currentState() === 'done') return { kind: 'failure', reason: 'malformed' };
    state = outcome.kind === 'challenge' ? 'waiting' : 'done';
    return outcome;
  };

  const end = (reason: 'malformed' | 'cancelled'): SaslOutcome => {
    state = 'done';
    return { kind: 'failure', reason };
  };

  return {
    mechanism: name,
    tls: options.tls,
    start: async (initialResponse) => {
      if (state !== 'new') return end('malformed');
      if (initialResponse === undefined) return run(() => mechanism.start(undefined));
      const decoded = decodeInitialResponse(initialResponse);
      if (!decoded.ok) return end('malformed');
      return run(() => mechanism.start(decoded.value));
    },
    respond: async (line) => {
      // RFC 4422 §3: a response only answers an outstanding challenge.
      if (state !== 'waiting') return end('malformed');
      const decoded = decodeResponseLine(line);
      if (!decoded.ok) return end('malformed');
      // RFC 4422 §3.5: the client aborts; the exchange fails.
      if (decoded.value.kind === 'cancel') return end('cancelled');
      const bytes = decoded.value.bytes;
      return run(() => mechanism.respond(bytes));
    },
  };
}

function makeMechanism(name: SaslMechanismName, authenticator: SaslAuthenticator, options: SaslSessionOptions): Mechanism {
  switch (name) {
    case 'PLAIN':
      return createPlainMechanism(authenticator, options.remoteAddress);
    case 'LOGIN':
      return createLoginMechanism(authenticator, options.remoteAddress);
    case 'SCRAM-SHA-256': {
      const nonce = options.scramServerNonce;
      return createScramSha256Mechanism(
        authenticator,
        nonce === undefined ? { remoteAddress: options.remoteAddress } : { remoteAddress: options.remoteAddress, serverNonce: nonce },
      );
    }
  }
}

function toOutcome(step: MechanismStep): SaslOutcome {
  switch (step.kind) {
    case 'challenge':
      return { kind: 'challenge', data: encodeServerData(step.data) };
    case 'success':
      return step.finalData === undefined
        ? { kind: 'success', account: step.account }
        : { kind: 'success', account: step.account, finalData: encodeServerData(step.finalData) };
    case 'failure':
      return step;
  }
}
