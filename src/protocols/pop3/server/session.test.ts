// The POP3 session driven without sockets on a real SQLite store: the state table, the TLS
// policy, login failures and their limit, the maildrop lock and LOGIN-DELAY leases, DELE/RSET
// and UPDATE, EXPIRE 0, a message removed meanwhile, a lost lock, the invalid-command limit,
// and house rule 8 (a command that throws is answered [SYS/TEMP] and the session goes on).

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { addUser } from '../../../admin/accounts.ts';
import { addDomain } from '../../../admin/domains.ts';
import { Authenticator } from '../../../auth/authenticator.ts';
import { silentLogger } from '../../../core/log.ts';
import type { Account, Mailbox, Storage } from '../../../storage/api.ts';
import { masterKeyFromHex } from '../../../storage/crypto/master-key.ts';
import { openSqliteStorage } from '../../../storage/sqlite/open.ts';
import { formatStatus } from '../wire/response.ts';
import { decodeMultilineByCrlf } from '../wire/wire.test-support.ts';
import { MAX_AUTH_FAILURES_PER_SESSION, MAX_INVALID_COMMANDS_PER_SESSION } from './limits.ts';
import { loginDelayLeaseName, maildropLockName } from './maildrop-lock.ts';
import { COMMAND_STATES, Pop3Session, type Action } from './session.ts';
import { newSessionState, type Pop3Context, type Pop3Settings } from './state.ts';

const PASSWORD = 'correct horse battery staple';
const TLS = { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' };
const RAWS = ['Subject: one\r\n\r\nfirst\r\n', 'Subject: two\r\n\r\n.second\r\n', 'Subject: three\r\n\r\nthird\r\n'];
const SIZES = RAWS.map((raw) => raw.length);
const TOTAL = SIZES.reduce((a, b) => a + b, 0);
const DEFAULTS: Pop3Settings = { plaintextLocalhost: false, expire: 'never', loginDelaySeconds: 0 };

/** The status line of a reply action, as sent. */
function statusOf(action: Action): string {
  if (action.kind !== 'reply' && action.kind !== 'stls') assert.fail(`expected a reply, got ${action.kind}`);
  return formatStatus(action.reply.status).trimEnd();
}

function closes(action: Action): boolean {
  return action.kind === 'reply' && action.close === true;
}

function bodyOf(action: Action): string {
  if (action.kind !== 'reply' || action.reply.body === undefined) assert.fail('expected a multi-line reply');
  return Buffer.from(decodeMultilineByCrlf(action.reply.body)?.message ?? []).toString('latin1');
}

describe('pop3 session', () => {
  let dir: string;
  let storage: Storage;
  let account: Account;
  let inbox: Mailbox;
  let sessions = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postwarden-pop3-session-'));
    storage = await openSqliteStorage({ dataDir: dir, master: masterKeyFromHex('55'.repeat(32)) });
    assert.ok((await addDomain(storage, 'example.com')).ok);
    const added = await addUser(storage, { address: 'alice@example.com', password: PASSWORD });
    assert.ok(added.ok);
    account = added.value;
    const box = await storage.getMailbox(account.id, 'INBOX');
    assert.ok(box);
    inbox = box;
  });
  after(async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });
  const open: Pop3Session[] = [];
  beforeEach(async () => {
    // Each test starts with three messages and free leases.
    for (const s of open.splice(0)) await s.finish('closed');
    const listed = await storage.listMessages(account.id, inbox.id);
    assert.ok(listed.ok);
    if (listed.value.length > 0) await storage.removeMessages(account.id, inbox.id, listed.value.map((m) => m.uid));
    await storage.appendMessages(RAWS.map((raw) => ({ accountId: account.id, mailboxId: inbox.id, raw: Buffer.from(raw) })));
  });

  function context(settings: Partial<Pop3Settings> = {}, store: Storage = storage): Pop3Context {
    return {
      storage: store,
      authenticator: new Authenticator({ accounts: store, sleep: async () => undefined }),
      logger: silentLogger(),
      settings: { ...DEFAULTS, ...settings },
    };
  }

  function session(options: { tls?: boolean; remote?: string; ctx?: Pop3Context } = {}): Pop3Session {
    const state = newSessionState(`session-${++sessions}`, options.remote ?? '192.0.2.1', options.tls === false ? undefined : TLS, options.tls === false);
    return new Pop3Session(options.ctx ?? context(), state);
  }

  const send = (s: Pop3Session, line: string) => s.line(Buffer.from(line));

  async function loggedIn(ctx?: Pop3Context): Promise<Pop3Session> {
    const s = ctx === undefined ? session() : session({ ctx });
    open.push(s);
    assert.equal(statusOf(await send(s, 'USER alice@example.com')), '+OK Send PASS');
    assert.match(statusOf(await send(s, `PASS ${PASSWORD}`)), /^\+OK Logged in; maildrop has 3 messages \(\d+ octets\)$/);
    return s;
  }

  it('declares every command with its states (RFC 1939 §4-§7)', () => {
    assert.deepEqual(Object.keys(COMMAND_STATES).sort(), ['AUTH', 'CAPA', 'DELE', 'LIST', 'NOOP', 'PASS', 'QUIT', 'RETR', 'RSET', 'STAT', 'STLS', 'TOP', 'UIDL', 'USER', 'UTF8']);
    for (const keyword of ['CAPA', 'QUIT']) assert.deepEqual(COMMAND_STATES[keyword as 'CAPA'], ['authorization', 'transaction']);
  });

  it('refuses commands in the wrong state', async () => {
    const s = session();
    for (const line of ['STAT', 'LIST', 'RETR 1', 'DELE 1', 'NOOP', 'RSET', 'TOP 1 1', 'UIDL']) {
      assert.equal(statusOf(await send(s, line)), '-ERR Command not valid in this state', line);
    }
    const t = await loggedIn();
    for (const line of ['USER alice@example.com', 'PASS x', 'AUTH PLAIN', 'STLS', 'UTF8']) {
      assert.equal(statusOf(await send(t, line)), '-ERR Command not valid in this state', line);
    }
    await t.finish('closed');
  });

  it('refuses credentials before TLS, except from loopback when configured (RFC 2595, RFC 3206 [AUTH])', async () => {
    const plain = session({ tls: false });
    for (const line of ['USER alice@example.com', 'PASS x', 'AUTH PLAIN']) assert.match(statusOf(await send(plain, line)), /^-ERR \[AUTH\] Plaintext authentication is not allowed without TLS/, line);
    assert.equal(statusOf(await send(plain, 'STLS')), '+OK Begin TLS negotiation');
    const notLoopback = session({ tls: false, ctx: context({ plaintextLocalhost: true }) });
    assert.match(statusOf(await send(notLoopback, 'USER alice@example.com')), /^-ERR \[AUTH\]/);
    for (const remote of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
      const local = session({ tls: false, remote, ctx: context({ plaintextLocalhost: true }) });
      assert.equal(statusOf(await send(local, 'USER alice@example.com')), '+OK Send PASS', remote);
    }
    const tls = session();
    assert.equal(statusOf(await send(tls, 'STLS')), '-ERR Command not permitted when TLS active');
  });

  it('answers an unknown user and a wrong password alike, and closes after the failure limit', async () => {
    const s = session();
    const answers = [];
    for (const user of ['alice@example.com', 'nobody@example.com', 'not an address']) {
      await send(s, `USER ${user.replace(/ /g, '_')}`);
      const answer = await send(s, 'PASS wrong password');
      answers.push([statusOf(answer), closes(answer)]);
    }
    assert.equal(MAX_AUTH_FAILURES_PER_SESSION, 3);
    assert.deepEqual(answers, [
      ['-ERR [AUTH] Authentication failed', false],
      ['-ERR [AUTH] Authentication failed', false],
      ['-ERR [AUTH] Authentication failed', true],
    ]);
  });

  it('wants PASS right after USER (RFC 1939 §7)', async () => {
    const s = session();
    assert.equal(statusOf(await send(s, 'PASS x')), '-ERR Send USER first');
    await send(s, 'USER alice@example.com');
    await send(s, 'CAPA');
    assert.equal(statusOf(await send(s, `PASS ${PASSWORD}`)), '-ERR Send USER first');
    await send(s, 'USER alice@example.com');
    await send(s, 'BOGUS');
    assert.equal(statusOf(await send(s, `PASS ${PASSWORD}`)), '-ERR Send USER first');
  });

  it('locks the maildrop: a second session gets [IN-USE] until the first ends (RFC 2449 §8.1.2)', async () => {
    const first = await loggedIn();
    const second = session();
    await send(second, 'USER alice@example.com');
    assert.equal(statusOf(await send(second, `PASS ${PASSWORD}`)), '-ERR [IN-USE] Maildrop locked: do you have another POP session running?');
    assert.equal(second.state.phase, 'authorization', 'the second session may try again');
    await first.finish('closed');
    await send(second, 'USER alice@example.com');
    assert.match(statusOf(await send(second, `PASS ${PASSWORD}`)), /^\+OK Logged in/);
    await second.finish('closed');
  });

  it('enforces LOGIN-DELAY with a lease, keeping the maildrop lock free (RFC 2449 §8.1.1)', async () => {
    const ctx = context({ loginDelaySeconds: 3600 });
    const first = await loggedIn(ctx);
    await first.finish('closed');
    const second = session({ ctx });
    await send(second, 'USER alice@example.com');
    assert.equal(statusOf(await send(second, `PASS ${PASSWORD}`)), '-ERR [LOGIN-DELAY] Logins are allowed once every 3600 seconds');
    assert.equal(await storage.acquireLease(maildropLockName(account.id), 'probe', 1000), true, 'the refused login released the maildrop lock');
    await storage.releaseLease(maildropLockName(account.id), 'probe');
    await storage.releaseLease(loginDelayLeaseName(account.id), first.state.id);
  });

  it('numbers messages in UID order and lists, marks, resets and removes at QUIT only', async () => {
    const s = await loggedIn();
    assert.equal(statusOf(await send(s, 'STAT')), `+OK 3 ${TOTAL}`);
    const uids = bodyOf(await send(s, 'UIDL')).split('\r\n').filter(Boolean);
    assert.equal(uids.length, 3);
    assert.match(uids[0] ?? '', new RegExp(`^1 ${inbox.uidValidity}\\.\\d+$`));
    assert.equal(statusOf(await send(s, 'DELE 2')), '+OK Message deleted');
    assert.equal(statusOf(await send(s, 'DELE 2')), '-ERR Message is marked deleted');
    assert.equal(statusOf(await send(s, 'RETR 2')), '-ERR Message is marked deleted');
    assert.equal(statusOf(await send(s, 'RETR 4')), '-ERR No such message');
    assert.equal(statusOf(await send(s, 'STAT')), `+OK 2 ${TOTAL - (SIZES[1] ?? 0)}`);
    assert.equal(bodyOf(await send(s, 'LIST')), `1 ${SIZES[0]}\r\n3 ${SIZES[2]}\r\n`);
    assert.equal(statusOf(await send(s, 'RSET')), `+OK Maildrop has 3 messages (${TOTAL} octets)`);
    await send(s, 'DELE 1');
    await send(s, 'DELE 3');
    const listed = await storage.listMessages(account.id, inbox.id);
    assert.equal(listed.ok && listed.value.length, 3, 'DELE changes nothing in storage');
    const bye = await send(s, 'QUIT');
    assert.equal(statusOf(bye), '+OK Postwarden POP3 server signing off (2 messages deleted, 1 left)');
    assert.equal(closes(bye), true);
    const after = await storage.listMessages(account.id, inbox.id);
    assert.ok(after.ok);
    assert.deepEqual(after.value.length, 1);
    await s.finish('quit');
    assert.equal(s.state.removed, 2);
  });

  it('removes nothing when the session ends without QUIT (RFC 1939 §6)', async () => {
    const s = await loggedIn();
    await send(s, 'DELE 1');
    await send(s, 'DELE 2');
    await s.finish('closed');
    const listed = await storage.listMessages(account.id, inbox.id);
    assert.equal(listed.ok && listed.value.length, 3);
  });

  it('with EXPIRE 0, removes what RETR retrieved at QUIT, not what TOP showed (RFC 2449 §6.7)', async () => {
    const s = await loggedIn(context({ expire: '0' }));
    assert.match(statusOf(await send(s, 'RETR 1')), /^\+OK \d+ octets$/);
    assert.match(statusOf(await send(s, 'TOP 2 0')), /^\+OK/);
    assert.equal(statusOf(await send(s, 'QUIT')), '+OK Postwarden POP3 server signing off (1 messages deleted, 2 left)');
    const listed = await storage.listMessages(account.id, inbox.id);
    assert.equal(listed.ok && listed.value.length, 2);
  });

  it('answers -ERR for a message another client removed after the login', async () => {
    const s = await loggedIn();
    const listed = await storage.listMessages(account.id, inbox.id);
    assert.ok(listed.ok);
    await storage.removeMessages(account.id, inbox.id, [listed.value[0]?.uid ?? 0]);
    assert.equal(statusOf(await send(s, 'RETR 1')), '-ERR Message was removed by another client');
    assert.equal(statusOf(await send(s, 'TOP 1 0')), '-ERR Message was removed by another client');
    assert.match(statusOf(await send(s, 'RETR 2')), /^\+OK/);
    await s.finish('closed');
  });

  it('removes nothing when the lock was lost to another session', async () => {
    const s = await loggedIn();
    await send(s, 'DELE 1');
    // The lease expired (a stalled process) and another session took it.
    await storage.releaseLease(maildropLockName(account.id), s.state.id);
    assert.equal(await storage.acquireLease(maildropLockName(account.id), 'another-session', 60_000), true);
    const bye = await send(s, 'QUIT');
    assert.equal(statusOf(bye), '-ERR [SYS/TEMP] The maildrop lock was lost; nothing was deleted');
    assert.equal(closes(bye), true);
    const listed = await storage.listMessages(account.id, inbox.id);
    assert.equal(listed.ok && listed.value.length, 3);
    await storage.releaseLease(maildropLockName(account.id), 'another-session');
  });

  it(`closes after ${MAX_INVALID_COMMANDS_PER_SESSION} invalid commands`, async () => {
    const s = session();
    for (let i = 0; i < MAX_INVALID_COMMANDS_PER_SESSION; i++) assert.equal(closes(await send(s, 'XYZZY')), false);
    const last = await send(s, 'XYZZY');
    assert.equal(statusOf(last), '-ERR Too many invalid commands; closing the connection');
    assert.equal(closes(last), true);
    const t = session();
    assert.equal(statusOf(t.invalidLine('too-long')), '-ERR Command line too long');
    assert.equal(statusOf(t.invalidLine('bare-lf')), '-ERR Command lines must end with CRLF');
  });

  it('answers a command that throws with [SYS/TEMP] and keeps the session (house rule 8)', async () => {
    const broken = new Proxy(storage, {
      get(target, key, receiver) {
        if (key === 'readMessage') return async () => Promise.reject(new Error('disk on fire'));
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const s = await loggedIn(context({}, broken));
    assert.equal(statusOf(await send(s, 'RETR 1')), '-ERR [SYS/TEMP] Internal error; try again later');
    assert.equal(statusOf(await send(s, 'NOOP')), '+OK');
    assert.equal(statusOf(await send(s, 'STAT')), `+OK 3 ${TOTAL}`);
    await s.finish('closed');
  });

  it('runs SASL PLAIN and SCRAM-style continuations, with "*" cancelling (RFC 5034 §4)', async () => {
    const s = session();
    const first = await send(s, 'AUTH PLAIN');
    assert.deepEqual(first, { kind: 'challenge', data: '' });
    assert.equal(statusOf(await send(s, '*')), '-ERR Authentication cancelled');
    assert.equal(statusOf(await send(s, 'AUTH PLAIN not_base64')), '-ERR The initial response must be base64 or "="');
    assert.equal(statusOf(await send(s, 'AUTH NOPE')), '-ERR Unrecognized authentication mechanism');
    await send(s, 'AUTH PLAIN');
    assert.equal(statusOf(s.invalidLine('too-long')), '-ERR Cannot decode the authentication data');
    assert.equal(s.inSasl, false);
    const plain = Buffer.from(`\0alice@example.com\0${PASSWORD}`).toString('base64');
    assert.match(statusOf(await send(s, `AUTH PLAIN ${plain}`)), /^\+OK Logged in/);
    await s.finish('closed');
  });
});
