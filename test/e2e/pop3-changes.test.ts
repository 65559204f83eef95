// What a POP3 deletion means to the rest of the system, seen through a second handle on the
// store: the UPDATE state's removal is one expunge that changesSince() reports as vanished UIDs
// (what IMAP's QRESYNC/EXPUNGE push is built on) and, where the store carries events across
// processes (PostgreSQL), an expunge change event. On PostgreSQL also: two server processes
// sharing the store share the maildrop lock. The PostgreSQL part needs POSTWARDEN_TEST_PG_URL
// (CI sets it) and reports itself skipped without it. An IMAP session that has the INBOX
// selected is told about the removal at its next NOOP (EXPUNGE responses, RFC 9051 §7.5.1).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ImapClient } from '../helpers/imap-client.ts';
import { deliver, inboxRecords } from '../helpers/pop3-delivery.ts';
import { RawPop3 } from '../helpers/pop3-client.ts';
import type { ChangeEvent } from '../../src/storage/api.ts';
import { masterKeyFromHex } from '../../src/storage/crypto/master-key.ts';
import { openPostgresStorage } from '../../src/storage/postgres/open.ts';
import { runCli } from '../helpers/cli.ts';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { adminQuery, databaseUrl, TEST_PG_URL } from '../helpers/postgres.ts';
import { startServe, type RunningServe } from '../helpers/serve.ts';

const USER = 'alice@example.com';

async function login(port: number, user = USER): Promise<{ client: RawPop3; answer: string | undefined }> {
  const { client } = await RawPop3.connect(port, { tls: true });
  return { client, answer: await client.login(user, PASSWORD) };
}

async function eventually(predicate: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail('the expected condition did not happen in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** DELE 1 and 3, QUIT: the store reports exactly those UIDs vanished, and an event where it can. */
async function deletionIsSeen(server: MailServer): Promise<void> {
  for (const subject of ['one', 'two', 'three']) await deliver(server, [USER], Buffer.from(`Subject: ${subject}\r\n\r\nbody\r\n`));
  const account = await server.store.getAccount(USER);
  const inbox = account && (await server.store.getMailbox(account.id, 'INBOX'));
  assert.ok(account && inbox);
  const status = await server.store.mailboxStatus(account.id, inbox.id);
  assert.ok(status.ok);
  const { records } = await inboxRecords(server, USER);
  const events: ChangeEvent[] = [];
  const unsubscribe = server.store.onChange((event) => events.push(event));
  const imap = await ImapClient.connect(server.port('imaps'), { tls: true });
  try {
    await imap.login(USER, PASSWORD);
    await imap.ok('SELECT INBOX');
    const { client, answer } = await login(server.port('pop3s'));
    assert.match(answer ?? '', /^\+OK Logged in; maildrop has 3 messages/);
    assert.equal(await client.command('DELE 1'), '+OK Message deleted');
    assert.equal(await client.command('DELE 3'), '+OK Message deleted');
    assert.equal(await client.command('QUIT'), '+OK Postwarden POP3 server signing off (2 messages deleted, 1 left)');
    const changes = await server.store.changesSince(account.id, inbox.id, status.value.highestModSeq);
    assert.ok(changes.ok);
    assert.deepEqual(changes.value.vanished, [records[0]?.uid, records[2]?.uid], 'one expunge of the two deleted UIDs');
    assert.deepEqual((await inboxRecords(server, USER)).records.map((record) => record.uid), [records[1]?.uid]);
    if (server.store.capabilities.crossProcessEvents) {
      await eventually(() => events.some((event) => event.kind === 'expunge' && event.accountId === account.id && event.mailboxId === inbox.id));
      const expunge = events.find((event) => event.kind === 'expunge');
      assert.ok((expunge?.modSeq ?? 0) > status.value.highestModSeq);
      assert.equal(events.filter((event) => event.kind === 'expunge').length, 1, 'one transaction, one event');
    }
    const noop = await imap.ok('NOOP');
    const expunges = noop.untagged.map((response) => Buffer.from(response.raw).toString()).filter((text) => / EXPUNGE\r\n$/.test(text));
    assert.deepEqual(expunges, ['* 3 EXPUNGE\r\n', '* 1 EXPUNGE\r\n'], 'the IMAP session sees both messages go');
  } finally {
    unsubscribe();
    imap.close();
  }
}

describe('pop3: deletions seen by other sessions (SQLite)', () => {
  it('reports the UPDATE removal as vanished UIDs to the other handle', async () => {
    const server = await startMailServer(['example.com'], [{ address: USER, password: PASSWORD }]);
    try {
      await deletionIsSeen(server);
    } finally {
      await server.close();
    }
  });
});

/** A server on a fresh PostgreSQL database, set up through the real CLI, with its own store handle. */
async function startOnPostgres(url: string, masterHex: string): Promise<MailServer & { env: NodeJS.ProcessEnv }> {
  const env = { POSTWARDEN_STORAGE_DRIVER: 'postgres', POSTWARDEN_STORAGE_URL: url, POSTWARDEN_STORAGE_MASTER_KEY: masterHex, POSTWARDEN_SMTP_GREETING_DELAY_MS: '0' };
  const cwd = await mkdtemp(join(tmpdir(), 'postwarden-pop3-pg-'));
  for (const args of [['domain', 'add', 'example.com'], ['user', 'add', USER, '--password-stdin']]) {
    const done = await runCli(args, { cwd, env, input: PASSWORD });
    assert.equal(done.status, 0, done.stderr);
  }
  const serve = await startServe(cwd, env);
  const store = await openPostgresStorage({ url, master: masterKeyFromHex(masterHex), poolSize: 2 });
  return {
    cwd,
    serve,
    store,
    env,
    port(name) {
      const port = serve.ports.get(name);
      if (port === undefined) throw new Error(`no ${name} listener`);
      return port;
    },
    async messages() {
      throw new Error('not used');
    },
    async close() {
      await serve.stop();
      await store.close();
      await rm(cwd, { recursive: true, force: true });
    },
  };
}

if (TEST_PG_URL === '') {
  it('pop3 on PostgreSQL', { skip: 'POSTWARDEN_TEST_PG_URL is not set' }, () => {});
} else {
  describe('pop3: deletions and locks across processes (PostgreSQL)', () => {
    it('pushes an expunge event to another process and shares the maildrop lock between server processes', async () => {
      const database = `postwarden_pop3_${randomBytes(6).toString('hex')}`;
      await adminQuery(`CREATE DATABASE ${database}`);
      const masterHex = randomBytes(32).toString('hex');
      const server = await startOnPostgres(databaseUrl(database), masterHex);
      let second: RunningServe | undefined;
      const secondCwd = await mkdtemp(join(tmpdir(), 'postwarden-pop3-pg2-'));
      try {
        await deletionIsSeen(server);

        // A second process on the same database (its own data directory).
        second = await startServe(secondCwd, server.env);
        const secondPort = second.ports.get('pop3s') ?? 0;
        const { client: first, answer } = await login(server.port('pop3s'));
        assert.match(answer ?? '', /^\+OK Logged in/);
        const { client: other, answer: refused } = await login(secondPort);
        assert.equal(refused, '-ERR [IN-USE] Maildrop locked: do you have another POP session running?', 'the lock holds across processes');
        assert.match((await first.command('QUIT')) ?? '', /^\+OK/);
        assert.match((await other.login(USER, PASSWORD)) ?? '', /^\+OK Logged in/, 'and frees across processes');
        await other.command('QUIT');
      } finally {
        await second?.stop();
        await server.close();
        await rm(secondCwd, { recursive: true, force: true });
        await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      }
    });
  });
}
