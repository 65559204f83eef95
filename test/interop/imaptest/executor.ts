// Runs one imaptest scripted test against a live server (test-exec.c): opens the test's
// connections, brings them to the header's state the way imaptest does (LOGIN on every
// connection; on the first one CAPABILITY, then LIST/LSUB "" "<mailbox>*" and DELETE /
// UNSUBSCRIBE of everything found, CREATE, APPEND of the mbox messages with their From_ dates,
// SELECT on every connection), skips the test when the server lacks a required capability,
// then runs the command groups in order and counts them as imaptest's "checks".
// Input not trusted: the server's replies.

import { argsToString, astringOf, atomOf, type ImapArg } from './args.ts';
import { ClientSession, commandParts, quoteAstring, type MessageMemory } from './client.ts';
import { Connection, type ServerTarget } from './connection.ts';
import { runGroup, type Failure, type GroupContext } from './group.ts';
import { newMatchState } from './matcher.ts';
import { MboxSource } from './mbox.ts';
import { STATES, type ScriptTest } from './script.ts';

export interface Account {
  readonly user: string;
  readonly password: string;
}

export interface RunOptions {
  readonly target: ServerTarget;
  readonly account: Account;
  /** The second user ("user 2: $user2" tests); without it those tests are skipped. */
  readonly user2?: Account;
  /** The test mailbox ($mailbox); imaptest's default is "imaptest". */
  readonly mailbox?: string;
  /** Zone for mbox From_ lines without one (imaptest uses its local time). */
  readonly timeZone?: string;
  /** Longest wait for any one server reply (a bound, not a timing assertion). */
  readonly replyLimitMs?: number;
  /** Environment for !ifenv / !ifnenv. */
  readonly env?: NodeJS.ProcessEnv;
}

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TestResult {
  readonly name: string;
  readonly status: TestStatus;
  /** Required capabilities the server does not advertise (when skipped for that). */
  readonly missingCapabilities: readonly string[];
  readonly skipReason?: string;
  /** True for base-protocol tests (no capabilities header). */
  readonly base: boolean;
  /** Command groups run (imaptest's "individual commands"). */
  readonly checks: number;
  readonly failures: readonly Failure[];
}

export const DEFAULT_MAILBOX = 'imaptest';
export const DEFAULT_TIME_ZONE = 'Europe/Helsinki';
export const DEFAULT_REPLY_LIMIT_MS = 10_000;

class InitError extends Error {}

/** imaptest's $mailbox_url: the name as an IMAP URL path segment (RFC 5092). */
function mailboxUrl(name: string): string {
  return [...Buffer.from(name, 'latin1')]
    .map((b) => (/[A-Za-z0-9\-._~!$&'()*+,=:@/]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

/** Sends one setup command and waits for its tagged reply (untagged replies only tracked). */
async function setupCommand(
  client: ClientSession,
  cmdline: string,
  limitMs: number,
  allowNo = false,
): Promise<{ untagged: ImapArg[][]; status: string; reply: readonly ImapArg[] }> {
  client.beforeSend(cmdline);
  const tag = client.nextTag();
  const parts = commandParts(tag, cmdline, client.literalPlus);
  client.conn.write(parts[0] ?? '');
  let sent = 1;
  const untagged: ImapArg[][] = [];
  for (;;) {
    const event = await client.conn.next(limitMs);
    const what = cmdline.length > 200 ? `${cmdline.slice(0, 200)}...` : cmdline;
    if (!event) throw new InitError(`${what}: no reply within ${limitMs} ms`);
    if (event.kind === 'closed') throw new InitError(`${what}: connection closed`);
    if (event.kind === 'error') throw new InitError(`${what}: ${event.message}: ${event.raw}`);
    if (event.kind === 'continuation') {
      if (sent < parts.length) client.conn.write(parts[sent++] ?? '');
      continue;
    }
    if (event.tag === '*') {
      const fatal = client.track(event.args);
      if (fatal) throw new InitError(`${what}: ${fatal}`);
      untagged.push([...event.args]);
      continue;
    }
    if (event.tag !== tag) throw new InitError(`Unexpected tagged reply: ${event.tag}`);
    const status = atomOf(event.args[0])?.toUpperCase() ?? '';
    if (status === 'OK' || (status === 'NO' && allowNo)) return { untagged, status, reply: event.args };
    throw new InitError(`${what} (tag ${tag}) failed: ${argsToString(event.args)}`);
  }
}

function variables(accounts: readonly Account[], mailbox: string, host: string): [string, string][] {
  const vars: [string, string][] = [];
  accounts.forEach((account, i) => {
    const suffix = i === 0 ? '' : String(i + 1);
    const at = account.user.indexOf('@');
    vars.push([`user${suffix}`, account.user]);
    vars.push([`username${suffix}`, at < 0 ? account.user : account.user.slice(0, at)]);
    vars.push([`domain${suffix}`, at < 0 ? host : account.user.slice(at + 1)]);
    vars.push([`password${suffix}`, account.password]);
  });
  vars.push(['mailbox', mailbox], ['mailbox_url', mailboxUrl(mailbox)]);
  return vars;
}

/** Runs one test; never throws for server behaviour (that is a failure in the result). */
export async function runTest(test: ScriptTest, options: RunOptions): Promise<TestResult> {
  const mailbox = options.mailbox ?? DEFAULT_MAILBOX;
  const limit = options.replyLimitMs ?? DEFAULT_REPLY_LIMIT_MS;
  const base = test.capabilities === undefined;
  const failures: Failure[] = [];
  const result = (status: TestStatus, checks: number, extra: Partial<TestResult> = {}): TestResult => ({
    name: test.name,
    status,
    missingCapabilities: [],
    base,
    checks,
    failures,
    ...extra,
  });
  if (test.requireUser2 && !options.user2) return result('skipped', 0, { skipReason: 'needs a second user (user2)' });
  const accounts: Account[] = [];
  for (let i = 0; i < test.connections; i++) {
    const named = test.users.get(i + 1);
    if (named === undefined) accounts.push(options.account);
    else if (named === '$user2' || named === '${user2}') accounts.push(options.user2 ?? options.account);
    else accounts.push({ user: named, password: options.account.password });
  }
  const source = new MboxSource(test.mboxPath, options.timeZone ?? DEFAULT_TIME_ZONE);
  const clients: ClientSession[] = [];
  // imaptest keeps message metadata per user and mailbox, shared by that user's connections.
  const memories = new Map<string, MessageMemory>();
  const memoryOf = (user: string): MessageMemory => memories.get(user) ?? memories.set(user, new Map()).get(user) ?? new Map();
  const st = newMatchState(variables(accounts, mailbox, options.target.host));
  try {
    try {
      for (let i = 0; i < test.connections; i++) {
        const conn = await Connection.open(options.target, limit);
        clients.push(new ClientSession(conn, i, mailbox, memoryOf(accounts[i]?.user ?? '')));
      }
      const first = clients[0];
      if (!first) throw new InitError('no connections');
      for (const client of clients) {
        const banner = await client.conn.next(limit);
        if (!banner || banner.kind !== 'response' || banner.tag !== '*') throw new InitError(`no greeting (${banner?.kind ?? 'timeout'})`);
        const head = atomOf(banner.args[0])?.toUpperCase();
        if (head !== 'OK' && head !== 'PREAUTH') throw new InitError(`Malformed banner "${banner.raw.trim()}"`);
        client.track(banner.args);
        if (client.capabilities.length === 0) await setupCommand(client, 'CAPABILITY', limit);
      }
      const wanted = STATES.indexOf(test.state);
      if (wanted > 0) {
        for (const [i, client] of clients.entries()) {
          const account = accounts[i] ?? options.account;
          await setupCommand(client, `LOGIN ${quoteAstring(account.user)} ${quoteAstring(account.password)}`, limit);
        }
        await setupCommand(first, 'CAPABILITY', limit);
      }
      const have = new Set(first.capabilities.map((c) => c.toUpperCase()));
      const missing = (test.capabilities ?? []).filter((c) => !have.has(c.toUpperCase()));
      if (missing.length > 0) {
        return result('skipped', 0, { missingCapabilities: missing, skipReason: `capability ${missing.join(' ')} not advertised` });
      }
      if (wanted > 0) {
        const mask = quoteAstring(`${mailbox}*`);
        const listed = await setupCommand(first, `LIST "" ${mask}`, limit);
        const subscribed = await setupCommand(first, `LSUB "" ${mask}`, limit);
        const names = (replies: ImapArg[][], kind: string): string[] =>
          replies.flatMap((args) => {
            const name = astringOf(args[3]);
            return atomOf(args[0])?.toUpperCase() === kind && args[1]?.type === 'list' && name !== undefined ? [name] : [];
          });
        const byReverseName = (a: string, b: string): number => (a.toUpperCase() < b.toUpperCase() ? 1 : a.toUpperCase() > b.toUpperCase() ? -1 : 0);
        for (const name of names(listed.untagged, 'LIST').sort(byReverseName)) await setupCommand(first, `DELETE ${quoteAstring(name)}`, limit, true);
        for (const name of names(subscribed.untagged, 'LSUB').sort(byReverseName)) await setupCommand(first, `UNSUBSCRIBE ${quoteAstring(name)}`, limit, true);
      }
      if (wanted >= STATES.indexOf('created') && mailbox.toUpperCase() !== 'INBOX') await setupCommand(first, `CREATE ${quoteAstring(mailbox)}`, limit);
      if (wanted >= STATES.indexOf('appended')) {
        for (let n = 0; test.messages === 'all' ? !source.atEnd : n < test.messages; n++) {
          const message = source.next();
          await setupCommand(first, `APPEND ${quoteAstring(mailbox)} "${message.internalDate}" {${message.data.length}}\r\n${message.data}`, limit);
        }
      }
      if (wanted >= STATES.indexOf('selected')) {
        for (const client of clients) await setupCommand(client, `SELECT ${quoteAstring(mailbox)}`, limit);
      }
    } catch (error) {
      if (!(error instanceof InitError) && !(error instanceof Error && 'code' in error)) throw error;
      failures.push({ line: 0, command: '', message: `initialization failed: ${error instanceof Error ? error.message : String(error)}` });
      return result('failed', 0);
    }
    const ctx: GroupContext = { clients, st, source, ignoreExtraUntagged: test.ignoreExtraUntagged, replyLimitMs: limit, failures };
    let checks = 0;
    for (const group of test.groups) {
      const alive = await runGroup(ctx, group);
      checks++;
      if (!alive) break;
    }
    return result(failures.length > 0 ? 'failed' : 'passed', checks);
  } finally {
    for (const client of clients) client.conn.close();
  }
}
