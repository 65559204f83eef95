// The LOGIN mechanism: the server asks "Username:" then "Password:", each answered in one
// response. Obsolete but still what many clients (Outlook, old phones) use. Input it does not
// trust: both responses (any bytes); nothing here throws.
//
// Standards: draft-murchison-sasl-login-00 §2 (challenges "Username:" and "Password:", an
// initial response is the user name), RFC 4954 §4 (initial response), RFC 4616 §2 (we apply
// PLAIN's limits: UTF-8, non-empty, at most 255 octets each).

import type { SaslAuthenticator } from '../authenticator.ts';
import { challenge, failure, type Mechanism, type MechanismStep } from './mechanism.ts';
import { MAX_PLAIN_FIELD_OCTETS } from './plain.ts';
import { decodeUtf8, encodeUtf8 } from './wire.ts';

export const LOGIN_USERNAME_CHALLENGE = 'Username:';
export const LOGIN_PASSWORD_CHALLENGE = 'Password:';

/** A LOGIN response: non-empty UTF-8 without NUL, at most 255 octets. */
export function parseLoginField(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0 || bytes.length > MAX_PLAIN_FIELD_OCTETS || bytes.includes(0)) return undefined;
  return decodeUtf8(bytes);
}

export function createLoginMechanism(authenticator: SaslAuthenticator, remoteAddress: string): Mechanism {
  let username: string | undefined;

  const takeUsername = (bytes: Uint8Array): MechanismStep => {
    username = parseLoginField(bytes);
    return username === undefined ? failure('malformed') : challenge(encodeUtf8(LOGIN_PASSWORD_CHALLENGE));
  };

  return {
    start: async (initial) => (initial === undefined ? challenge(encodeUtf8(LOGIN_USERNAME_CHALLENGE)) : takeUsername(initial)),
    respond: async (bytes) => {
      if (username === undefined) return takeUsername(bytes);
      const password = parseLoginField(bytes);
      if (password === undefined) return failure('malformed');
      const result = await authenticator.authenticate({ username, password, remoteAddress });
      return result.ok ? { kind: 'success', account: result.account } : failure(result.reason);
    },
  };
}
