// bench/postfix-relay: a throwaway Postfix that relays, the peer of bench/outbound. The same
// kind of instance as bench/postfix.ts (config, queue and data directories in a temp
// directory, Debian's master.cf without chroot, smtpd on 127.0.0.1:<free port>, no client
// name lookups, no in_flow_delay), but it relays what 127.0.0.0/8 sends to the destination
// domains, each routed by transport_maps to its sink address ("dN.bench.test
// smtp:[127.0.1.N]:PORT"): no DNS, so each domain is its own destination queue with Postfix's
// default concurrency (20 per destination, 100 smtp processes in all, like Postwarden's
// [delivery] defaults), plaintext (the sink offers no STARTTLS), connection caching on demand.
//
// DKIM: Postfix cannot sign. With opendkim installed (Debian's package, installed when missing
// and we are root) it signs at smtpd through milters on unix sockets, with the sender domain's
// own two keys (RSA and Ed25519, relaxed/relaxed, From oversigned: what Postwarden does), one
// opendkim per key since 2.11 signs with one algorithm per instance; so messages signed the
// same way reach the sink. Without opendkim Postfix relays unsigned and says so.
//
// Filling the queue without delivering: smtpd holds every message it accepts (HOLD, after the
// milter has signed it). release() then stops Postfix, moves the held messages to the deferred
// queue (postsuper -H, as if they had waited there) and starts it again, so delivery begins
// on a fresh start with a full queue, as Postwarden's does.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../test/helpers/free-port.ts';
import type { BenchDkimKey } from './outbound-queue.ts';
import type { Destination } from './outbound-sink.ts';
import { benchMainCf, masterCf } from './postfix.ts';
import { processTree, treeCpuSeconds } from './proc.ts';

const run = promisify(execFile);
const POSTFIX = '/usr/sbin/postfix';
const OPENDKIM = '/usr/sbin/opendkim';
/** Not timing assertions: how long Postfix may take to stop, opendkim to listen. */
const STOP_LIMIT_MS = 30_000;
const START_LIMIT_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PostfixRelay {
  readonly port: number;
  readonly version: string;
  /** "opendkim 2.11.0, one milter per key ..." or "none: <why>". */
  readonly dkim: string;
  /** Messages in the hold queue. */
  held(): number;
  /** Stops, releases the held messages, starts: performance.now() before the start and once it returned. */
  release(): Promise<{ startAt: number; readyAt: number }>;
  /** Postfix's processes (master and descendants) and the opendkim milters'. */
  pids(): number[];
  /** CPU seconds of Postfix's tree (with the children master has reaped) and the milters. */
  cpuSeconds(): number;
  /** CPU seconds of the opendkim milters alone (the signing). */
  milterCpuSeconds(): number;
  /** Every queue file left (active, incoming, deferred, hold). */
  queued(): number;
  stop(): Promise<void>;
}

async function output(file: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run(file, args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return stdout.trim();
}

/** Installs Debian's opendkim if missing; undefined when usable, or why not. */
export async function ensureOpendkim(): Promise<string | undefined> {
  if (existsSync(OPENDKIM)) return undefined;
  if (process.getuid?.() !== 0) return 'opendkim is not installed and the bench is not root (apt-get install opendkim)';
  try {
    await output('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'opendkim']).catch(async () => {
      await output('apt-get', ['update', '-q']);
      await output('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'opendkim']);
    });
  } catch (error) {
    return `apt-get install opendkim failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim().split('\n').slice(-2).join(' ')}`;
  }
  return existsSync(OPENDKIM) ? undefined : 'apt-get install opendkim left no /usr/sbin/opendkim';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function countFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) count += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
  return count;
}

/** Relaying everything to the sinks by transport_maps (no DNS), holding what arrives, through `milters`. */
function mainCf(dir: string, processLimit: number, milters: readonly string[]): string {
  return benchMainCf(dir, processLimit, [
    ['relay_domains', ''],
    ['transport_maps', `hash:${join(dir, 'etc', 'transport')}`],
    // HOLD first: permit_mynetworks would end the evaluation before it.
    ['smtpd_recipient_restrictions', 'check_client_access static:HOLD, permit_mynetworks, reject_unauth_destination'],
    ['smtp_dns_support_level', 'disabled'],
    ...(milters.length === 0 ? [] : ([
      ['smtpd_milters', milters.join(', ')],
      ['milter_default_action', 'tempfail'],
    ] as const)),
  ]);
}

/** One opendkim's configuration: sign only, with one key (2.11 signs with one algorithm per instance). */
async function writeOpendkimConfig(dir: string, domain: string, key: BenchDkimKey, index: number): Promise<{ conf: string; socket: string }> {
  const file = (name: string) => join(dir, `opendkim${index}.${name}`);
  await writeFile(file('pem'), key.privateKeyPem, { mode: 0o600 });
  await writeFile(file('keytable'), `key ${domain}:${key.selector}:${file('pem')}\n`);
  await writeFile(file('signingtable'), `*@${domain} key\n`);
  const lines = [
    'Syslog no',
    'Mode s',
    `Socket local:${file('sock')}`,
    `SignatureAlgorithm ${key.algorithm}`,
    'Canonicalization relaxed/relaxed',
    'OversignHeaders From',
    `KeyTable file:${file('keytable')}`,
    `SigningTable refile:${file('signingtable')}`,
    'InternalHosts 127.0.0.1',
    // smtpd runs as the postfix user.
    'UMask 000',
    // The key sits in a temp directory, which opendkim would call unsafe.
    'RequireSafeKeys no',
  ];
  await writeFile(file('conf'), `${lines.join('\n')}\n`);
  return { conf: file('conf'), socket: file('sock') };
}

async function waitSocket(path: string, child: ChildProcess): Promise<void> {
  const limit = performance.now() + START_LIMIT_MS;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect({ path }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    if (child.exitCode !== null) throw new Error(`opendkim exited with ${child.exitCode}`);
    if (performance.now() > limit) throw new Error(`opendkim did not listen on ${path}`);
    await sleep(20);
  }
}

export interface RelayOptions {
  readonly destinations: readonly Destination[];
  /** The sinks' port. */
  readonly sinkPort: number;
  readonly processLimit: number;
  /** The sender domain and its keys; undefined: relay unsigned. */
  readonly dkim: { readonly domain: string; readonly keys: readonly BenchDkimKey[] } | undefined;
  /** Why there is no DKIM, for the record. */
  readonly noDkimReason?: string;
}

export async function startPostfixRelay(options: RelayOptions): Promise<PostfixRelay> {
  const dir = await mkdtemp(join(process.env.POSTWARDEN_BENCH_DIR ?? tmpdir(), 'postwarden-bench-relay-'));
  await chmod(dir, 0o755);
  const etc = join(dir, 'etc');
  const queue = join(dir, 'queue');
  await mkdir(etc);
  await mkdir(queue, { mode: 0o755 });
  const opendkims: ChildProcess[] = [];
  let masterPid = 0;
  const readMaster = () => Number(readFileSync(join(queue, 'pid', 'master.pid'), 'utf8').trim());
  const stopPostfix = async () => {
    if (masterPid === 0) return;
    await output(POSTFIX, ['-c', etc, 'stop']).catch(() => undefined);
    const limit = Date.now() + STOP_LIMIT_MS;
    while (alive(masterPid) && Date.now() < limit) await sleep(50);
    if (alive(masterPid)) process.kill(masterPid, 'SIGKILL');
    masterPid = 0;
  };
  const stop = async () => {
    try {
      await stopPostfix();
      for (const child of opendkims.filter((c) => c.exitCode === null)) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(STOP_LIMIT_MS)]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    let dkim = `none: ${options.noDkimReason ?? 'no keys given'}`;
    const milters: string[] = [];
    for (const [index, key] of (options.dkim?.keys ?? []).entries()) {
      const { conf, socket } = await writeOpendkimConfig(etc, options.dkim?.domain ?? '', key, index);
      const child = spawn(OPENDKIM, ['-f', '-x', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      opendkims.push(child);
      let errors = '';
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
      await waitSocket(socket, child).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}: ${errors.trim()}`);
      });
      milters.push(`unix:${socket}`);
    }
    if (options.dkim) {
      const version = /OpenDKIM Filter v(\S+)/.exec(await output(OPENDKIM, ['-V']).catch(() => ''))?.[1] ?? '?';
      dkim = `opendkim ${version}, one milter per key at smtpd (${options.dkim.keys.map((k) => k.algorithm).join(' + ')})`;
    }
    const port = await freePort();
    await writeFile(join(etc, 'main.cf'), mainCf(dir, options.processLimit, milters));
    await writeFile(join(etc, 'master.cf'), masterCf(port));
    const transport = options.destinations.map((d) => `${d.domain} smtp:[${d.address}]:${options.sinkPort}\n`).join('');
    await writeFile(join(etc, 'transport'), transport);
    await output('postmap', ['-c', etc, `hash:${join(etc, 'transport')}`]);
    await output(POSTFIX, ['-c', etc, 'start']);
    masterPid = readMaster();
    if (!alive(masterPid)) throw new Error(`postfix master ${masterPid} is not running`);
    const version = await output('postconf', ['-c', etc, '-h', 'mail_version']);
    const milterCpu = () => opendkims.reduce((sum, c) => sum + (c.pid === undefined ? 0 : treeCpuSeconds(c.pid)), 0);
    return {
      port,
      version,
      dkim,
      held: () => countFiles(join(queue, 'hold')),
      queued: () => ['active', 'incoming', 'deferred', 'hold', 'maildrop'].reduce((sum, name) => sum + countFiles(join(queue, name)), 0),
      async release() {
        // While Postfix runs (postsuper logs through its postlogd); nothing scans deferred/ before the restart.
        await output('postsuper', ['-c', etc, '-H', 'ALL']);
        await stopPostfix();
        const startAt = performance.now();
        await output(POSTFIX, ['-c', etc, 'start']);
        const readyAt = performance.now();
        masterPid = readMaster();
        return { startAt, readyAt };
      },
      pids: () => [...(masterPid === 0 ? [] : processTree(masterPid)), ...opendkims.flatMap((c) => (c.pid === undefined ? [] : processTree(c.pid)))],
      cpuSeconds: () => (masterPid === 0 ? 0 : treeCpuSeconds(masterPid)) + milterCpu(),
      milterCpuSeconds: milterCpu,
      stop,
    };
  } catch (error) {
    const log = existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8').slice(-4000) : '';
    await stop();
    throw new Error(`postfix relay did not start: ${(error as Error).message}\n${log}`, { cause: error });
  }
}
