// A running Postwarden for protocol tests: a temporary directory with domains and users made
// through the real CLI, `serve` on ephemeral ports, and a second handle on its store so tests
// can look into mailboxes and the queue as the server left them.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '../../src/storage/api.ts';
import { loadOrCreateMasterKey } from '../../src/storage/crypto/master-key.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/open.ts';
import { runCli } from './cli.ts';
import { startServe, type RunningServe } from './serve.ts';

export interface TestUser {
  readonly address: string;
  readonly password: string;
  readonly quota?: string;
}

export interface MailServer {
  readonly cwd: string;
  readonly serve: RunningServe;
  readonly store: Storage;
  port(name: string): number;
  /** The raw messages in an account's mailbox, in UID order. */
  messages(address: string, mailbox?: string): Promise<Buffer[]>;
  close(): Promise<void>;
}

export const PASSWORD = 'correct horse battery staple';
/** A loopback port nothing listens on (TCP port 9, discard, is not served here). */
const CLOSED_PORT = 9;

export interface MailServerOptions {
  /** A postwarden.toml written before anything runs (tables the environment cannot express: pools). */
  readonly config?: string;
}

export async function startMailServer(domains: readonly string[], users: readonly TestUser[], env: NodeJS.ProcessEnv = {}, options: MailServerOptions = {}): Promise<MailServer> {
  const cwd = await mkdtemp(join(tmpdir(), 'postwarden-mail-'));
  if (options.config !== undefined) await writeFile(join(cwd, 'postwarden.toml'), options.config);
  for (const domain of domains) {
    const added = await runCli(['domain', 'add', domain], { cwd, env });
    if (added.status !== 0) throw new Error(added.stderr);
  }
  for (const user of users) {
    const args = ['user', 'add', user.address, '--password-stdin', ...(user.quota ? ['--quota', user.quota] : [])];
    const added = await runCli(args, { cwd, env, input: user.password });
    if (added.status !== 0) throw new Error(added.stderr);
  }
  // Mail for remote domains waits in the queue: the relay is a closed loopback port, so every
  // attempt is deferred (never bounced) unless a test brings its own DNS, sinks and delivery settings.
  const serve = await startServe(cwd, { POSTWARDEN_SMTP_GREETING_DELAY_MS: '0', POSTWARDEN_DELIVERY_RELAY: `127.0.0.1:${CLOSED_PORT}`, ...env });
  const dataDir = join(cwd, 'data');
  const store = await openSqliteStorage({ dataDir, master: loadOrCreateMasterKey(dataDir) });
  return {
    cwd,
    serve,
    store,
    port(name) {
      const port = serve.ports.get(name);
      if (port === undefined) throw new Error(`no ${name} listener`);
      return port;
    },
    async messages(address, mailbox = 'INBOX') {
      const account = await store.getAccount(address);
      if (!account) throw new Error(`no account ${address}`);
      const box = await store.getMailbox(account.id, mailbox);
      if (!box) throw new Error(`no mailbox ${mailbox}`);
      const listed = await store.listMessages(account.id, box.id);
      if (!listed.ok) throw new Error(listed.error.message);
      const raws: Buffer[] = [];
      for (const record of listed.value) {
        const raw = await store.readMessage(account.id, record.blobId);
        if (!raw.ok) throw new Error(raw.error.message);
        raws.push(Buffer.from(raw.value));
      }
      return raws;
    },
    async close() {
      await serve.stop();
      await store.close();
      await rm(cwd, { recursive: true, force: true });
    },
  };
}
