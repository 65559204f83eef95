// POP3 against hostile and broken clients, over raw sockets: garbage and NULs (POP3 greets at
// once, so there is no "before the greeting"), 100 KB lines, bare LF, STLS injection,
// credentials before TLS, SASL garbage, failed logins, and a session dropped after DELE.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deliver } from '../helpers/pop3-delivery.ts';
import { RawPop3 } from '../helpers/pop3-client.ts';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';

async function connect(server: MailServer, tls = false): Promise<RawPop3> {
  const { client, greeting } = await RawPop3.connect(server.port(tls ? 'pop3s' : 'pop3'), { tls });
  assert.equal(greeting, '+OK Postwarden POP3 server ready');
  return client;
}

async function capaWorks(client: RawPop3): Promise<void> {
  const capa = await client.multiline('CAPA');
  assert.equal(capa.status, '+OK Capability list follows', 'the session is still there');
}

describe('pop3: hostile and broken clients', () => {
  let server: MailServer;
  const alice = 'alice@example.com';

  before(async () => {
    server = await startMailServer(['example.com'], [alice, 'bob@example.com', 'mallory@example.com'].map((address) => ({ address, password: PASSWORD })));
  });
  after(() => server.close());

  it('answers garbage, NULs and binary lines with -ERR and stays up', async () => {
    const client = await connect(server);
    const garbage = ['\x00\x00\x00', 'GET / HTTP/1.1', 'Host: example.com', '\xff\xfe\xfd', 'STAT\x00', 'USER\x00alice', 'QUIT please', '', ' ', 'RETR\t1'];
    for (const line of garbage) {
      client.send(Buffer.from(`${line}\r\n`, 'latin1'));
      assert.match((await client.status()) ?? '', /^-ERR /, JSON.stringify(line));
    }
    await capaWorks(client);
    client.close();
  });

  it('answers a 100 KB line with -ERR, whole or in pieces, and keeps the session', async () => {
    const client = await connect(server, true);
    assert.equal(await client.command(`USER ${'a'.repeat(100 * 1024)}`), '-ERR Command line too long');
    const piece = Buffer.alloc(1024, 0x41);
    for (let i = 0; i < 100; i++) client.send(piece);
    assert.equal(await client.command(''), '-ERR Command line too long');
    assert.equal(await client.command(`USER ${'a'.repeat(300)}`), '-ERR Command line too long', 'over the 255 octets of RFC 2449 §4');
    assert.equal(await client.command(`AUTH PLAIN ${'A'.repeat(100 * 1024)}`), '-ERR Command line too long');
    await capaWorks(client);
    assert.match((await client.login(alice, PASSWORD)) ?? '', /^\+OK Logged in/);
    assert.equal(await client.command('QUIT'), '+OK Postwarden POP3 server signing off (0 messages deleted, 0 left)');
  });

  it('refuses lines ended by a bare LF', async () => {
    const client = await connect(server, true);
    client.send('CAPA\nUSER alice@example.com\n');
    assert.equal(await client.status(), '-ERR Command lines must end with CRLF');
    assert.equal(await client.status(), '-ERR Command lines must end with CRLF');
    await capaWorks(client);
    client.close();
  });

  it('refuses USER, PASS and AUTH before TLS on the pop3 port (RFC 2595, RFC 3206 [AUTH])', async () => {
    const client = await connect(server);
    const refusal = '-ERR [AUTH] Plaintext authentication is not allowed without TLS; use STLS first';
    assert.equal(await client.command(`USER ${alice}`), refusal);
    assert.equal(await client.command(`PASS ${PASSWORD}`), refusal);
    assert.equal(await client.command(`AUTH PLAIN ${Buffer.from(`\0${alice}\0${PASSWORD}`).toString('base64')}`), refusal);
    assert.equal(await client.command('STAT'), '-ERR Command not valid in this state');
    client.close();
  });

  it('discards plaintext injected after STLS and forgets everything from before TLS (RFC 2595 §4)', async () => {
    const client = await connect(server);
    client.send(`UTF8\r\nSTLS\r\nUSER ${alice}\r\nPASS ${PASSWORD}\r\nDELE 1\r\n`);
    assert.equal(await client.status(), '+OK UTF-8 mode enabled');
    assert.equal(await client.status(), '+OK Begin TLS negotiation');
    await client.startTls();
    assert.equal(await client.command(`PASS ${PASSWORD}`), '-ERR Send USER first', 'the injected USER was never read');
    const capa = await client.multiline('CAPA');
    assert.ok(!capa.body?.toString().includes('STLS'), 'no STLS once TLS is up');
    assert.equal(await client.command('STLS'), '-ERR Command not permitted when TLS active');
    assert.match((await client.login(alice, PASSWORD)) ?? '', /^\+OK Logged in/);
    client.close();
  });

  it('answers SASL garbage with -ERR and stays up (RFC 5034 §4)', async () => {
    const client = await connect(server, true);
    const cases = [
      Buffer.from('no nul at all').toString('base64'),
      Buffer.from(`\0\0\0${alice}`).toString('base64'),
      Buffer.from(`\0${alice}\0`).toString('base64'),
      'not*base64!',
      'QUJD=', // bad padding
    ];
    for (const garbage of cases) assert.match((await client.command(`AUTH PLAIN ${garbage}`)) ?? '', /^-ERR /, garbage);
    assert.equal(await client.command('AUTH PLAIN'), '+ ');
    assert.equal(await client.command('*'), '-ERR Authentication cancelled');
    assert.equal(await client.command('AUTH PLAIN'), '+ ');
    assert.equal(await client.command('%%%'), '-ERR Cannot decode the authentication data');
    assert.equal(await client.command('AUTH PLAIN'), '+ ');
    assert.equal(await client.command('A'.repeat(100 * 1024)), '-ERR Cannot decode the authentication data');
    assert.equal(await client.command('AUTH CRAM-MD5'), '-ERR Unrecognized authentication mechanism');
    assert.equal(await client.command('AUTH'), '-ERR Syntax: AUTH mechanism [initial-response]');
    await capaWorks(client);
    const plain = Buffer.from(`\0${alice}\0${PASSWORD}`).toString('base64');
    assert.match((await client.command(`AUTH PLAIN ${plain}`)) ?? '', /^\+OK Logged in/);
    client.close();
  });

  it('closes a session after three failed logins', async () => {
    const client = await connect(server, true);
    for (let i = 0; i < 3; i++) {
      assert.equal(await client.command('USER mallory@example.com'), '+OK Send PASS');
      assert.equal(await client.command('PASS not the password'), '-ERR [AUTH] Authentication failed');
    }
    assert.ok(await client.waitClosed());
  });

  it('deletes nothing when the connection drops after DELE (RFC 1939 §6)', async () => {
    const user = 'bob@example.com';
    await deliver(server, [user], Buffer.from('Subject: one\r\n\r\nx\r\n'));
    await deliver(server, [user], Buffer.from('Subject: two\r\n\r\nx\r\n'));
    const client = await connect(server, true);
    assert.match((await client.login(user, PASSWORD)) ?? '', /^\+OK Logged in/);
    assert.equal(await client.command('DELE 1'), '+OK Message deleted');
    assert.equal(await client.command('DELE 2'), '+OK Message deleted');
    client.send('QUI'); // the QUIT never completes
    client.close();
    // The lock is released when the server sees the close; then a new session finds both messages.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const next = await connect(server, true);
      const answer = await next.login(user, PASSWORD);
      if (answer?.startsWith('+OK') === true) {
        assert.match(answer, /maildrop has 2 messages/);
        next.close();
        break;
      }
      next.close();
      assert.ok(Date.now() < deadline, answer);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await server.messages(user)).length, 2);
  });
});
