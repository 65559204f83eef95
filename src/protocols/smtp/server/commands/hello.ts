// EHLO and HELO (RFC 5321 §4.1.1.1): greet, reset any transaction, and list the service
// extensions this session may use. AUTH is offered only on submission listeners and only
// under TLS (RFC 4954 §4, RFC 8314 §3); STARTTLS only where the listener offers it and TLS is
// not up yet (RFC 3207 §4); REQUIRETLS only under TLS (RFC 8689 §2).

import { saslMechanismsFor } from '../../../../auth/sasl/session.ts';
import type { Reply } from '../replies.ts';
import type { SessionState, SmtpContext } from '../state.ts';

export function ehloKeywords(ctx: SmtpContext, state: SessionState): string[] {
  const keywords = [
    'PIPELINING', // RFC 2920
    `SIZE ${ctx.limits.maxMessageSize}`, // RFC 1870
    'ENHANCEDSTATUSCODES', // RFC 2034
    '8BITMIME', // RFC 6152
    'SMTPUTF8', // RFC 6531
    'CHUNKING', // RFC 3030
    'BINARYMIME', // RFC 3030
    'DSN', // RFC 3461
  ];
  if (state.tls) keywords.push('REQUIRETLS'); // RFC 8689
  if (state.startTlsOffered && !state.tls) keywords.push('STARTTLS'); // RFC 3207
  if (state.role === 'submission' && state.tls && !state.account) {
    const mechanisms = saslMechanismsFor(true);
    if (mechanisms.length > 0) keywords.push(`AUTH ${mechanisms.join(' ')}`); // RFC 4954
  }
  return keywords;
}

export function hello(ctx: SmtpContext, state: SessionState, esmtp: boolean, name: string): Reply {
  state.helo = { esmtp, name };
  state.transaction = undefined;
  const greeting = `${ctx.hostname} Hello ${name}`;
  // No enhanced status code here: EHLO lines are keywords (RFC 2034 §3 applies after them).
  return { code: 250, lines: esmtp ? [greeting, ...ehloKeywords(ctx, state)] : [greeting] };
}
