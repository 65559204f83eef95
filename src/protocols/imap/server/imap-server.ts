// The IMAP service behind the imap (STARTTLS) and imaps (implicit TLS) listeners: admits each
// connection (per-network connection limit), runs it, and on shutdown says BYE to every session
// (RFC 9051 §7.1.5), letting a command in progress finish first.

import type { Socket } from 'node:net';
import type { Authenticator } from '../../../auth/authenticator.ts';
import type { Config } from '../../../config/schema.ts';
import { systemClock, type Clock } from '../../../core/clock.ts';
import type { Logger } from '../../../core/log.ts';
import type { Storage } from '../../../storage/api.ts';
import type { TlsProvider } from '../../../tls/certificates.ts';
import { ConnectionLimit } from '../../connection-limit.ts';
import { statusResponse } from '../wire/encoder.ts';
import { ImapConnection } from './connection.ts';
import type { ImapContext } from './context.ts';
import { MessageCaches } from './message-caches.ts';

export interface ImapServiceParts {
  readonly config: Config;
  readonly storage: Storage;
  readonly authenticator: Authenticator;
  readonly tls: TlsProvider;
  readonly logger: Logger;
  readonly version: string;
  readonly clock?: Clock;
}

export class ImapService {
  private readonly parts: ImapServiceParts;
  private readonly ctx: ImapContext;
  private readonly limit: ConnectionLimit;
  private readonly connections = new Set<ImapConnection>();

  constructor(parts: ImapServiceParts) {
    this.parts = parts;
    this.ctx = {
      hostname: parts.config.hostname,
      version: parts.version,
      storage: parts.storage,
      authenticator: parts.authenticator,
      logger: parts.logger.child({ component: 'imap' }),
      clock: parts.clock ?? systemClock,
      appendLimit: parts.config.imap.append_limit,
      caches: new MessageCaches(),
    };
    this.limit = new ConnectionLimit(parts.config.imap.max_connections_per_ip, parts.config.imap.max_connections);
  }

  handle(socket: Socket, implicitTls: boolean): void {
    const remote = socket.remoteAddress ?? '';
    socket.on('error', () => socket.destroy());
    const entered = this.limit.enter(remote);
    if (entered !== 'ok') {
      const who = entered === 'network' ? 'from your network' : 'to this server';
      socket.end(statusResponse('*', 'BYE', `Too many connections ${who}; try again later`, 'UNAVAILABLE'));
      return;
    }
    const imap = this.parts.config.imap;
    const connection = new ImapConnection(socket, this.ctx, this.parts.tls, {
      implicitTls,
      plaintextLocalhost: imap.plaintext_localhost,
      autologoutMs: imap.autologout_seconds * 1000,
      preauthTimeoutMs: imap.preauth_timeout_seconds * 1000,
    });
    this.connections.add(connection);
    socket.once('close', () => {
      this.connections.delete(connection);
      this.limit.leave(remote);
    });
    connection.start();
  }

  shutdown(): void {
    for (const connection of this.connections) connection.shutdown();
  }
}
