// Assembles a running server from its parts: one listener per configured address, each handed
// to its protocol, plus the admin HTTP listener. Binding is all-or-nothing: if one listener
// cannot bind, the ones already bound are closed and the error (a one-line UserError naming
// the config key) goes to the operator.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Logger } from '../core/log.ts';
import { LISTENER_NAMES, parseHostPort, type Config, type ListenerName } from '../config/schema.ts';
import { Pop3Service } from '../protocols/pop3/server/pop3-server.ts';
import { ImapService } from '../protocols/imap/server/imap-server.ts';
import { SmtpService } from '../protocols/smtp/server/smtp-server.ts';
import type { Storage } from '../storage/api.ts';
import { createDeliveryEngine } from '../delivery/engine.ts';
import { systemClock } from '../core/clock.ts';
import type { TlsProvider } from '../tls/certificates.ts';
import { startAdminHttp, type AdminHttp, type ListenerInfo } from '../admin/api/server.ts';
import { startListener, type BoundListener } from './listener.ts';

export interface ServerParts {
  readonly config: Config;
  readonly storage: Storage;
  readonly tls: TlsProvider;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  readonly version: string;
  /** Authenticates VERP return paths (derived from the master key). */
  readonly verpSecret: Uint8Array;
}

export type { ListenerInfo };

export interface RunningServer {
  readonly listeners: readonly ListenerInfo[];
  /** The admin URL, or undefined when listen.http is disabled. */
  readonly adminUrl: string | undefined;
  stop(graceMs: number): Promise<void>;
}

interface ProtocolListener {
  readonly family: 'smtp' | 'imap' | 'pop3';
  readonly implicitTls: boolean;
  readonly security: string;
}

const PROTOCOLS: Readonly<Record<Exclude<ListenerName, 'http'>, ProtocolListener>> = {
  smtp: { family: 'smtp', implicitTls: false, security: 'STARTTLS' },
  submission: { family: 'smtp', implicitTls: false, security: 'STARTTLS' },
  submissions: { family: 'smtp', implicitTls: true, security: 'implicit TLS' },
  imap: { family: 'imap', implicitTls: false, security: 'STARTTLS' },
  imaps: { family: 'imap', implicitTls: true, security: 'implicit TLS' },
  pop3: { family: 'pop3', implicitTls: false, security: 'STLS' },
  pop3s: { family: 'pop3', implicitTls: true, security: 'implicit TLS' },
};

interface Services {
  readonly smtp: SmtpService;
  readonly imap: ImapService;
  readonly pop3: Pop3Service;
}

function connectionHandler(name: Exclude<ListenerName, 'http'>, protocol: ProtocolListener, parts: ServerParts, services: Services): (socket: Socket | TLSSocket) => void {
  return (socket) => {
    parts.logger.debug({ listener: name, remote: socket.remoteAddress }, 'connection');
    if (protocol.family === 'smtp') {
      services.smtp.handle(socket, name === 'smtp' ? 'mx' : 'submission', protocol.implicitTls);
      return;
    }
    if (protocol.family === 'imap') {
      services.imap.handle(socket, protocol.implicitTls);
      return;
    }
    services.pop3.handle(socket, protocol.implicitTls);
  };
}

export async function startServer(parts: ServerParts): Promise<RunningServer> {
  const delivery = createDeliveryEngine({ config: parts.config, storage: parts.storage, verpSecret: parts.verpSecret, logger: parts.logger, clock: systemClock });
  if (!parts.storage.capabilities.sharedAcrossProcesses) {
    // One process owns this store: claims left by a previous run are stale.
    await parts.storage.releaseClaims();
  }
  const services: Services = {
    smtp: new SmtpService({ ...parts, signer: delivery.signer, onQueued: () => delivery.scheduler.wake() }),
    imap: new ImapService(parts),
    pop3: new Pop3Service(parts),
  };
  const bound: BoundListener[] = [];
  const listeners: ListenerInfo[] = [];
  let admin: AdminHttp | undefined;
  try {
    for (const name of LISTENER_NAMES) {
      const address = parseHostPort(parts.config.listen[name]);
      if (!address) continue;
      if (name === 'http') {
        const facts = { hostname: parts.config.hostname, version: parts.version, storageDriver: parts.config.storage.driver, logger: parts.logger };
        admin = await startAdminHttp({ ...address, facts, listeners: () => listeners });
        listeners.push({ name, host: admin.host, port: admin.port, security: 'http' });
        continue;
      }
      const protocol = PROTOCOLS[name];
      const listener = await startListener(
        { name, host: address.host, port: address.port, implicitTls: protocol.implicitTls, onConnection: connectionHandler(name, protocol, parts, services) },
        parts.tls,
        parts.logger,
      );
      bound.push(listener);
      listeners.push({ name, host: listener.host, port: listener.port, security: protocol.security });
    }
  } catch (error) {
    await Promise.all(bound.map((listener) => listener.close(0)));
    await admin?.close();
    throw error;
  }
  const adminUrl = admin?.url;
  delivery.scheduler.start();
  return {
    listeners,
    adminUrl,
    async stop(graceMs: number) {
      services.smtp.shutdown();
      services.imap.shutdown();
      services.pop3.shutdown();
      await Promise.all([...bound.map((listener) => listener.close(graceMs)), admin?.close(), delivery.scheduler.stop(graceMs)]);
    },
  };
}
