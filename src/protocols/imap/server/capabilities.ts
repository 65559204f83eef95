// The CAPABILITY list (RFC 9051 §7.2.2), which depends on the connection: STARTTLS and
// LOGINDISABLED before TLS (RFC 9051 §6.2.1, §6.2.3), AUTH= mechanisms only where login is
// allowed, COMPRESS until compression is active. Each extension is listed with its RFC.

import { saslMechanismsFor } from '../../../auth/sasl/session.ts';

export interface CapabilityContext {
  readonly tls: boolean;
  /** Login is allowed on this connection (TLS, or plaintext permitted for a loopback client). */
  readonly loginAllowed: boolean;
  readonly authenticated: boolean;
  readonly compressed: boolean;
  readonly appendLimit: number;
  /** The listener offers STARTTLS (not an implicit-TLS port). */
  readonly startTlsOffered: boolean;
}

/** Extensions offered once authenticated (also listed before, as most servers do). */
const EXTENSIONS = [
  'IMAP4rev1', // RFC 3501
  'IMAP4rev2', // RFC 9051
  'LITERAL+', // RFC 7888
  'SASL-IR', // RFC 4959
  'ID', // RFC 2971
  'ENABLE', // RFC 5161
  'IDLE', // RFC 2177
  'NAMESPACE', // RFC 2342
  'UNSELECT', // RFC 3691
  'UIDPLUS', // RFC 4315
  'MOVE', // RFC 6851
  'SPECIAL-USE', // RFC 6154
  'CREATE-SPECIAL-USE', // RFC 6154
  'CONDSTORE', // RFC 7162
  'QRESYNC', // RFC 7162
  'CHILDREN', // RFC 3348
  'LIST-EXTENDED', // RFC 5258
  'LIST-STATUS', // RFC 5819
  'ESEARCH', // RFC 4731
  'SEARCHRES', // RFC 5182
  'WITHIN', // RFC 5032
  'SORT', // RFC 5256
  'SORT=DISPLAY', // RFC 5957
  'ESORT', // RFC 5267
  'THREAD=ORDEREDSUBJECT', // RFC 5256
  'THREAD=REFERENCES', // RFC 5256
  'QUOTA', // RFC 9208
  'QUOTA=RES-STORAGE', // RFC 9208 §5.1
  'QUOTA=RES-MESSAGE', // RFC 9208 §5.2
  'STATUS=SIZE', // RFC 8438
  'SAVEDATE', // RFC 8514
  'OBJECTID', // RFC 8474
  'BINARY', // RFC 3516
  'MULTIAPPEND', // RFC 3502
  'UTF8=ACCEPT', // RFC 6855
];

export function capabilities(ctx: CapabilityContext): string[] {
  const list = [...EXTENSIONS, `APPENDLIMIT=${ctx.appendLimit}`]; // RFC 7889
  if (ctx.startTlsOffered && !ctx.tls) list.push('STARTTLS'); // RFC 9051 §6.2.1
  if (!ctx.authenticated) {
    if (ctx.loginAllowed) for (const mechanism of saslMechanismsFor(true)) list.push(`AUTH=${mechanism}`);
    else list.push('LOGINDISABLED'); // RFC 9051 §6.2.3
  }
  if (!ctx.compressed) list.push('COMPRESS=DEFLATE'); // RFC 4978
  return list;
}

/** Capabilities ENABLE accepts (RFC 5161 §3.1), upper case. */
export const ENABLEABLE: ReadonlySet<string> = new Set(['CONDSTORE', 'QRESYNC', 'IMAP4REV2', 'UTF8=ACCEPT']);
