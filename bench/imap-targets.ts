// bench/imap-targets: the two servers bench/imap measures, behind one interface: where to
// connect (plain or implicit TLS), which processes are the server (for CPU and memory), and
// restarts on the same mail (Dovecot with or without hibernation, Postwarden with extra
// NODE_OPTIONS such as --cpu-prof, --inspect or a larger heap). Postwarden: bin/postwarden
// serve on SQLite (bench/postwarden-server.ts); Dovecot: bench/dovecot-server.ts.

import { readFileSync } from 'node:fs';
import { prepareDovecot, type DovecotInstance, type RunningDovecot } from './dovecot-server.ts';
import type { Endpoint } from './imap-client.ts';
import { PASSWORD, preparePostwarden, type PostwardenInstance, type RunningPostwarden } from './postwarden-server.ts';
import { cpuSeconds, treeCpuSeconds } from './proc.ts';

export type ServerName = 'postwarden' | 'dovecot';
export type Transport = 'plain' | 'tls';

export interface RestartOptions {
  /** Dovecot: hand IDLE sessions to imap-hibernate after this many seconds. */
  readonly hibernateSeconds?: number;
  /** Postwarden: NODE_OPTIONS for serve. */
  readonly nodeOptions?: string;
}

/** One server under test, whichever it is. */
export interface Target {
  readonly name: ServerName;
  endpoint(transport: Transport): Endpoint;
  pids(): readonly number[];
  cpu(): number;
  /** A fresh process on the same mail. */
  restart(options?: RestartOptions): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
  /** Warnings and errors its logs held (first few). */
  problems(): string[];
  /** Why the server died, from its log, when it did. */
  fatal(): string | undefined;
  /** Postwarden's log file (the inspector's address is written there). */
  logFile(): string | undefined;
  label(): string;
}

const running = <T>(server: T | undefined, name: string): T => {
  if (server === undefined) throw new Error(`${name} is not running`);
  return server;
};

export async function postwardenTarget(domain: string, users: number): Promise<Target & { readonly users: readonly string[] }> {
  const template = await preparePostwarden({ store: 'sqlite', domain, users, label: 'imap' });
  const instance: PostwardenInstance = await template.instance();
  let server: RunningPostwarden | undefined = await instance.start();
  let nodeOptions = '';
  // serve.log starts anew with each start: keep its warnings and errors before every stop.
  const problems: string[] = [];
  const stop = async () => {
    if (!server) return;
    problems.push(...readFileSync(server.logFile, 'utf8').split('\n').filter((line) => /"level":(40|50|60)|FATAL ERROR/.test(line)));
    await server.stop();
    server = undefined;
  };
  return {
    name: 'postwarden',
    users: template.recipients,
    endpoint: (transport) => ({ host: '127.0.0.1', port: running(server, 'postwarden').ports[transport === 'tls' ? 'imaps' : 'imap'] ?? 0, tls: transport === 'tls' }),
    pids: () => [running(server, 'postwarden').pid],
    cpu: () => cpuSeconds(running(server, 'postwarden').pid),
    async restart(options = {}) {
      await stop();
      nodeOptions = options.nodeOptions ?? '';
      server = await instance.start(nodeOptions === '' ? {} : { NODE_OPTIONS: nodeOptions });
    },
    stop,
    async dispose() {
      await stop();
      await instance.dispose();
      await template.dispose();
    },
    problems: () => problems.slice(0, 5),
    fatal: () => {
      if (!server) return undefined;
      const log = readFileSync(server.logFile, 'utf8');
      return /^FATAL ERROR: .*$/m.exec(log)?.[0] ?? /^.*(out of memory|EMFILE).*$/im.exec(log)?.[0];
    },
    logFile: () => server?.logFile,
    label: () => {
      const heap = /--max-old-space-size=\d+/.exec(nodeOptions)?.[0];
      return `postwarden (sqlite${heap ? `, ${heap}` : ''})`;
    },
  };
}

export async function dovecotTarget(users: readonly string[]): Promise<Target> {
  const instance: DovecotInstance = prepareDovecot({ users, password: PASSWORD });
  let server: RunningDovecot | undefined = await instance.start();
  const stop = async () => {
    await server?.stop();
    server = undefined;
  };
  return {
    name: 'dovecot',
    endpoint: (transport) => {
      const dovecot = running(server, 'dovecot');
      return { host: '127.0.0.1', port: transport === 'tls' ? dovecot.tlsPort : dovecot.port, tls: transport === 'tls' };
    },
    pids: () => running(server, 'dovecot').pids(),
    cpu: () => treeCpuSeconds(running(server, 'dovecot').masterPid),
    async restart(options = {}) {
      await stop();
      server = await instance.start(options.hibernateSeconds === undefined ? {} : { hibernateSeconds: options.hibernateSeconds });
    },
    stop,
    async dispose() {
      await stop();
      instance.dispose();
    },
    problems: () => instance.problems().slice(0, 5),
    fatal: () => instance.problems().find((line) => /\b(Fatal|Panic):/.test(line)),
    logFile: () => undefined,
    label: () => `dovecot ${instance.version.split(' ')[0]}${server?.hibernating ? ' (hibernate)' : ''}`,
  };
}
