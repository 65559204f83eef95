// The admin HTTP listener (fastify): a status page and a JSON API. It binds 127.0.0.1 by
// default (listen.http); the API grows with the admin issues. Requests are untrusted: fastify
// validates routes and answers unknown paths with 404, bad requests with 400.

import Fastify, { LogController } from 'fastify';
import { UserError } from '../../core/user-error.ts';
import type { Logger } from '../../core/log.ts';

/** A listener as the status page and API show it. */
export interface ListenerInfo {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** "implicit TLS", "STARTTLS", "STLS", "plain" or "http". */
  readonly security: string;
}

export interface ServerFacts {
  readonly hostname: string;
  readonly version: string;
  readonly storageDriver: string;
  readonly logger: Logger;
}

export interface AdminHttp {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export interface AdminHttpOptions {
  readonly host: string;
  readonly port: number;
  readonly facts: ServerFacts;
  readonly listeners: () => readonly ListenerInfo[];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function statusPage(facts: ServerFacts, listeners: readonly ListenerInfo[]): string {
  const rows = listeners
    .map((l) => `<tr><td>${escapeHtml(l.name)}</td><td>${escapeHtml(l.host)}:${l.port}</td><td>${escapeHtml(l.security)}</td></tr>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Postwarden on ${escapeHtml(facts.hostname)}</title></head>
<body><h1>Postwarden</h1><p>Version ${escapeHtml(facts.version)} on ${escapeHtml(facts.hostname)}.</p>
<table><thead><tr><th>Listener</th><th>Address</th><th>Security</th></tr></thead><tbody>${rows}</tbody></table></body></html>`;
}

function buildApp(options: AdminHttpOptions) {
  const { facts } = options;
  const app = Fastify({
    loggerInstance: facts.logger.child({ component: 'admin-http' }),
    logController: new LogController({ disableRequestLogging: true }),
  });
  const startedAt = Date.now();
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(statusPage(facts, options.listeners())));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/api/v1/status', async () => ({
    version: facts.version,
    hostname: facts.hostname,
    storage: facts.storageDriver,
    uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
    listeners: options.listeners(),
  }));
  return app;
}

export async function startAdminHttp(options: AdminHttpOptions): Promise<AdminHttp> {
  const app = buildApp(options);
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `listen.http (${options.host}:${options.port})`;
    await app.close();
    if (code === 'EADDRINUSE') throw new UserError(`${where}: the port is in use by another program; stop it or change listen.http`);
    if (code === 'EACCES') throw new UserError(`${where}: not permitted to bind this port`);
    throw new UserError(`${where}: ${code ?? (error as Error).message}`);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = typeof address === 'object' && address ? address.address : options.host;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    port,
    url: `http://${shownHost}:${port}/`,
    close: () => app.close(),
  };
}
