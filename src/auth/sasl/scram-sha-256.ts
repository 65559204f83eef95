// The SCRAM-SHA-256 mechanism, server side: client-first, server-first, client-final,
// server-final. The password never crosses the wire and the server proves it knows the
// verifier too. Input it does not trust: both client messages (any bytes); nothing here throws.
//
// Standards: RFC 5802 §5 (exchange), §7 (grammar, in scram-messages.ts), RFC 7677
// (SCRAM-SHA-256), RFC 4422 §3.4.1 (authzid: no proxy authorization), RFC 4954 §4 (an exchange
// without initial response starts with an empty challenge).

import type { SaslAuthenticator, ScramSubject } from '../authenticator.ts';
import { finishScramExchange, makeServerNonce, startScramExchange, type ScramServerState } from '../scram.ts';
import { parseClientFinal, parseClientFirst } from '../scram-messages.ts';
import { authzidAllowed, challenge, failure, type Mechanism, type MechanismStep } from './mechanism.ts';
import { decodeUtf8, encodeUtf8 } from './wire.ts';

export interface ScramMechanismOptions {
  readonly remoteAddress: string;
  /** Makes the server nonce; defaults to makeServerNonce (random). Tests inject a fixed one. */
  readonly serverNonce?: () => string;
}

export function createScramSha256Mechanism(authenticator: SaslAuthenticator, options: ScramMechanismOptions): Mechanism {
  const serverNonce = options.serverNonce ?? makeServerNonce;
  let exchange: { state: ScramServerState; subject: ScramSubject } | undefined;

  const clientFirst = async (bytes: Uint8Array): Promise<MechanismStep> => {
    const text = decodeUtf8(bytes);
    if (text === undefined) return failure('malformed');
    const parsed = parseClientFirst(text);
    if (!parsed.ok) return failure('malformed');
    if (!authzidAllowed(parsed.value.authzid, parsed.value.username)) return failure('invalid-credentials');
    const lookup = await authenticator.scramLookup(parsed.value.username, options.remoteAddress);
    if (!lookup.ok) return failure(lookup.reason);
    const state = startScramExchange(parsed.value, lookup.subject.verifier, serverNonce());
    exchange = { state, subject: lookup.subject };
    return challenge(encodeUtf8(state.serverFirstMessage));
  };

  const clientFinal = async (current: NonNullable<typeof exchange>, bytes: Uint8Array): Promise<MechanismStep> => {
    const text = decodeUtf8(bytes);
    if (text === undefined) return failure('malformed');
    const parsed = parseClientFinal(text);
    if (!parsed.ok) return failure('malformed');
    const finished = finishScramExchange(current.state, parsed.value);
    // A binding or nonce mismatch tests no password: malformed, not a throttled failure.
    if (!finished.ok && finished.error !== 'invalid-proof') return failure('malformed');
    const result = await authenticator.scramFinish(current.subject, finished.ok);
    if (!result.ok) return failure(result.reason);
    if (!finished.ok) return failure('invalid-credentials');
    return { kind: 'success', account: result.account, finalData: encodeUtf8(finished.value.serverFinalMessage) };
  };

  return {
    start: async (initial) => (initial === undefined ? challenge(new Uint8Array(0)) : clientFirst(initial)),
    respond: async (bytes) => (exchange === undefined ? clientFirst(bytes) : clientFinal(exchange, bytes)),
  };
}
