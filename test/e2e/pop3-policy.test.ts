// POP3 policies from the [pop3] config, each on a server configured for it: plaintext logins
// from loopback, EXPIRE 0, LOGIN-DELAY, the autologout timer, the per-network connection limit,
// and a server shutdown in the middle of a session (nothing deleted).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deliver } from '../helpers/pop3-delivery.ts';
import { RawPop3 } from '../helpers/pop3-client.ts';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { runPython } from '../helpers/python.ts';

interface PopResult {
  capa_plain?: Record<string, string[]>;
  utf8?: string;
  login?: string;
  steps: unknown[];
  error?: string;
}

const subjects = async (server: MailServer, user: string) =>
  (await server.messages(user)).map((message) => message.toString().split('\r\n').find((line) => line.startsWith('Subject: ')));

describe('pop3: plaintext on loopback, EXPIRE 0, LOGIN-DELAY, shutdown', () => {
  let server: MailServer;
  const users = ['plain', 'delay', 'expire', 'shutdown'].map((name) => `${name}@example.com`);

  before(async () => {
    server = await startMailServer(['example.com'], users.map((address) => ({ address, password: PASSWORD })), {
      POSTWARDEN_POP3_PLAINTEXT_LOCALHOST: 'true',
      POSTWARDEN_POP3_EXPIRE: '0',
      POSTWARDEN_POP3_LOGIN_DELAY_SECONDS: '3600',
    });
  });
  after(() => server.close());

  it('offers USER and SASL without TLS to a loopback client when plaintext_localhost is set, and takes UTF8', async () => {
    const result = await runPython<PopResult>('pop3_client.py', {
      host: '127.0.0.1', port: server.port('pop3'), mode: 'plain', utf8: true, login: { method: 'user', user: users[0], password: PASSWORD }, steps: [['stat'], ['quit']],
    });
    assert.equal(result.error, undefined);
    assert.deepEqual(result.capa_plain, {
      TOP: [], UIDL: [], USER: [], SASL: ['SCRAM-SHA-256', 'PLAIN', 'LOGIN'], 'RESP-CODES': [], 'AUTH-RESP-CODE': [], PIPELINING: [],
      EXPIRE: ['0'], 'LOGIN-DELAY': ['3600'], UTF8: ['USER'], STLS: [],
    });
    assert.equal(result.utf8, '+OK UTF-8 mode enabled');
    assert.match(result.login ?? '', /^\+OK Logged in/);
    assert.deepEqual(result.steps[0], [0, 0]);
  });

  it('refuses a second login within LOGIN-DELAY with [LOGIN-DELAY] (RFC 2449 §8.1.1)', async () => {
    const user = users[1] ?? '';
    const { client: first } = await RawPop3.connect(server.port('pop3s'), { tls: true });
    assert.match((await first.login(user, PASSWORD)) ?? '', /^\+OK Logged in/);
    assert.match((await first.command('QUIT')) ?? '', /^\+OK/);
    for (let attempt = 0; attempt < 2; attempt++) {
      const { client } = await RawPop3.connect(server.port('pop3s'), { tls: true });
      assert.equal(await client.login(user, PASSWORD), '-ERR [LOGIN-DELAY] Logins are allowed once every 3600 seconds');
      assert.equal(await client.command('QUIT'), '+OK Postwarden POP3 server signing off');
    }
  });

  it('with EXPIRE 0, deletes retrieved messages at QUIT even without DELE (RFC 2449 §6.7)', async () => {
    const user = users[2] ?? '';
    for (const subject of ['one', 'two', 'three']) await deliver(server, [user], Buffer.from(`Subject: ${subject}\r\n\r\nbody\r\n`));
    const { client } = await RawPop3.connect(server.port('pop3s'), { tls: true });
    assert.match((await client.login(user, PASSWORD)) ?? '', /^\+OK Logged in/);
    assert.match((await client.multiline('RETR 1')).status ?? '', /^\+OK \d+ octets$/);
    assert.match((await client.multiline('TOP 2 0')).status ?? '', /^\+OK/);
    assert.equal(await client.command('DELE 3'), '+OK Message deleted');
    assert.equal(await client.command('QUIT'), '+OK Postwarden POP3 server signing off (2 messages deleted, 1 left)');
    assert.deepEqual(await subjects(server, user), ['Subject: two'], 'retrieved and deleted are gone; the message TOP showed stays');
  });

  it('tells a session of a shutdown and deletes nothing for it', async () => {
    const user = users[3] ?? '';
    await deliver(server, [user], Buffer.from('Subject: keep\r\n\r\nbody\r\n'));
    const { client } = await RawPop3.connect(server.port('pop3s'), { tls: true });
    assert.match((await client.login(user, PASSWORD)) ?? '', /^\+OK Logged in/);
    assert.equal(await client.command('DELE 1'), '+OK Message deleted');
    const stopped = server.serve.stop();
    assert.equal(await client.status(), '-ERR [SYS/TEMP] Server shutting down; try again later');
    assert.ok(await client.waitClosed());
    assert.equal(await stopped, 0);
    assert.deepEqual(await subjects(server, user), ['Subject: keep']);
  });
});

describe('pop3: autologout timer and connection limit', () => {
  let server: MailServer;

  before(async () => {
    server = await startMailServer(['example.com'], [{ address: 'idle@example.com', password: PASSWORD }], {
      POSTWARDEN_POP3_IDLE_TIMEOUT_SECONDS: '3',
      POSTWARDEN_POP3_MAX_CONNECTIONS_PER_IP: '2',
    });
  });
  after(() => server.close());

  it('limits connections per client network', async () => {
    const first = await RawPop3.connect(server.port('pop3'));
    const second = await RawPop3.connect(server.port('pop3s'), { tls: true });
    assert.equal(first.greeting, '+OK Postwarden POP3 server ready');
    assert.equal(second.greeting, '+OK Postwarden POP3 server ready');
    const third = await RawPop3.connect(server.port('pop3'));
    assert.equal(third.greeting, '-ERR [SYS/TEMP] Too many connections from your network; try again later');
    assert.ok(await third.client.waitClosed());
    first.client.close();
    second.client.close();
  });

  it('closes an idle session silently and without entering UPDATE (RFC 1939 §3)', async () => {
    await deliver(server, ['idle@example.com'], Buffer.from('Subject: stays\r\n\r\nbody\r\n'));
    const { client } = await RawPop3.connect(server.port('pop3s'), { tls: true });
    assert.match((await client.login('idle@example.com', PASSWORD)) ?? '', /^\+OK Logged in/);
    assert.equal(await client.command('DELE 1'), '+OK Message deleted');
    client.send('NO'); // half a command, never finished
    assert.equal(await client.status(), undefined, 'closed without a response');
    assert.equal(client.pending, 0);
    assert.equal((await server.messages('idle@example.com')).length, 1, 'the marked message stays');
  });
});
