// The SMTP session's limits, driven without sockets on a real SQLite store: transactions per
// session, AUTH failures per session, recipients per message, errors per session, and the
// message size limit for DATA and BDAT.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addUser } from '../../../admin/accounts.ts';
import { addDomain } from '../../../admin/domains.ts';
import { Authenticator } from '../../../auth/authenticator.ts';
import { systemClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/log.ts';
import type { Storage } from '../../../storage/api.ts';
import { masterKeyFromHex } from '../../../storage/crypto/master-key.ts';
import { openSqliteStorage } from '../../../storage/sqlite/open.ts';
import { MAX_AUTH_FAILURES_PER_SESSION, MAX_TRANSACTIONS_PER_SESSION } from './limits.ts';
import { SmtpSession, type Action } from './session.ts';
import { newSessionState, type ListenerRole, type SmtpContext } from './state.ts';

const PASSWORD = 'correct horse battery staple';

function replyOf(action: Action): { code: number; close: boolean } {
  if (action.kind !== 'reply' && action.kind !== 'sasl') assert.fail(`expected a reply, got ${action.kind}`);
  return { code: action.reply.code, close: action.kind === 'reply' && action.close === true };
}

describe('smtp session limits', () => {
  let dir: string;
  let storage: Storage;
  let ctx: SmtpContext;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postwarden-session-'));
    storage = await openSqliteStorage({ dataDir: dir, master: masterKeyFromHex('77'.repeat(32)) });
    assert.ok((await addDomain(storage, 'example.com')).ok);
    assert.ok((await addUser(storage, { address: 'alice@example.com', password: PASSWORD })).ok);
    ctx = {
      hostname: 'mx.example.com',
      storage,
      authenticator: new Authenticator({ accounts: storage, sleep: async () => undefined }),
      logger: silentLogger(),
      clock: systemClock,
      limits: { maxMessageSize: 1000, maxRecipients: 100, maxErrors: 5 },
      verpSecret: new Uint8Array(32).fill(7),
      queued: () => undefined,
    };
  });
  after(async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  function session(role: ListenerRole = 'mx', tls = false): SmtpSession {
    return new SmtpSession(ctx, newSessionState(role, '192.0.2.1', tls ? { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' } : undefined, !tls));
  }
  const send = (s: SmtpSession, line: string) => s.line(Buffer.from(line));

  it(`allows ${MAX_TRANSACTIONS_PER_SESSION} transactions in a session, then asks for a new one`, async () => {
    const s = session();
    await send(s, 'EHLO client.example');
    for (let i = 0; i < MAX_TRANSACTIONS_PER_SESSION; i++) {
      assert.equal(replyOf(await send(s, 'MAIL FROM:<a@remote.example>')).code, 250);
      assert.equal(replyOf(await send(s, 'RSET')).code, 250);
    }
    assert.equal(replyOf(await send(s, 'MAIL FROM:<a@remote.example>')).code, 421);
  });

  it(`closes after ${MAX_AUTH_FAILURES_PER_SESSION} failed AUTH attempts`, async () => {
    const s = session('submission', true);
    await send(s, 'EHLO client.example');
    const wrong = Buffer.from('\0alice@example.com\0wrong password').toString('base64');
    for (let i = 1; i <= MAX_AUTH_FAILURES_PER_SESSION; i++) {
      const answer = replyOf(await send(s, `AUTH PLAIN ${wrong}`));
      assert.equal(answer.code, 535);
      assert.equal(answer.close, i === MAX_AUTH_FAILURES_PER_SESSION);
    }
    const good = session('submission', true);
    await send(good, 'EHLO client.example');
    assert.equal(replyOf(await send(good, `AUTH PLAIN ${Buffer.from(`\0alice@example.com\0${PASSWORD}`).toString('base64')}`)).code, 235);
  });

  it('refuses the recipient past the per-message limit with 452', async () => {
    const s = session();
    await send(s, 'EHLO client.example');
    await send(s, 'MAIL FROM:<a@remote.example>');
    for (let i = 0; i < ctx.limits.maxRecipients; i++) assert.equal(replyOf(await send(s, `RCPT TO:<alice+${i}@example.com>`)).code, 250);
    const over = await send(s, 'RCPT TO:<alice@example.com>');
    assert.equal(replyOf(over).code, 452);
  });

  it('ends the session when the errors pass the limit', async () => {
    const s = session();
    for (let i = 0; i < ctx.limits.maxErrors; i++) assert.equal(replyOf(await send(s, 'NONSENSE')).code, 500);
    assert.deepEqual(replyOf(await send(s, 'NONSENSE')), { code: 421, close: true });
  });

  it('refuses data over the size limit with 552, for DATA and for BDAT', async () => {
    const s = session();
    await send(s, 'EHLO client.example');
    await send(s, 'MAIL FROM:<a@remote.example>');
    await send(s, 'RCPT TO:<alice@example.com>');
    assert.equal((await send(s, 'DATA')).kind, 'data');
    assert.equal((await s.dataEnd([], 'too-large')).code, 552);
    await send(s, 'MAIL FROM:<a@remote.example>');
    await send(s, 'RCPT TO:<alice@example.com>');
    const half = Buffer.alloc(600, 0x61);
    assert.equal(replyOf(await s.chunk([half], half.length, false)).code, 250);
    assert.equal(replyOf(await s.chunk([half], half.length, false)).code, 552, 'the second chunk passes the limit');
    assert.equal(replyOf(await s.chunk([half], half.length, true)).code, 552, 'LAST still answers for the message');
    assert.equal(replyOf(await send(s, 'RCPT TO:<alice@example.com>')).code, 503, 'the transaction is over');
  });
});
