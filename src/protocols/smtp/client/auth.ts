// Client SMTP AUTH for smarthost relays: PLAIN (with an initial response) or LOGIN, once TLS
// is up with a valid certificate (the session checks that before calling). Input it does not
// trust: the server's replies; credentials never appear in errors.
//
// Standards: RFC 4954 §4 (AUTH mechanism [initial-response]; 334 challenges; 235 success;
// "*" cancels), RFC 4616 §2 (PLAIN: authzid NUL authcid NUL passwd, empty authzid), the
// LOGIN mechanism (draft-murchison-sasl-login: the user name then the password, each base64
// in answer to a 334), RFC 4648 §4 (base64).

import { err, ok, type Result } from '../../../core/result.ts';
import { encodeBase64 } from '../../../auth/base64.ts';
import { encodeUtf8 } from '../wire/text.ts';
import type { Reply } from '../wire/reply.ts';
import type { ChannelError, SmtpChannel } from './channel.ts';

export interface AuthFailure {
  /** The channel failed (timeout, closed, malformed reply) rather than the server refusing. */
  readonly channel?: ChannelError;
  readonly reply?: Reply;
  readonly detail: string;
}

/** The mechanisms we use, most preferred first. */
export const CLIENT_MECHANISMS = ['PLAIN', 'LOGIN'] as const;

function b64(text: string): string {
  return encodeBase64(encodeUtf8(text));
}

/** Runs AUTH with the first mechanism the server offers that we know. */
export async function authenticate(
  channel: SmtpChannel,
  offered: readonly string[],
  credentials: { readonly user: string; readonly password: string },
  timeoutMs: number,
): Promise<Result<void, AuthFailure>> {
  const mechanism = CLIENT_MECHANISMS.find((candidate) => offered.includes(candidate));
  if (mechanism === undefined) return err({ detail: `the server offers no mechanism we use (offered: ${offered.join(' ') || 'none'})` });
  const { user, password } = credentials;
  // Base64 carries any octets of the credentials: no line break can reach the command line.
  const steps = mechanism === 'PLAIN' ? [`AUTH PLAIN ${b64(`\0${user}\0${password}`)}`] : ['AUTH LOGIN', b64(user), b64(password)];
  for (const [i, line] of steps.entries()) {
    const written = await channel.write(`${line}\r\n`, timeoutMs, 'AUTH');
    if (!written.ok) return err({ channel: written.error, detail: written.error.detail });
    const reply = await channel.read(timeoutMs, 'AUTH');
    if (!reply.ok) return err({ channel: reply.error, detail: reply.error.detail });
    const last = i === steps.length - 1;
    if (reply.value.code === 235) return ok(undefined);
    if (reply.value.code === 334 && !last) continue;
    if (reply.value.code === 334) {
      // A challenge we have no answer for: cancel the exchange (RFC 4954 §4).
      const cancelled = await channel.write('*\r\n', timeoutMs, 'AUTH');
      if (cancelled.ok) await channel.read(timeoutMs, 'AUTH');
      return err({ reply: reply.value, detail: `AUTH ${mechanism}: an unexpected challenge` });
    }
    return err({ reply: reply.value, detail: `AUTH ${mechanism} refused` });
  }
  return err({ detail: `AUTH ${mechanism}: no result` });
}
