// POP3 as real clients use it: Python's poplib over STLS (USER/PASS, AUTH PLAIN) and implicit
// TLS, SCRAM-SHA-256 over a raw socket, and the maildrop semantics of RFC 1939: byte-exact
// RETR/TOP with dot-stuffing and 8-bit bodies, exact sizes, stable UIDLs, DELE taking effect at
// QUIT only, RSET, and the maildrop lock between sessions. Mail arrives over SMTP first; the
// store is inspected through a second handle.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deliver, inboxRecords, logLine } from '../helpers/pop3-delivery.ts';
import { RawPop3 } from '../helpers/pop3-client.ts';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { runPython } from '../helpers/python.ts';
import { ScramClient } from '../helpers/scram-client.ts';

interface PopResult {
  welcome?: string;
  capa_plain?: Record<string, string[]>;
  capa?: Record<string, string[]>;
  stls?: string;
  utf8?: string;
  login?: string;
  steps: unknown[];
  error?: string;
}

interface Fetched {
  response: string;
  body: string;
  octets: number;
}

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan'].map((name) => `${name}@example.com`);

const UTF8_USER = 'j\u00fcrgen@example.org';

const TEXT = Buffer.from('From: someone@remote.example\r\nTo: alice@example.com\r\nSubject: plain\r\n\r\nHello Alice.\r\nSecond line.\r\n');
const DOTS = Buffer.from('From: someone@remote.example\r\nSubject: dots\r\n\r\n.\r\n..\r\n.leading dot\r\n. space\r\n...\r\nend\r\n.\r\n');
/** Every byte value but LF, CR only inside a line, NUL included: an 8-bit/binary body. */
const BINARY = Buffer.concat([
  Buffer.from('From: someone@remote.example\r\nSubject: binary\r\nContent-Type: application/octet-stream\r\n\r\n'),
  Buffer.from([...Array.from({ length: 256 }, (_, byte) => byte).filter((byte) => byte !== 0x0a && byte !== 0x0d), 0x0d, 0x41]),
  Buffer.from('\r\n.\xff\x00\r\n\x80\x81\r\n', 'latin1'),
]);

function pop(server: MailServer, input: Record<string, unknown>): Promise<PopResult> {
  return runPython<PopResult>('pop3_client.py', { host: '127.0.0.1', port: server.port('pop3'), mode: 'stls', ...input });
}

async function login(server: MailServer, user: string, options: { tls?: boolean } = { tls: true }): Promise<RawPop3> {
  const { client, greeting } = await RawPop3.connect(server.port(options.tls === false ? 'pop3' : 'pop3s'), options);
  assert.equal(greeting, '+OK Postwarden POP3 server ready');
  assert.match((await client.login(user, PASSWORD)) ?? '', /^\+OK Logged in/);
  return client;
}

describe('pop3: real clients and maildrop semantics', () => {
  let server: MailServer;

  before(async () => {
    server = await startMailServer(['example.com', 'example.org'], [...USERS, UTF8_USER].map((address) => ({ address, password: PASSWORD })));
  });
  after(() => server.close());

  it('lists CAPA before and after STLS, and logs in with USER/PASS only under TLS (poplib)', async () => {
    const result = await pop(server, { login: { method: 'user', user: USERS[0], password: PASSWORD }, steps: [['stat'], ['quit']] });
    assert.equal(result.error, undefined);
    assert.equal(result.welcome, '+OK Postwarden POP3 server ready');
    assert.deepEqual(result.capa_plain, {
      TOP: [], UIDL: [], 'RESP-CODES': [], 'AUTH-RESP-CODE': [], PIPELINING: [], EXPIRE: ['NEVER'], UTF8: ['USER'], STLS: [],
    }, 'no USER and no SASL before TLS');
    assert.equal(result.stls, '+OK Begin TLS negotiation');
    assert.deepEqual(result.capa, {
      TOP: [], UIDL: [], USER: [], SASL: ['SCRAM-SHA-256', 'PLAIN', 'LOGIN'], 'RESP-CODES': [], 'AUTH-RESP-CODE': [], PIPELINING: [], EXPIRE: ['NEVER'], UTF8: ['USER'],
    }, 'USER and SASL under TLS, STLS no more');
    assert.match(result.login ?? '', /^\+OK Logged in; maildrop has 0 messages \(0 octets\)$/);
    assert.deepEqual(result.steps, [[0, 0], '+OK Postwarden POP3 server signing off (0 messages deleted, 0 left)']);
  });

  it('serves STAT, LIST, UIDL, TOP and RETR byte-exact over implicit TLS, dot lines and 8-bit bodies included', async () => {
    const user = USERS[1] ?? '';
    await deliver(server, [user], TEXT);
    await deliver(server, [user], DOTS);
    await deliver(server, [user], BINARY, { binary: true });
    const stored = await server.messages(user);
    const { records, uidValidity } = await inboxRecords(server, user);
    assert.equal(stored.length, 3);
    const total = stored.reduce((sum, message) => sum + message.length, 0);
    const result = await runPython<PopResult>('pop3_client.py', {
      host: '127.0.0.1', port: server.port('pop3s'), mode: 'ssl', login: { method: 'user', user, password: PASSWORD },
      steps: [['stat'], ['list'], ['list', 3], ['uidl'], ['uidl', 2], ['retr', 1], ['retr', 2], ['retr', 3], ['top', 2, 0], ['top', 2, 3], ['top', 1, 100], ['quit']],
    });
    assert.equal(result.error, undefined);
    assert.equal(result.capa?.STLS, undefined, 'no STLS on the implicit-TLS port');
    const [statted, listed, listedOne, uidls, uidlOne, ...rest] = result.steps as [number[], { lines: string[]; response: string }, string, { lines: string[] }, string, ...Fetched[]];
    assert.deepEqual(statted, [3, total]);
    assert.equal(listed.response, `+OK 3 messages (${total} octets)`);
    assert.deepEqual(listed.lines, stored.map((message, i) => `${i + 1} ${message.length}`), 'sizes are exact for the CRLF form');
    assert.equal(listedOne, `+OK 3 ${stored[2]?.length}`);
    const expectedUids = records.map((record, i) => `${i + 1} ${uidValidity}.${record.uid}`);
    assert.deepEqual(uidls.lines, expectedUids);
    assert.equal(uidlOne, `+OK ${expectedUids[1]}`);
    for (const [i, fetched] of rest.slice(0, 3).entries()) {
      const message = stored[i] ?? Buffer.alloc(0);
      assert.equal(fetched.response, `+OK ${message.length} octets`);
      assert.ok(Buffer.from(fetched.body, 'base64').equals(message), `RETR ${i + 1} is byte-exact`);
      assert.equal(fetched.octets, message.length);
    }
    const dots = stored[1]?.toString('latin1') ?? '';
    const header = dots.slice(0, dots.indexOf('\r\n\r\n') + 4);
    assert.equal(Buffer.from(rest[3]?.body ?? '', 'base64').toString('latin1'), header, 'TOP 2 0: the header and the blank line');
    assert.equal(Buffer.from(rest[4]?.body ?? '', 'base64').toString('latin1'), `${header}.\r\n..\r\n.leading dot\r\n`, 'TOP 2 3: three body lines, unstuffed');
    assert.ok(Buffer.from(rest[5]?.body ?? '', 'base64').equals(stored[0] ?? Buffer.alloc(0)), 'TOP beyond the body is the whole message');

    // The same over a raw socket: the bytes on the wire unstuff to the stored message exactly.
    const raw = await login(server, user);
    for (const [i, message] of stored.entries()) {
      const fetched = await raw.multiline(`RETR ${i + 1}`);
      assert.equal(fetched.status, `+OK ${message.length} octets`);
      assert.ok(fetched.body?.equals(message), `raw RETR ${i + 1}`);
    }
    raw.send('RETR 2\r\n');
    assert.equal(await raw.status(), `+OK ${stored[1]?.length} octets`);
    const wire = await raw.body();
    assert.ok(wire.equals(stored[1] ?? Buffer.alloc(0)));
    assert.equal(await raw.command('QUIT'), '+OK Postwarden POP3 server signing off (0 messages deleted, 3 left)');
    assert.equal((await server.messages(user)).length, 3, 'nothing retrieved was deleted (EXPIRE NEVER)');
  });

  it('shows the stuffed bytes on the wire for lines that start with "."', async () => {
    const user = USERS[2] ?? '';
    await deliver(server, [user], DOTS);
    const client = await login(server, user);
    client.send('RETR 1\r\n');
    assert.match((await client.status()) ?? '', /^\+OK \d+ octets$/);
    const wire = (await client.wireBody()).toString('latin1');
    assert.ok(wire.endsWith('\r\n\r\n..\r\n...\r\n..leading dot\r\n.. space\r\n....\r\nend\r\n..\r\n.\r\n'), JSON.stringify(wire.slice(-80)));
    client.close();
  });

  it('logs in with AUTH PLAIN through poplib (RFC 5034)', async () => {
    const user = USERS[3] ?? '';
    const good = await pop(server, { login: { method: 'plain', user, password: PASSWORD }, steps: [['stat'], ['quit']] });
    assert.match(good.login ?? '', /^\+OK Logged in/);
    assert.deepEqual(good.steps[0], [0, 0]);
    const bad = await pop(server, { login: { method: 'plain', user, password: 'wrong password' }, steps: [] });
    assert.equal(bad.login, '-ERR [AUTH] Authentication failed');
    const unknown = await pop(server, { login: { method: 'user', user: 'nobody@example.com', password: 'wrong password' }, steps: [] });
    assert.equal(unknown.login, '-ERR [AUTH] Authentication failed', 'an unknown user is answered like a wrong password');
  });

  it('takes UTF-8 user names in USER and PASS, with or without the UTF8 command (RFC 6856)', async () => {
    for (const utf8 of [true, false]) {
      const result = await pop(server, { utf8, login: { method: 'user', user: UTF8_USER, password: PASSWORD }, steps: [['quit']] });
      assert.equal(result.utf8, utf8 ? '+OK UTF-8 mode enabled' : undefined);
      assert.match(result.login ?? '', /^\+OK Logged in/, `utf8: ${utf8}`);
    }
  });

  it('logs in with SCRAM-SHA-256 and proves the server knows the verifier', async () => {
    const user = USERS[3] ?? '';
    const { client } = await RawPop3.connect(server.port('pop3s'), { tls: true });
    const scram = new ScramClient(user, PASSWORD);
    const first = await client.command(`AUTH SCRAM-SHA-256 ${scram.first()}`);
    assert.match(first ?? '', /^\+ [A-Za-z0-9+/=]+$/);
    const final = await client.command(scram.final(first?.slice(2) ?? ''));
    assert.match(final ?? '', /^\+ /);
    assert.ok(scram.verify(final?.slice(2) ?? ''), 'the server signature verifies');
    assert.match((await client.command('')) ?? '', /^\+OK Logged in/);
    assert.equal(await client.command('QUIT'), '+OK Postwarden POP3 server signing off (0 messages deleted, 0 left)');

    const wrong = (await RawPop3.connect(server.port('pop3s'), { tls: true })).client;
    const bad = new ScramClient(user, 'wrong password');
    const challenge = await wrong.command(`AUTH SCRAM-SHA-256 ${bad.first()}`);
    assert.equal(await wrong.command(bad.final(challenge?.slice(2) ?? '')), '-ERR [AUTH] Authentication failed');
    wrong.close();
  });

  it('removes messages marked with DELE at QUIT, not when the connection drops; RSET unmarks (RFC 1939 §5-§6)', async () => {
    const user = USERS[4] ?? '';
    for (const subject of ['one', 'two', 'three']) await deliver(server, [user], Buffer.from(`Subject: ${subject}\r\n\r\nbody ${subject}\r\n`));
    const before = await server.messages(user);
    const dropped = await pop(server, { mode: 'ssl', port: server.port('pop3s'), login: { method: 'user', user, password: PASSWORD }, steps: [['dele', 1], ['dele', 2], ['stat'], ['drop']] });
    assert.deepEqual(dropped.steps.slice(0, 3), ['+OK Message deleted', '+OK Message deleted', [1, before[2]?.length]]);
    const removedNothing = async () => (await server.messages(user)).length === 3;
    assert.ok(await removedNothing(), 'an aborted session deletes nothing');

    const reset = await pop(server, { mode: 'ssl', port: server.port('pop3s'), login: { method: 'user', user, password: PASSWORD }, steps: [['dele', 1], ['rset'], ['stat'], ['quit']] });
    assert.equal(reset.error, undefined, JSON.stringify(reset));
    assert.match(String(reset.steps[1]), /^\+OK Maildrop has 3 messages/);
    assert.deepEqual(reset.steps[2], [3, before.reduce((sum, message) => sum + message.length, 0)]);
    assert.ok(await removedNothing(), 'RSET unmarked the message');

    const quit = await pop(server, { mode: 'ssl', port: server.port('pop3s'), login: { method: 'user', user, password: PASSWORD }, steps: [['dele', 2], ['list', 2], ['quit']] });
    assert.deepEqual(quit.steps.slice(0, 2), ['+OK Message deleted', { error: '-ERR Message is marked deleted' }]);
    assert.equal(quit.steps[2], '+OK Postwarden POP3 server signing off (1 messages deleted, 2 left)');
    const after = await server.messages(user);
    assert.deepEqual(after.map((message) => message.toString().split('\r\n').find((line) => line.startsWith('Subject:'))), ['Subject: one', 'Subject: three']);
  });

  it('keeps each UIDL across sessions, also after other messages are deleted', async () => {
    const user = USERS[5] ?? '';
    for (const subject of ['a', 'b', 'c']) await deliver(server, [user], Buffer.from(`Subject: ${subject}\r\n\r\nx\r\n`));
    const first = await login(server, user);
    const before = (await first.multiline('UIDL')).body?.toString().trim().split('\r\n').map((line) => line.split(' ')[1]);
    assert.equal(before?.length, 3);
    assert.equal(await first.command('DELE 1'), '+OK Message deleted');
    assert.match((await first.command('QUIT')) ?? '', /^\+OK .*1 messages deleted/);
    await deliver(server, [user], Buffer.from('Subject: d\r\n\r\nx\r\n'));
    const second = await login(server, user);
    const after = (await second.multiline('UIDL')).body?.toString().trim().split('\r\n').map((line) => line.split(' ')[1]);
    assert.deepEqual(after?.slice(0, 2), before?.slice(1), 'the same messages keep their unique-ids');
    assert.equal(new Set(after).size, 3);
    for (const id of after ?? []) assert.match(id ?? '', /^[\x21-\x7e]{1,70}$/, 'RFC 1939 §7 unique-id syntax');
    assert.ok(!before?.includes(after?.[2]), 'a new message gets a new unique-id');
    await second.command('QUIT');
  });

  it('locks the maildrop: a second session gets [IN-USE] until the first QUITs or its connection dies', async () => {
    const user = USERS[6] ?? '';
    const first = await login(server, user);
    const { client: second } = await RawPop3.connect(server.port('pop3s'), { tls: true });
    assert.equal(await second.login(user, PASSWORD), '-ERR [IN-USE] Maildrop locked: do you have another POP session running?');
    assert.match((await first.command('QUIT')) ?? '', /^\+OK/);
    assert.match((await second.login(user, PASSWORD)) ?? '', /^\+OK Logged in/, 'the lock is free once the first session QUIT');

    // Killed without QUIT: the server releases the lock when it sees the connection close.
    second.close();
    const deadline = Date.now() + 15_000;
    let answer: string | undefined;
    for (;;) {
      const { client: third } = await RawPop3.connect(server.port('pop3s'), { tls: true });
      answer = await third.login(user, PASSWORD);
      third.close();
      if (answer?.startsWith('+OK') === true || Date.now() > deadline) break;
      assert.match(answer ?? '', /\[IN-USE\]/);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(answer ?? '', /^\+OK Logged in/, 'the lock of a killed connection is released');
  });

  it('answers pipelined commands in order (RFC 2449 §6.6), large messages included', async () => {
    const user = USERS[7] ?? '';
    const line = `${'x'.repeat(70)}\r\n`;
    const big = Buffer.from(`Subject: big\r\n\r\n${line.repeat(30_000)}.${line}`);
    await deliver(server, [user], big);
    await deliver(server, [user], TEXT);
    const stored = await server.messages(user);
    const client = await login(server, user);
    client.send('STAT\r\nRETR 1\r\nNOOP\r\nRETR 2\r\nRETR 1\r\nLIST 2\r\nQUIT\r\n');
    assert.equal(await client.status(), `+OK 2 ${(stored[0]?.length ?? 0) + (stored[1]?.length ?? 0)}`);
    assert.equal(await client.status(), `+OK ${stored[0]?.length} octets`);
    assert.ok((await client.body()).equals(stored[0] ?? Buffer.alloc(0)));
    assert.equal(await client.status(), '+OK');
    assert.equal(await client.status(), `+OK ${stored[1]?.length} octets`);
    assert.ok((await client.body()).equals(stored[1] ?? Buffer.alloc(0)));
    assert.equal(await client.status(), `+OK ${stored[0]?.length} octets`);
    assert.ok((await client.body()).equals(stored[0] ?? Buffer.alloc(0)));
    assert.equal(await client.status(), `+OK 2 ${stored[1]?.length}`);
    assert.match((await client.status()) ?? '', /^\+OK .*signing off/);
    assert.ok(await client.waitClosed());
  });

  it('logs one line per session with the user and the messages retrieved and deleted', async () => {
    const user = USERS[8] ?? '';
    await deliver(server, [user], TEXT);
    const client = await login(server, user);
    await client.multiline('RETR 1');
    await client.command('DELE 1');
    await client.command('QUIT');
    const entry = await logLine(server, (line) => line.msg === 'pop3 session' && line.user === user && line.deleted === 1);
    assert.deepEqual([entry.client, entry.retrieved, entry.reason, typeof entry.tls], ['127.0.0.1', 1, 'quit', 'string']);
  });
});
