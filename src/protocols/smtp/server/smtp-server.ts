// The SMTP service behind the MX, submission and submissions listeners: it admits each
// connection (per-network connection limit, RFC 5321 §4.5.3.2 leaves such policy to the
// server), runs it, and on shutdown tells idle sessions 421 at once and busy ones after their
// current step, so no accepted transaction is cut short.

import type { Socket } from 'node:net';
import type { Authenticator } from '../../../auth/authenticator.ts';
import type { Config } from '../../../config/schema.ts';
import { systemClock, type Clock } from '../../../core/clock.ts';
import type { Logger } from '../../../core/log.ts';
import type { Storage } from '../../../storage/api.ts';
import type { OutboundSigner } from '../../../ingest/accept.ts';
import type { TlsProvider } from '../../../tls/certificates.ts';
import { ConnectionLimit } from '../../connection-limit.ts';
import { formatReply } from '../wire/reply.ts';
import { SmtpConnection } from './connection.ts';
import { reply } from './replies.ts';
import type { ListenerRole, SmtpContext } from './state.ts';

export interface SmtpServiceParts {
  readonly config: Config;
  readonly storage: Storage;
  readonly authenticator: Authenticator;
  readonly tls: TlsProvider;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly verpSecret: Uint8Array;
  /** Called when mail was queued for remote recipients. */
  readonly onQueued?: () => void;
  /** Signs mail for remote recipients as it is queued (none: it is prepared at delivery). */
  readonly signer?: OutboundSigner;
}

export class SmtpService {
  private readonly parts: SmtpServiceParts;
  private readonly ctx: SmtpContext;
  private readonly limit: ConnectionLimit;
  private readonly connections = new Set<SmtpConnection>();

  constructor(parts: SmtpServiceParts) {
    this.parts = parts;
    const smtp = parts.config.smtp;
    this.ctx = {
      hostname: parts.config.hostname,
      storage: parts.storage,
      authenticator: parts.authenticator,
      logger: parts.logger.child({ component: 'smtp' }),
      clock: parts.clock ?? systemClock,
      limits: { maxMessageSize: smtp.max_message_size, maxRecipients: smtp.max_recipients, maxErrors: smtp.max_errors },
      verpSecret: parts.verpSecret,
      queued: parts.onQueued ?? (() => undefined),
      ...(parts.signer ? { signer: parts.signer } : {}),
    };
    this.limit = new ConnectionLimit(smtp.max_connections_per_ip);
  }

  handle(socket: Socket, role: ListenerRole, implicitTls: boolean): void {
    const remote = socket.remoteAddress ?? '';
    socket.on('error', () => socket.destroy());
    if (this.limit.enter(remote) !== 'ok') {
      socket.end(formatReply(reply(421, '4.7.0', 'Too many connections from your network; try again later')));
      return;
    }
    const smtp = this.parts.config.smtp;
    const connection = new SmtpConnection(socket, this.ctx, this.parts.tls, {
      role,
      implicitTls,
      greetingDelayMs: smtp.greeting_delay_ms,
      commandTimeoutMs: smtp.command_timeout_seconds * 1000,
      dataTimeoutMs: smtp.data_timeout_seconds * 1000,
      sessionTimeoutMs: smtp.session_timeout_seconds * 1000,
      bareLineEndings: smtp.bare_line_endings,
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
