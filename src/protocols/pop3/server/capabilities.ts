// What CAPA lists. The list depends on the connection (TLS, and whether credentials may be
// sent on it) and on the config, not on the session state: RFC 2449 §5 wants capabilities of
// the AUTHORIZATION state announced in both states, and ours do not vary by user.
// Input it does not trust: none.
//
// Standards: RFC 2449 §5 (CAPA), §6.1 TOP, §6.2 USER, §6.3 SASL (updated by RFC 5034 §3),
// §6.4 RESP-CODES, §6.5 LOGIN-DELAY, §6.6 PIPELINING, §6.7 EXPIRE, §6.8 UIDL; RFC 3206 §6
// (AUTH-RESP-CODE); RFC 2595 §4 (STLS, only while TLS is not active); RFC 6856 §2-§3 (UTF8,
// with USER: UTF-8 user names and passwords are accepted).

import { saslMechanismsFor } from '../../../auth/sasl/session.ts';

export interface CapabilityFacts {
  readonly tls: boolean;
  readonly stlsOffered: boolean;
  /** Credentials may be sent on this connection: TLS is up, or plaintext is allowed here. */
  readonly authAllowed: boolean;
  readonly expire: 'never' | '0';
  readonly loginDelaySeconds: number;
}

export function capabilityLines(facts: CapabilityFacts): string[] {
  const lines = ['TOP', 'UIDL'];
  if (facts.authAllowed) lines.push('USER');
  // saslMechanismsFor(true) offers every mechanism: TLS, or a loopback client allowed in plaintext.
  const mechanisms = facts.authAllowed ? saslMechanismsFor(true) : [];
  if (mechanisms.length > 0) lines.push(`SASL ${mechanisms.join(' ')}`);
  lines.push('RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', `EXPIRE ${facts.expire === '0' ? '0' : 'NEVER'}`);
  if (facts.loginDelaySeconds > 0) lines.push(`LOGIN-DELAY ${facts.loginDelaySeconds}`);
  lines.push('UTF8 USER');
  if (facts.stlsOffered && !facts.tls) lines.push('STLS');
  return lines;
}
