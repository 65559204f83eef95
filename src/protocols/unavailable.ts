// Until a protocol's own server lands, its listener answers with the protocol's standard
// "no service here" reply and closes, so clients fail fast with a clear message:
// SMTP 554 greeting (RFC 5321 §3.1), IMAP BYE greeting (RFC 9051 §7.1.5),
// POP3 -ERR greeting (RFC 1939 §4, RFC 3206 [SYS/PERM]).

import type { Socket } from 'node:net';

export type ProtocolFamily = 'smtp' | 'imap' | 'pop3';

export function unavailableGreeting(family: ProtocolFamily, hostname: string): string {
  switch (family) {
    case 'smtp':
      return `554 5.3.2 ${hostname} Postwarden: SMTP service is not yet available on this server\r\n`;
    case 'imap':
      return `* BYE [UNAVAILABLE] Postwarden: IMAP service is not yet available on this server\r\n`;
    case 'pop3':
      return `-ERR [SYS/PERM] Postwarden: POP3 service is not yet available on this server\r\n`;
  }
}

/** Sends the greeting and closes the connection. */
export function answerUnavailable(socket: Socket, family: ProtocolFamily, hostname: string): void {
  socket.on('error', () => socket.destroy());
  socket.end(unavailableGreeting(family, hostname));
}
