// The PLAIN mechanism: one message carrying authzid, authcid and password. Input it does not
// trust: the client's message (any bytes); the parser never throws.
//
// Standards: RFC 4616 §2 (message = [authzid] UTF8NUL authcid UTF8NUL passwd; each part UTF-8
// without NUL; authcid and passwd non-empty; the server must accept up to 255 octets in
// each, and we accept no more), §3 (an empty challenge when there is no initial response),
// RFC 4422 §3.4.1 (authzid: proxy authorization is not supported).

import { err, ok, type Result } from '../../core/result.ts';
import type { SaslAuthenticator } from '../authenticator.ts';
import { authzidAllowed, challenge, failure, type Mechanism, type MechanismStep } from './mechanism.ts';
import { decodeUtf8 } from './wire.ts';

/** RFC 4616 §2: "up to 255 octets" for authzid, authcid and passwd. */
export const MAX_PLAIN_FIELD_OCTETS = 255;

export interface PlainMessage {
  /** undefined when the authzid part is empty. */
  readonly authzid: string | undefined;
  readonly authcid: string;
  readonly password: string;
}

/** RFC 4616 §2: parses the decoded PLAIN message. */
export function parsePlainMessage(bytes: Uint8Array): Result<PlainMessage, 'malformed'> {
  const first = bytes.indexOf(0);
  const second = first < 0 ? -1 : bytes.indexOf(0, first + 1);
  // Exactly two NULs.
  if (second < 0 || bytes.indexOf(0, second + 1) >= 0) return err('malformed');
  const parts = [bytes.subarray(0, first), bytes.subarray(first + 1, second), bytes.subarray(second + 1)];
  const [authzidBytes, authcidBytes, passwordBytes] = parts;
  if (authzidBytes === undefined || authcidBytes === undefined || passwordBytes === undefined) return err('malformed');
  if (parts.some((part) => part.length > MAX_PLAIN_FIELD_OCTETS)) return err('malformed');
  if (authcidBytes.length === 0 || passwordBytes.length === 0) return err('malformed');
  const authzid = decodeUtf8(authzidBytes);
  const authcid = decodeUtf8(authcidBytes);
  const password = decodeUtf8(passwordBytes);
  if (authzid === undefined || authcid === undefined || password === undefined) return err('malformed');
  return ok({ authzid: authzid === '' ? undefined : authzid, authcid, password });
}

export function createPlainMechanism(authenticator: SaslAuthenticator, remoteAddress: string): Mechanism {
  const finish = async (bytes: Uint8Array): Promise<MechanismStep> => {
    const message = parsePlainMessage(bytes);
    if (!message.ok) return failure('malformed');
    const { authzid, authcid, password } = message.value;
    if (!authzidAllowed(authzid, authcid)) return failure('invalid-credentials');
    const result = await authenticator.authenticate({ username: authcid, password, remoteAddress });
    return result.ok ? { kind: 'success', account: result.account } : failure(result.reason);
  };
  return {
    // RFC 4616 §3: without an initial response the server sends an empty challenge.
    start: async (initial) => (initial === undefined ? challenge(new Uint8Array(0)) : finish(initial)),
    respond: finish,
  };
}
