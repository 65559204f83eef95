// The Received: trace field a receiving SMTP server prepends (RFC 5321 §4.4), with the
// protocol keyword from the registry of RFC 3848 and RFC 6531 §3.7.3 (ESMTP, ESMTPA, ESMTPS,
// ESMTPSA, UTF8SMTP…), the TLS version and cipher as a comment (as Postfix does), the queue id,
// a "for" clause only for a single recipient (privacy), and an RFC 5322 §3.3 date-time. The
// HELO name comes from the client and is written only after the wire parser validated it.

export interface ReceivedInfo {
  /** The EHLO/HELO argument (a domain or an address literal). */
  readonly helo: string;
  readonly remoteAddress: string;
  readonly hostname: string;
  readonly queueId: string;
  readonly esmtp: boolean;
  readonly authenticated: boolean;
  readonly tls: { readonly protocol: string; readonly cipher: string } | undefined;
  readonly smtputf8: boolean;
  /** The recipient, when there is exactly one. */
  readonly recipient: string | undefined;
  readonly date: Date;
}

/** RFC 3848 §1 and RFC 6531 §3.7.3 "with" protocol keywords. */
export function protocolKeyword(info: Pick<ReceivedInfo, 'esmtp' | 'authenticated' | 'tls' | 'smtputf8'>): string {
  if (!info.esmtp) return 'SMTP';
  const base = info.smtputf8 ? 'UTF8SMTP' : 'ESMTP';
  return `${base}${info.tls ? 'S' : ''}${info.authenticated ? 'A' : ''}`;
}

/** RFC 5321 §4.1.3 address literal for the client's IP. */
export function addressLiteral(ip: string): string {
  const plain = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  return plain.includes(':') ? `[IPv6:${plain}]` : `[${plain}]`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC, e.g. "Sat, 28 Nov 2026 05:08:09 +0000". */
export function rfc5322Date(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

export function receivedField(info: ReceivedInfo): string {
  const lines = [`Received: from ${info.helo} (${addressLiteral(info.remoteAddress)})`];
  let by = `\tby ${info.hostname} (Postwarden) with ${protocolKeyword(info)} id ${info.queueId}`;
  if (info.tls) by += `\r\n\t(using ${info.tls.protocol} with cipher ${info.tls.cipher})`;
  lines.push(by);
  if (info.recipient !== undefined) lines.push(`\tfor <${info.recipient}>`);
  const last = lines.length - 1;
  lines[last] = `${lines[last]};`;
  lines.push(`\t${rfc5322Date(info.date)}`);
  return `${lines.join('\r\n')}\r\n`;
}
