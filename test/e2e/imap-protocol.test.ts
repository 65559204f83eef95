// IMAP over real sockets: hostile input (huge literals before and after login, STARTTLS
// injection, hostile mailbox names, __proto__ header fields, 1000-deep MIME), isolation between
// accounts with similar names, pushes to concurrent sessions and during IDLE, CONDSTORE and
// QRESYNC, UIDPLUS and MOVE, and COMPRESS=DEFLATE.

import assert from 'node:assert/strict';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { constants as zlib, createDeflateRaw, createInflateRaw } from 'node:zlib';
import { astring, ImapClient } from '../helpers/imap-client.ts';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { RawSmtp } from '../helpers/smtp-client.ts';

const MESSAGE = Buffer.from('From: a@remote.example\r\nTo: alice@example.com\r\nSubject: hello\r\n\r\nHello.\r\n');

async function session(server: MailServer, user = 'alice@example.com'): Promise<ImapClient> {
  const client = await ImapClient.connect(server.port('imaps'), { tls: true });
  await client.login(user, PASSWORD);
  return client;
}

async function deliver(server: MailServer, to: string, body = 'Pushed.\r\n'): Promise<void> {
  const smtp = await RawSmtp.connect(server.port('smtp'));
  await smtp.reply();
  await smtp.command('EHLO test.example');
  await smtp.command('MAIL FROM:<a@remote.example>');
  await smtp.command(`RCPT TO:<${to}>`);
  await smtp.command('DATA');
  const done = await smtp.command(`Subject: pushed\r\n\r\n${body}.`);
  assert.equal(done?.code, 250);
  smtp.close();
}

/** Reads raw lines from a plaintext connection until `until` matches; bounded. */
function rawExchange(port: number, send: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(data);
    }, 10_000);
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n') && send) {
        socket.write(send);
        send = '';
      }
      if (until.test(data)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data);
      }
    });
    socket.on('error', reject);
  });
}

describe('imap: protocol and hostile input', () => {
  let server: MailServer;

  before(async () => {
    server = await startMailServer(['example.com'], [
      { address: 'alice@example.com', password: PASSWORD },
      { address: 'admin@example.com', password: PASSWORD },
      { address: 'adm@example.com', password: PASSWORD },
    ]);
  });
  after(() => server.close());

  it('refuses LOGIN before TLS and advertises LOGINDISABLED', async () => {
    const text = await rawExchange(server.port('imap'), 'a LOGIN alice@example.com x\r\n', /^a /m);
    assert.match(text, /^\* OK \[CAPABILITY [^\]]*LOGINDISABLED[^\]]*\]/);
    assert.match(text, /^a NO \[PRIVACYREQUIRED\]/m);
  });

  it('discards commands injected after STARTTLS', async () => {
    const port = server.port('imap');
    const result = await new Promise<string>((resolve, reject) => {
      const socket = connectTcp({ host: '127.0.0.1', port });
      let buffer = '';
      let upgraded = false;
      socket.on('data', (chunk: Buffer) => {
        if (upgraded) return;
        buffer += chunk.toString('latin1');
        if (buffer.includes('* OK') && !buffer.includes('a OK')) {
          if (!buffer.includes('sent')) {
            buffer += 'sent';
            socket.write('a STARTTLS\r\nb LOGIN alice@example.com "correct horse battery staple"\r\n');
          }
        }
        if (/a OK/.test(buffer)) {
          upgraded = true;
          socket.removeAllListeners('data');
          const secure = connectTls({ socket, rejectUnauthorized: false });
          let answer = '';
          secure.on('data', (data: Buffer) => {
            answer += data.toString('latin1');
            if (/^c /m.test(answer)) {
              secure.destroy();
              resolve(answer);
            }
          });
          secure.once('secureConnect', () => secure.write('c NOOP\r\n'));
          secure.on('error', reject);
        }
      });
      socket.on('error', reject);
    });
    assert.doesNotMatch(result, /^b /m, 'the injected LOGIN never ran');
    assert.match(result, /^c OK/m);
  });

  it('answers huge literals without allocating them, before and after login', async () => {
    const before = await rawExchange(server.port('imap'), 'a LOGIN {100000}\r\n', /^a /m);
    assert.doesNotMatch(before, /^\+ /m, 'no continuation for a literal that is too large before login');
    assert.match(before, /^a (NO|BAD)/m);
    const client = await session(server);
    try {
      const tag = client.nextTag();
      client.sendRaw(`${tag} APPEND INBOX {4294967295}\r\n`);
      const answer = await client.nextUnsolicited().catch(() => undefined);
      void answer;
      const noop = await client.command('NOOP');
      assert.equal(noop.status, 'OK', 'the session goes on');
    } finally {
      client.close();
    }
  });

  it('refuses hostile mailbox names and keeps working', async () => {
    const client = await session(server);
    try {
      for (const name of ['..', 'a/../b', 'a//b', '/', 'x'.repeat(10 * 1024)]) {
        const result = await client.command(['CREATE ', astring(name)]);
        assert.notEqual(result.status, 'OK', `CREATE ${name.slice(0, 20)}`);
      }
      const nul = await client.command(['CREATE ', { literal: Buffer.from('a\0b') }]);
      assert.notEqual(nul.status, 'OK');
      // "&AC4ALgAv-" is "../" encoded in modified UTF-7, which RFC 9051 §5.1.3 forbids for ASCII.
      assert.equal((await client.command('CREATE "&AC4ALgAv-"')).status, 'NO');
      await client.ok('CREATE "Caf&AOk-"');
      const listed = await client.ok('LIST "" "Caf&AOk-"');
      assert.match(Buffer.from(listed.untagged[0]?.raw ?? []).toString(), /"\/" "?Caf&AOk-"?\r\n$/, 'a real mUTF-7 name round-trips');
      assert.equal((await server.store.listMailboxes((await server.store.getAccount('alice@example.com'))?.id ?? 0)).some((m) => m.name === 'Café'), true);
      await client.ok('NOOP');
    } finally {
      client.close();
    }
  });

  it('keeps adm and admin apart', async () => {
    const admin = await session(server, 'admin@example.com');
    const adm = await session(server, 'adm@example.com');
    try {
      await admin.append('INBOX', Buffer.from('Subject: admin only\r\n\r\nsecret\r\n'));
      await admin.ok('CREATE Private');
      const status = await adm.ok('STATUS INBOX (MESSAGES)');
      assert.match(Buffer.from(status.untagged[0]?.raw ?? []).toString(), /MESSAGES 0/);
      assert.equal((await adm.command('SELECT Private')).status, 'NO');
      await adm.ok('SELECT INBOX');
      const search = await adm.ok('SEARCH TEXT secret');
      assert.match(Buffer.from(search.untagged[0]?.raw ?? []).toString(), /^\* SEARCH\r\n$/);
    } finally {
      admin.close();
      adm.close();
    }
  });

  it('serves and searches header fields named __proto__ and constructor', async () => {
    const client = await session(server);
    try {
      await client.ok('CREATE Proto');
      await client.append('Proto', Buffer.from('__proto__: polluted\r\nconstructor: yes\r\nSubject: proto\r\n\r\nbody\r\n'));
      await client.ok('SELECT Proto');
      const fetched = await client.fetch('1', 'BODY.PEEK[HEADER.FIELDS (__proto__ constructor)]');
      const value = [...(fetched.get(1)?.values() ?? [])][0];
      assert.equal(Buffer.from(value as Uint8Array).toString(), '__proto__: polluted\r\nconstructor: yes\r\n\r\n');
      const search = await client.ok('SEARCH HEADER __proto__ polluted');
      assert.match(Buffer.from(search.untagged[0]?.raw ?? []).toString(), /^\* SEARCH 1\r\n$/);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    } finally {
      client.close();
    }
  });

  it('serves the structure of a 1000-deep MIME message', async () => {
    let message = 'Content-Type: text/plain\r\n\r\nleaf\r\n';
    for (let depth = 0; depth < 1000; depth++) {
      message = `Content-Type: multipart/mixed; boundary="b${depth}"\r\n\r\n--b${depth}\r\n${message}\r\n--b${depth}--\r\n`;
    }
    const client = await session(server);
    try {
      await client.ok('CREATE Deep');
      assert.equal((await client.append('Deep', Buffer.from(`Subject: deep\r\n${message}`))).status, 'OK');
      await client.ok('SELECT Deep');
      const fetched = await client.fetch('1', 'BODYSTRUCTURE');
      assert.ok(fetched.get(1)?.get('BODYSTRUCTURE'), 'a (bounded) structure comes back');
    } finally {
      client.close();
    }
  });

  it('pushes new mail during IDLE and changes to other sessions', async () => {
    const watcher = await session(server);
    const actor = await session(server);
    try {
      await watcher.ok('SELECT INBOX');
      await actor.ok('SELECT INBOX');
      const idle = await watcher.idle();
      await deliver(server, 'alice@example.com');
      let pushed = await idle.next();
      while (!/EXISTS/.test(Buffer.from(pushed.raw).toString())) pushed = await idle.next();
      assert.match(Buffer.from(pushed.raw).toString(), /^\* \d+ EXISTS/);
      assert.equal((await idle.done()).status, 'OK');
      await actor.ok('NOOP');
      await actor.ok('STORE 1 +FLAGS (\\Flagged)');
      const noop = await watcher.ok('NOOP');
      assert.ok(noop.untagged.some((r) => /FETCH \(FLAGS \([^)]*\\Flagged/.test(Buffer.from(r.raw).toString())), 'the flag change reaches the other session');
      await actor.ok('STORE 1 +FLAGS (\\Deleted)');
      await actor.ok('EXPUNGE');
      const fetch = await watcher.command('FETCH 1:* FLAGS');
      assert.ok(!fetch.untagged.some((r) => /EXPUNGE/.test(Buffer.from(r.raw).toString())), 'no EXPUNGE during FETCH (RFC 9051 §7.5.1)');
      const later = await watcher.ok('NOOP');
      assert.ok(later.untagged.some((r) => /^\* 1 EXPUNGE/.test(Buffer.from(r.raw).toString())), 'the expunge is reported at NOOP');
    } finally {
      watcher.close();
      actor.close();
    }
  });

  it('supports CONDSTORE, QRESYNC, UIDPLUS and MOVE', async () => {
    const client = await session(server);
    try {
      await client.ok('CREATE Sync');
      const appended = await client.append('Sync', MESSAGE);
      assert.match(Buffer.from(appended.tagged.raw).toString(), /OK \[APPENDUID \d+ 1\]/);
      await client.append('Sync', MESSAGE);
      await client.append('Sync', MESSAGE);
      const select = await client.ok('SELECT Sync (CONDSTORE)');
      const highest = /HIGHESTMODSEQ (\d+)/.exec(select.untagged.map((r) => Buffer.from(r.raw).toString()).join(''))?.[1];
      assert.ok(highest);
      await client.ok('STORE 1 +FLAGS (\\Seen)');
      const conditional = await client.command(`STORE 1,2 (UNCHANGEDSINCE ${highest}) +FLAGS (\\Answered)`);
      assert.match(Buffer.from(conditional.tagged.raw).toString(), /OK \[MODIFIED 1\]/);
      const moved = await client.ok('UID MOVE 3 Trash');
      assert.ok(moved.untagged.some((r) => /COPYUID \d+ 3 \d+/.test(Buffer.from(r.raw).toString())));
      assert.ok(moved.untagged.some((r) => /^\* 3 EXPUNGE/.test(Buffer.from(r.raw).toString())));
      const status = await client.ok('STATUS Sync (UIDVALIDITY)');
      const uidValidity = /UIDVALIDITY (\d+)/.exec(Buffer.from(status.untagged[0]?.raw ?? []).toString())?.[1];
      await client.ok('ENABLE QRESYNC');
      await client.ok('UNSELECT');
      const resync = await client.ok(`SELECT Sync (QRESYNC (${uidValidity} ${highest}))`);
      const text = resync.untagged.map((r) => Buffer.from(r.raw).toString()).join('');
      assert.match(text, /\* VANISHED \(EARLIER\) 3/);
      assert.match(text, /\* 1 FETCH \(UID 1 FLAGS \(\\Seen[^)]*\) MODSEQ \(\d+\)\)/);
    } finally {
      client.close();
    }
  });

  it('speaks COMPRESS=DEFLATE', async () => {
    const port = server.port('imaps');
    const transcript = await new Promise<string>((resolve, reject) => {
      const socket = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false });
      let plain = '';
      let compressed = false;
      const inflate = createInflateRaw();
      const deflate = createDeflateRaw();
      let out = '';
      inflate.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/^c /m.test(out)) {
          socket.destroy();
          resolve(out);
        }
      });
      deflate.on('data', (chunk: Buffer) => socket.write(chunk));
      socket.on('data', (chunk: Buffer) => {
        if (compressed) return void inflate.write(chunk);
        plain += chunk.toString();
        if (/^\* OK/m.test(plain) && !plain.includes('#1')) {
          plain += '#1';
          socket.write(`a LOGIN alice@example.com "${PASSWORD}"\r\nb COMPRESS DEFLATE\r\n`);
        }
        if (/^b OK/m.test(plain)) {
          compressed = true;
          deflate.write('c LIST "" INBOX\r\n');
          deflate.flush(zlib.Z_SYNC_FLUSH);
        }
      });
      socket.on('error', reject);
    });
    assert.match(transcript, /^\* LIST \([^)]*\) "\/" INBOX\r\nc OK/m);
  });
});
