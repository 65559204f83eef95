// One network listener: binds "host:port" (plain TCP, or implicit TLS per RFC 8314), tracks
// its connections, and closes gracefully: it stops accepting at once, lets open sessions end
// within a bound, then closes what is left. A port in use or not permitted is a UserError with
// the listener's name, so the operator knows which key to change.

import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../core/log.ts';
import { UserError } from '../core/user-error.ts';
import type { TlsProvider } from '../tls/certificates.ts';

/** A TLS handshake must finish within this time (slowloris on implicit-TLS ports). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 30_000;

export interface ListenerSpec {
  /** Config key, e.g. "smtp" or "imaps". */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Implicit TLS: the handshake happens before the protocol speaks. */
  readonly implicitTls: boolean;
  readonly onConnection: (socket: Socket | TLSSocket) => void;
}

export interface BoundListener {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly implicitTls: boolean;
  readonly connections: () => number;
  /** Stops accepting; waits up to `graceMs` for sessions to end, then destroys the rest. */
  close(graceMs: number): Promise<void>;
}

function describeBindError(spec: ListenerSpec, error: NodeJS.ErrnoException): string {
  const where = `listen.${spec.name} (${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port})`;
  switch (error.code) {
    case 'EADDRINUSE':
      return `${where}: the port is in use by another program; stop it or change listen.${spec.name}`;
    case 'EACCES':
      return `${where}: not permitted to bind this port (ports below 1024 need privileges)`;
    case 'EADDRNOTAVAIL':
      return `${where}: this machine has no such address`;
    default:
      return `${where}: ${error.code ?? error.message}`;
  }
}

export async function startListener(spec: ListenerSpec, tls: TlsProvider, logger: Logger): Promise<BoundListener> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  let server: Server;
  if (spec.implicitTls) {
    const { cert, key, minVersion } = tls.current;
    const tlsServer = new TlsServer({ cert, key, minVersion, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS });
    tls.onReload((material) => tlsServer.setSecureContext({ cert: material.cert, key: material.key, minVersion: material.minVersion }));
    tlsServer.on('connection', track);
    tlsServer.on('secureConnection', (socket: TLSSocket) => spec.onConnection(socket));
    tlsServer.on('tlsClientError', (error, socket) => {
      logger.debug({ listener: spec.name, remote: socket.remoteAddress, err: error.message }, 'TLS handshake failed');
      socket.destroy();
    });
    server = tlsServer;
  } else {
    server = createTcpServer((socket) => {
      track(socket);
      spec.onConnection(socket);
    });
  }
  server.on('error', (error) => logger.error({ listener: spec.name, err: error }, 'listener error'));
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new UserError(describeBindError(spec, error)));
    server.once('error', onError);
    server.listen({ host: spec.host, port: spec.port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    name: spec.name,
    host: address.address,
    port: address.port,
    implicitTls: spec.implicitTls,
    connections: () => sockets.size,
    async close(graceMs: number): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + graceMs;
      while (sockets.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
