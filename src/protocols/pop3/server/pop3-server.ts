// The POP3 service behind the pop3 (STLS) and pop3s (implicit TLS) listeners: it admits each
// connection (per-network connection limit from [pop3] max_connections_per_ip), runs it, and
// on shutdown tells idle sessions [SYS/TEMP] at once and busy ones after their current command;
// no session enters UPDATE because of a shutdown (RFC 1939 §6).
// Input it does not trust: the connections (handed to Pop3Connection).

import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Authenticator } from '../../../auth/authenticator.ts';
import type { Config } from '../../../config/schema.ts';
import type { Logger } from '../../../core/log.ts';
import type { Storage } from '../../../storage/api.ts';
import type { TlsProvider } from '../../../tls/certificates.ts';
import { ConnectionLimit } from '../../connection-limit.ts';
import { formatStatus } from '../wire/response.ts';
import { Pop3Connection, tlsFacts } from './connection.ts';
import { TOO_MANY_CONNECTIONS } from './replies.ts';
import { Pop3Session } from './session.ts';
import { newSessionState, type Pop3Context } from './state.ts';

export interface Pop3ServiceParts {
  readonly config: Config;
  readonly storage: Storage;
  readonly authenticator: Authenticator;
  readonly tls: TlsProvider;
  readonly logger: Logger;
}

export class Pop3Service {
  private readonly parts: Pop3ServiceParts;
  private readonly ctx: Pop3Context;
  private readonly limit: ConnectionLimit;
  private readonly connections = new Set<Pop3Connection>();

  constructor(parts: Pop3ServiceParts) {
    this.parts = parts;
    const pop3 = parts.config.pop3;
    this.ctx = {
      storage: parts.storage,
      authenticator: parts.authenticator,
      logger: parts.logger.child({ component: 'pop3' }),
      settings: { plaintextLocalhost: pop3.plaintext_localhost, expire: pop3.expire, loginDelaySeconds: pop3.login_delay_seconds },
    };
    this.limit = new ConnectionLimit(pop3.max_connections_per_ip);
  }

  handle(socket: Socket, implicitTls: boolean): void {
    const remote = socket.remoteAddress ?? '';
    socket.on('error', () => socket.destroy());
    if (this.limit.enter(remote) !== 'ok') {
      socket.end(formatStatus(TOO_MANY_CONNECTIONS.status));
      return;
    }
    const secure = socket instanceof TLSSocket ? tlsFacts(socket) : undefined;
    const state = newSessionState(randomBytes(12).toString('base64url'), remote, secure, !implicitTls);
    const connection = new Pop3Connection(socket, new Pop3Session(this.ctx, state), this.parts.tls, {
      idleTimeoutMs: this.parts.config.pop3.idle_timeout_seconds * 1000,
      logger: this.ctx.logger,
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
