// bench/postwarden-server: a throwaway Postwarden for the SMTP and IMAP benchmarks, run as a
// user would: bin/postwarden in local mode in a temp directory, `domain add` and `user add` for
// the recipients, then `serve` with every listener on 127.0.0.1:0 (HTTP off), no greeting delay,
// per-IP connection limits above the load and plaintext IMAP LOGIN allowed on loopback (so the
// IMAP bench can leave TLS out of the comparison). Each listener's port comes from the listener
// summary serve prints up to its "Ready:" line. File descriptors: Node raises its soft limit to
// the inherited hard one at start, which bounds how many connections serve can hold. SQLite by
// default; PostgreSQL with a database this module creates and drops. A prepared data directory
// (and database) is a template: each run starts from a copy, so every run begins with empty
// mailboxes and a fresh process.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'postwarden');
const LISTENERS = ['SMTP', 'SUBMISSION', 'SUBMISSIONS', 'IMAP', 'IMAPS', 'POP3', 'POP3S'];
/** Not a timing assertion: how long serve may take to print "Ready:" before the bench gives up. */
const START_LIMIT_MS = 60_000;
/** After SIGTERM, how long serve may take to exit before SIGKILL (the load has quit every session by then). */
const STOP_LIMIT_MS = 15_000;
/** Every bench user's password. */
export const PASSWORD = 'bench-Passw0rd-qz';

export type Store = 'sqlite' | 'postgres';

export interface PostwardenTemplate {
  readonly store: Store;
  readonly domain: string;
  readonly recipients: readonly string[];
  /** A fresh copy of the template: a data directory (and database) no process has used. */
  instance(): Promise<PostwardenInstance>;
  dispose(): Promise<void>;
}

export interface PostwardenInstance {
  readonly dir: string;
  /** Starts serve. extraEnv reaches the process (NODE_OPTIONS=--cpu-prof, for instance). */
  start(extraEnv?: NodeJS.ProcessEnv): Promise<RunningPostwarden>;
  dispose(): Promise<void>;
}

export interface RunningPostwarden {
  readonly pid: number;
  readonly smtpPort: number;
  /** Every listener's port by name (smtp, submission, imap, imaps, pop3 ...). */
  readonly ports: Readonly<Record<string, number>>;
  /** serve's log (JSON lines), written to a file in the instance directory. */
  readonly logFile: string;
  /** SIGTERM, then the exit status; SIGKILL (and a warning) if it has not exited in time. */
  stop(): Promise<number | null>;
}

/** The environment without the outer shell's POSTWARDEN_* variables, plus the given ones. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('POSTWARDEN_')) env[key] = value;
  return { ...env, ...extra };
}

function cli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, input = ''): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd, env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) =>
      status === 0 ? resolve() : reject(new Error(`postwarden ${args.join(' ')} exited with ${status}: ${output.trim()}`)),
    );
    child.stdin.end(input);
  });
}

function serve(cwd: string, env: NodeJS.ProcessEnv): Promise<RunningPostwarden> {
  const logFile = join(cwd, 'serve.log');
  const log = openSync(logFile, 'w');
  const child: ChildProcess = spawn(BIN, ['serve'], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', log] });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stdout: string[] = [];
  const ports: Record<string, number> = Object.create(null) as Record<string, number>;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`postwarden serve was not ready:\n${stdout.join('\n')}\n${readFileSync(logFile, 'utf8')}`));
    }, START_LIMIT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout.push(line);
      const listener = /^ {2}(\w+)\s+\[?([0-9a-f.:]+)\]?:(\d+)\s/.exec(line);
      if (listener?.[1] !== undefined) ports[listener[1]] = Number(listener[3]);
      if (!line.startsWith('Ready:')) return;
      clearTimeout(timer);
      const smtpPort = ports.smtp;
      if (smtpPort === undefined || child.pid === undefined) {
        child.kill('SIGKILL');
        reject(new Error(`no smtp listener in serve's summary:\n${stdout.join('\n')}`));
        return;
      }
      resolve({
        pid: child.pid,
        smtpPort,
        ports,
        logFile,
        stop: async () => {
          child.kill('SIGTERM');
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_LIMIT_MS)));
          const first = await Promise.race([exited, late]);
          clearTimeout(timer);
          if (first !== 'late') return first;
          process.stderr.write(`bench: postwarden serve did not exit ${STOP_LIMIT_MS / 1000} s after SIGTERM; killed (log: ${logFile})\n`);
          child.kill('SIGKILL');
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`postwarden serve exited with ${code} before it was ready:\n${stdout.join('\n')}\n${readFileSync(logFile, 'utf8')}`));
    });
  });
}

function serveEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...base,
    ...Object.fromEntries(LISTENERS.map((name) => [`POSTWARDEN_LISTEN_${name}`, '127.0.0.1:0'])),
    POSTWARDEN_LISTEN_HTTP: '',
    POSTWARDEN_SMTP_GREETING_DELAY_MS: '0',
    POSTWARDEN_SMTP_MAX_CONNECTIONS_PER_IP: '1000',
    POSTWARDEN_IMAP_MAX_CONNECTIONS_PER_IP: '100000',
    POSTWARDEN_IMAP_MAX_CONNECTIONS: '100000',
    POSTWARDEN_IMAP_PLAINTEXT_LOCALHOST: 'true',
  };
}

function databaseUrl(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Prepares a template: domain and users added through the CLI. For postgres, pgUrl names a
 * database whose role may CREATE DATABASE; the template and every copy are dropped on dispose.
 */
export async function preparePostwarden(options: { store: Store; domain: string; users: number; pgUrl?: string; label?: string }): Promise<PostwardenTemplate> {
  const { store, domain } = options;
  const recipients = Array.from({ length: options.users }, (_, i) => `user${i + 1}@${domain}`);
  const label = options.label ?? 'smtp';
  const root = await mkdtemp(join(process.env.POSTWARDEN_BENCH_DIR ?? tmpdir(), `postwarden-bench-${label}-${store}-`));
  const templateDir = join(root, 'template');
  const tag = randomBytes(4).toString('hex');
  const templateDb = `postwarden_bench_${label}_${tag}`;
  const databases: string[] = [];
  const masterKey = randomBytes(32).toString('hex');
  let admin: pg.Client | undefined;
  const envFor = (database: string): NodeJS.ProcessEnv =>
    store === 'postgres'
      ? { POSTWARDEN_STORAGE_DRIVER: 'postgres', POSTWARDEN_STORAGE_URL: databaseUrl(options.pgUrl ?? '', database), POSTWARDEN_STORAGE_MASTER_KEY: masterKey }
      : {};

  const dispose = async () => {
    if (admin) {
      for (const database of databases) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
      admin = undefined;
    }
    await rm(root, { recursive: true, force: true });
  };
  try {
    if (store === 'postgres') {
      if (!options.pgUrl) throw new Error('preparePostwarden: postgres needs pgUrl');
      admin = new pg.Client({ connectionString: options.pgUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${templateDb}`);
      databases.push(templateDb);
    }
    await mkdir(templateDir);
    const env = envFor(templateDb);
    await cli(['domain', 'add', domain], templateDir, env);
    for (const address of recipients) await cli(['user', 'add', address, '--password-stdin'], templateDir, env, `${PASSWORD}\n`);
  } catch (error) {
    await dispose();
    throw error;
  }

  let copies = 0;
  return {
    store,
    domain,
    recipients,
    dispose,
    async instance() {
      const n = ++copies;
      const dir = join(root, `run-${n}`);
      await cp(templateDir, dir, { recursive: true });
      let database = templateDb;
      if (store === 'postgres' && admin) {
        database = `${templateDb}_${n}`;
        await admin.query(`CREATE DATABASE ${database} TEMPLATE ${templateDb}`);
        databases.push(database);
      }
      const env = serveEnv(envFor(database));
      return {
        dir,
        start: (extraEnv = {}) => serve(dir, { ...env, ...extraEnv }),
        async dispose() {
          if (store === 'postgres' && admin) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  };
}
