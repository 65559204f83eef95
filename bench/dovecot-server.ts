// bench/dovecot-server: a throwaway Dovecot 2.3 (Debian dovecot-core and dovecot-imapd), the
// peer the IMAP benchmarks measure Postwarden against; the same approach as the interop tests'
// Dovecot, copied here because benchmarks do not import test code. Its configuration lives in
// a temp directory (base_dir, state_dir, log file, a passwd-file with the bench users, Maildir
// storage owned by `nobody`), it listens on free loopback ports (plain IMAP, and implicit TLS
// with a throwaway RSA-2048 certificate like Postwarden's self-signed one) and runs in the
// foreground (`dovecot -F`) as a child of the bench.
//
// Sized for the load rather than left at defaults that would refuse it: imap-login in Dovecot's
// "high-performance" mode (service_count = 0: a few long-lived login processes, each serving
// many clients, instead of a fork per connection), `service imap` process_limit above the
// 10,000 IDLE connections (Dovecot runs one imap process per session), client limits of the
// shared services (auth, anvil, log, stats) above the same count, and mail_max_userip_connections
// above every connection one user makes from 127.0.0.1. Passwords are stored as {SSHA512} (one
// salted SHA-512: hashed, but as cheap to check as Postwarden's cached login), plaintext LOGIN
// is allowed (disable_plaintext_auth = no) so TLS stays out of the plain comparison. With
// `hibernate`, an IDLE session is handed to the imap-hibernate process after a few seconds
// (imap_hibernate_timeout), Dovecot's own answer to many idle connections. Debian's default
// fsync behaviour (mail_fsync = optimized) is kept. A Dovecot that cannot start is reported with its log.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/free-port.ts';
import { processTree } from './proc.ts';

export const DOVECOT_BINARY = '/usr/sbin/dovecot';
/** Not a timing assertion: how long Dovecot may take to accept connections. */
const START_LIMIT_MS = 30_000;
/** After the master exits, how long its children may take to go before SIGKILL. */
const STOP_LIMIT_MS = 30_000;
/** Above the IDLE bench's connection count, with room for the logins and the shared services. */
const SESSIONS = 12_000;

export interface DovecotOptions {
  readonly users: readonly string[];
  readonly password: string;
}

export interface StartOptions {
  /** Hand IDLE sessions to imap-hibernate after this many seconds; undefined: never. */
  readonly hibernateSeconds?: number;
}

export interface DovecotInstance {
  readonly dir: string;
  readonly version: string;
  /** Starts Dovecot on the instance's mail (a new configuration and ports each time). */
  start(options?: StartOptions): Promise<RunningDovecot>;
  /** Warnings, errors and fatal lines of the log (every start so far). */
  problems(): string[];
  /** Removes the directory (after stop). */
  dispose(): void;
}

export interface RunningDovecot {
  readonly masterPid: number;
  readonly hibernating: boolean;
  readonly port: number;
  readonly tlsPort: number;
  /** The master and every process under it now. */
  pids(): number[];
  /** Warnings, errors and fatal lines of the log so far. */
  problems(): string[];
  stop(): Promise<void>;
}

/** Why Dovecot cannot run here, or undefined when it can. */
export function dovecotUnavailable(): string | undefined {
  if (!existsSync(DOVECOT_BINARY)) return `${DOVECOT_BINARY} not found: apt-get install dovecot-core dovecot-imapd`;
  if (!existsSync('/usr/lib/dovecot/imap')) return 'Dovecot IMAP service missing: apt-get install dovecot-imapd';
  if (process.getuid?.() !== 0) return 'the Dovecot bench runs as root (mail processes run as nobody)';
  return undefined;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function nobody(): { uid: number; gid: number } {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const fields = line.split(':');
    if (fields[0] === 'nobody') return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  return { uid: 65534, gid: 65534 };
}

/** Dovecot's {SSHA512}: base64 of SHA-512(password || salt) || salt. */
function ssha512(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha512').update(password).update(salt).digest();
  return `{SSHA512}${Buffer.concat([digest, salt]).toString('base64')}`;
}

function config(dir: string, ports: { plain: number; tls: number }, options: StartOptions): string {
  const mail = nobody();
  const hibernating = options.hibernateSeconds !== undefined;
  // imap hands a hibernated session to imap-hibernate, which hands it back through imap-master.
  const imapHibernate = hibernating
    ? `
  unix_listener imap-master {
    user = dovecot
  }
  extra_groups = dovecot`
    : '';
  const hibernate = !hibernating
    ? ''
    : `imap_hibernate_timeout = ${options.hibernateSeconds}s
service imap-hibernate {
  unix_listener imap-hibernate {
    mode = 0660
    group = dovecot
  }
  client_limit = ${SESSIONS}
}
`;
  return `# Generated by bench/dovecot-server.ts for one benchmark run.
base_dir = ${join(dir, 'run')}
state_dir = ${join(dir, 'state')}
log_path = ${join(dir, 'dovecot.log')}
info_log_path = ${join(dir, 'dovecot.log')}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <${join(dir, 'cert.pem')}
ssl_key = <${join(dir, 'key.pem')}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = 1
first_valid_gid = 0
mail_location = maildir:${join(dir, 'mail')}/%u
mail_uid = ${mail.uid}
mail_gid = ${mail.gid}
mail_max_userip_connections = ${SESSIONS * 2}
default_client_limit = ${SESSIONS}
passdb {
  driver = passwd-file
  args = username_format=%u ${join(dir, 'passwd')}
}
userdb {
  driver = passwd-file
  args = username_format=%u ${join(dir, 'passwd')}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${ports.plain}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${ports.tls}
    ssl = yes
  }
  service_count = 0
  process_min_avail = 2
  process_limit = 8
  client_limit = 4000
  vsz_limit = 1G
}
service imap {
  process_limit = ${SESSIONS}${imapHibernate}
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service anvil {
  client_limit = ${SESSIONS + 500}
}
service stats {
  client_limit = ${SESSIONS + 500}
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
${hibernate}`;
}

const INOTIFY_INSTANCES = '/proc/sys/fs/inotify/max_user_instances';

/**
 * Dovecot's imap processes each take an inotify instance for IDLE and for hibernation, all as
 * one user (nobody); past fs.inotify.max_user_instances (128 by default) they fall back to
 * polling and cannot hibernate, which a Dovecot set up for many idle clients would not do.
 * Raises the limit to `minimum` (root only) and says how to put it back.
 */
export function raiseInotifyInstances(minimum: number): { note: string; restore(): void } {
  let current: number;
  try {
    current = Number(readFileSync(INOTIFY_INSTANCES, 'utf8').trim());
  } catch (error) {
    return { note: `cannot read ${INOTIFY_INSTANCES}: ${(error as Error).message}`, restore() {} };
  }
  if (current >= minimum) return { note: `fs.inotify.max_user_instances is ${current}`, restore() {} };
  try {
    writeFileSync(INOTIFY_INSTANCES, String(minimum));
  } catch (error) {
    return { note: `fs.inotify.max_user_instances stays ${current} (${(error as Error).message}): Dovecot polls past that many sessions`, restore() {} };
  }
  return {
    note: `fs.inotify.max_user_instances raised from ${current} to ${minimum} for Dovecot's imap processes, restored afterwards`,
    restore: () => writeFileSync(INOTIFY_INSTANCES, String(current)),
  };
}

/** Log lines worth reporting: warnings and worse, less the one our own SIGTERM causes. */
const problemLines = (log: string): string[] =>
  log.split('\n').filter((line) => /\b(Warning|Error|Fatal|Panic):/.test(line) && !/Killed with signal 15/.test(line));

export function prepareDovecot(options: DovecotOptions): DovecotInstance {
  const unavailable = dovecotUnavailable();
  if (unavailable) throw new Error(unavailable);
  const version = spawnSync(DOVECOT_BINARY, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const dir = mkdtempSync(join(process.env.POSTWARDEN_BENCH_DIR ?? tmpdir(), 'postwarden-bench-dovecot-'));
  chmodSync(dir, 0o755);
  const mail = nobody();
  for (const sub of ['run', 'state', 'mail', 'home']) mkdirSync(join(dir, sub));
  chownSync(join(dir, 'mail'), mail.uid, mail.gid);
  chownSync(join(dir, 'home'), mail.uid, mail.gid);
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl req failed: ${made.stderr}`);
  const passwd = options.users.map((user) => `${user}:${ssha512(options.password)}:${mail.uid}:${mail.gid}::${join(dir, 'home', user)}::\n`).join('');
  writeFileSync(join(dir, 'passwd'), passwd);
  let running: RunningDovecot | undefined;

  const start = async (startOptions: StartOptions = {}): Promise<RunningDovecot> => {
    const ports = { plain: await freePort(), tls: await freePort() };
    const configPath = join(dir, 'dovecot.conf');
    writeFileSync(configPath, config(dir, ports, startOptions));
    const logPath = join(dir, 'dovecot.log');
    const child: ChildProcess = spawn(DOVECOT_BINARY, ['-F', '-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let exited = false;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    void gone.then(() => (exited = true));
    const log = (): string => `${output}${existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''}`;
    const masterPid = child.pid ?? 0;
    const stop = async (): Promise<void> => {
      const tree = processTree(masterPid);
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_LIMIT_MS);
        await gone;
        clearTimeout(timer);
      }
      // The master's children go on their own once it has gone; wait for them, then kill stragglers.
      const deadline = Date.now() + STOP_LIMIT_MS;
      let left = tree.filter((pid) => pid !== masterPid && existsSync(`/proc/${pid}`));
      while (left.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        left = left.filter((pid) => existsSync(`/proc/${pid}`));
      }
      for (const pid of left) process.kill(pid, 'SIGKILL');
      running = undefined;
    };
    const deadline = Date.now() + START_LIMIT_MS;
    while (!(await canConnect(ports.plain))) {
      if (exited || Date.now() > deadline) {
        const text = log();
        await stop();
        throw new Error(`Dovecot did not start on 127.0.0.1:${ports.plain}${exited ? ' (it exited)' : ''}:\n${text}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    running = {
      masterPid,
      hibernating: startOptions.hibernateSeconds !== undefined,
      port: ports.plain,
      tlsPort: ports.tls,
      pids: () => processTree(masterPid),
      problems: () => problemLines(log()),
      stop,
    };
    return running;
  };

  return {
    dir,
    version,
    start,
    problems: () => problemLines(existsSync(join(dir, 'dovecot.log')) ? readFileSync(join(dir, 'dovecot.log'), 'utf8') : ''),
    dispose() {
      if (running) throw new Error('dispose: Dovecot is still running');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
