// What a SASL mechanism is to the session: a small state machine over decoded bytes, plus the
// outcome types the protocols see. Input it does not trust: none here (types and one pure
// identity comparison of client-supplied names).
//
// Standards: RFC 4422 §3 (exchanges: challenges, responses, outcome with optional additional
// data), §3.4.1 (authorization identity: we do not support proxy authorization, so an
// authzid must be empty or name the authentication identity itself).

import { formatAddress, parseAddress } from '../../mail/address.ts';
import type { Account } from '../../storage/api.ts';

export type SaslFailureReason = 'malformed' | 'cancelled' | 'invalid-credentials' | 'locked-out' | 'temporary';

/**
 * What a protocol sends next. `data` and `finalData` are base64 text. RFC 4422 §3.6: a
 * protocol that cannot carry data with its success reply (SMTP, POP3) sends finalData as one
 * more challenge and expects an empty response before the success reply.
 */
export type SaslOutcome =
  | { readonly kind: 'challenge'; readonly data: string }
  | { readonly kind: 'success'; readonly account: Account; readonly finalData?: string }
  | { readonly kind: 'failure'; readonly reason: SaslFailureReason };

/** A mechanism step in bytes; the session turns it into a SaslOutcome. */
export type MechanismStep =
  | { readonly kind: 'challenge'; readonly data: Uint8Array }
  | { readonly kind: 'success'; readonly account: Account; readonly finalData?: Uint8Array }
  | { readonly kind: 'failure'; readonly reason: SaslFailureReason };

export interface Mechanism {
  /** The first step; `initial` is undefined when the client sent no initial response. */
  start(initial: Uint8Array | undefined): Promise<MechanismStep>;
  /** Each later client response (never called after success or failure). */
  respond(data: Uint8Array): Promise<MechanismStep>;
}

export function failure(reason: SaslFailureReason): MechanismStep {
  return { kind: 'failure', reason };
}

export function challenge(data: Uint8Array): MechanismStep {
  return { kind: 'challenge', data };
}

/**
 * RFC 4422 §3.4.1: an authzid is acceptable when empty/absent or the same identity as the
 * authcid (equal as given, or equal once both are canonical addresses).
 */
export function authzidAllowed(authzid: string | undefined, authcid: string): boolean {
  if (authzid === undefined || authzid === '' || authzid === authcid) return true;
  const a = parseAddress(authzid);
  const b = parseAddress(authcid);
  return a.ok && b.ok && formatAddress(a.value) === formatAddress(b.value);
}
