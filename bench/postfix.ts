// bench/postfix: a throwaway Postfix for the SMTP benchmarks, the peer Postwarden is measured
// against. Debian's `postfix` package (installed with apt-get when missing and we are root),
// run as its own instance: config_directory, queue_directory and data_directory under a temp
// directory, `postfix -c DIR start`, smtpd on 127.0.0.1:<free port> from master.cf. The bench
// domain is a virtual mailbox domain delivered by virtual(8) to Maildirs (a trailing "/" in
// the map) owned by an unprivileged system user, `pwbench`, created when missing.
//
// Postfix keeps its durability defaults: cleanup fsyncs each queue file before smtpd answers
// 250 to the final dot, and virtual(8) fsyncs each Maildir file before renaming it into new/.
// What would slow or distort it unfairly is off: client name lookups, DNS, per-client rate and
// connection limits, delayed rejects, and in_flow_delay (its default of 1s makes smtpd sleep up
// to a second before a message whenever the queue manager is behind: here that halved the
// accept rate and put p99 near 1 s). The process limit is above the connection count. Logs go
// to a file (maillog_file through postlogd), as Postwarden's go to a file too. Extra main.cf
// settings for experiments, "in_flow_delay=1s" for instance:
// POSTWARDEN_BENCH_POSTFIX_MAIN="name=value;name=value".

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../test/helpers/free-port.ts';

const run = promisify(execFile);
const POSTFIX = '/usr/sbin/postfix';
const BENCH_USER = 'pwbench';
/** Not a timing assertion: how long `postfix stop` may take before the tree is killed. */
const STOP_LIMIT_MS = 30_000;

export interface RunningPostfix {
  readonly port: number;
  readonly version: string;
  readonly masterPid: number;
  readonly dir: string;
  /** Messages delivered into the recipients' Maildirs (new/) so far. */
  delivered(): number;
  /** Resolves with the delivered count once it reaches `count`, or at the time limit. */
  waitDelivered(count: number, limitMs: number): Promise<number>;
  /** `postfix stop`, wait for the master to exit, remove every file. */
  stop(): Promise<void>;
}

async function output(file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run(file, args, { env: { ...process.env, ...env } });
  return stdout.trim();
}

/** Installs Debian's postfix if it is missing. Resolves undefined when usable, or why not. */
export async function ensurePostfix(): Promise<string | undefined> {
  if (existsSync(POSTFIX)) return undefined;
  if (process.getuid?.() !== 0) return 'postfix is not installed and the bench is not root (apt-get install postfix)';
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  try {
    // "No configuration": the package installs its programs and no system instance.
    await run('sh', ['-c', 'echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections'], { env: { ...process.env, ...env } });
    try {
      await output('apt-get', ['install', '-y', '-q', 'postfix'], env);
    } catch {
      await output('apt-get', ['update', '-q'], env);
      await output('apt-get', ['install', '-y', '-q', 'postfix'], env);
    }
  } catch (error) {
    return `apt-get install postfix failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim().split('\n').slice(-3).join(' ')}`;
  }
  return existsSync(POSTFIX) ? undefined : 'apt-get install postfix left no /usr/sbin/postfix';
}

async function benchUser(): Promise<{ uid: number; gid: number }> {
  const lookup = async () => ({ uid: Number(await output('id', ['-u', BENCH_USER])), gid: Number(await output('id', ['-g', BENCH_USER])) });
  try {
    return await lookup();
  } catch {
    await output('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', BENCH_USER]);
    return lookup();
  }
}

// Debian's master.cf without chroot (the queue is a temp directory) and with smtpd on loopback.
export function masterCf(port: number): string {
  const services = [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    'pickup unix n - n 60 1 pickup',
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'proxywrite unix - - n - 1 proxymap',
    'smtp unix - - n - - smtp',
    'relay unix - - n - - smtp',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    'local unix - n n - - local',
    'virtual unix - n n - - virtual',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    'postlog unix-dgram n - n - 1 postlogd',
  ];
  return `${services.join('\n')}\n`;
}

/**
 * main.cf for a throwaway Postfix in `dir` on 127.0.0.1: the settings every bench instance
 * shares (its own queue and log, no DNS or client lookups, no rate limits, `processLimit`
 * processes), then `specific` (what it delivers and how), then POSTWARDEN_BENCH_POSTFIX_MAIN
 * ("name=value;name=value") for experiments. Postfix takes a setting's last value.
 */
export function benchMainCf(dir: string, processLimit: number, specific: readonly (readonly [string, string])[]): string {
  const settings: (readonly [string, string])[] = [
    ['compatibility_level', '3.6'],
    ['queue_directory', join(dir, 'queue')],
    ['data_directory', join(dir, 'data')],
    ['maillog_file_prefixes', dir],
    ['maillog_file', join(dir, 'maillog')],
    ['myhostname', 'postfix.bench.test'],
    ['mydomain', 'bench.test'],
    ['mydestination', 'localhost'],
    ['inet_interfaces', '127.0.0.1'],
    ['inet_protocols', 'ipv4'],
    ['mynetworks', '127.0.0.0/8'],
    ['smtpd_delay_reject', 'no'],
    ['smtpd_peername_lookup', 'no'],
    ['smtpd_client_connection_rate_limit', '0'],
    ['smtpd_client_connection_count_limit', '0'],
    ['in_flow_delay', '0'],
    ['default_process_limit', String(processLimit)],
    ['alias_maps', ''],
    ['alias_database', ''],
    ['biff', 'no'],
    ...specific,
  ];
  for (const pair of (process.env.POSTWARDEN_BENCH_POSTFIX_MAIN ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) settings.push([pair.slice(0, at).trim(), pair.slice(at + 1).trim()]);
  }
  return settings.map(([name, value]) => `${name} = ${value}`).join('\n') + '\n';
}

/** Delivery to Maildirs: the bench domain is a virtual mailbox domain (so not in mydestination). */
function mainCf(dir: string, domain: string, user: { uid: number; gid: number }, processLimit: number): string {
  return benchMainCf(dir, processLimit, [
    ['virtual_mailbox_domains', domain],
    ['virtual_mailbox_base', join(dir, 'vmail')],
    ['virtual_mailbox_maps', `hash:${join(dir, 'etc', 'vmailbox')}`],
    ['virtual_uid_maps', `static:${user.uid}`],
    ['virtual_gid_maps', `static:${user.gid}`],
    ['smtpd_recipient_restrictions', 'permit_mynetworks, reject_unauth_destination'],
    ['disable_dns_lookups', 'yes'],
  ]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a fresh Postfix that delivers `recipients` (all in `domain`) to Maildirs. */
export async function startPostfix(options: { domain: string; recipients: readonly string[]; processLimit: number }): Promise<RunningPostfix> {
  const user = await benchUser();
  const dir = await mkdtemp(join(process.env.POSTWARDEN_BENCH_DIR ?? tmpdir(), 'postwarden-bench-postfix-'));
  // virtual(8) runs as the bench user and must reach vmail/ through this directory.
  await chmod(dir, 0o755);
  const etc = join(dir, 'etc');
  const vmail = join(dir, 'vmail');
  await mkdir(etc);
  await mkdir(join(dir, 'queue'), { mode: 0o755 });
  await mkdir(vmail);
  await chown(vmail, user.uid, user.gid);
  const port = await freePort();
  await writeFile(join(etc, 'main.cf'), mainCf(dir, options.domain, user, options.processLimit));
  await writeFile(join(etc, 'master.cf'), masterCf(port));
  const mailboxes = options.recipients.map((address) => address.slice(0, address.indexOf('@')));
  await writeFile(join(etc, 'vmailbox'), options.recipients.map((address, i) => `${address} ${mailboxes[i]}/\n`).join(''));
  let masterPid = 0;
  const stop = async () => {
    try {
      if (masterPid !== 0) {
        await output(POSTFIX, ['-c', etc, 'stop']).catch(() => undefined);
        const limit = Date.now() + STOP_LIMIT_MS;
        while (alive(masterPid) && Date.now() < limit) await sleep(100);
        if (alive(masterPid)) process.kill(masterPid, 'SIGKILL');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    await output('postmap', ['-c', etc, `hash:${join(etc, 'vmailbox')}`]);
    await output(POSTFIX, ['-c', etc, 'start']);
    masterPid = Number(readFileSync(join(dir, 'queue', 'pid', 'master.pid'), 'utf8').trim());
    if (!alive(masterPid)) throw new Error(`postfix master ${masterPid} is not running`);
    const version = await output('postconf', ['-c', etc, '-h', 'mail_version']);
    const delivered = () =>
      mailboxes.reduce((sum, mailbox) => {
        try {
          return sum + readdirSync(join(vmail, mailbox, 'new')).length;
        } catch {
          return sum;
        }
      }, 0);
    return {
      port,
      version,
      masterPid,
      dir,
      delivered,
      async waitDelivered(count, limitMs) {
        const limit = performance.now() + limitMs;
        let seen = delivered();
        while (seen < count && performance.now() < limit) {
          await sleep(10);
          seen = delivered();
        }
        return seen;
      },
      stop,
    };
  } catch (error) {
    const log = existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8') : '';
    await stop();
    throw new Error(`postfix did not start: ${(error as Error).message}\n${log}`, { cause: error });
  }
}
