// POP3 with the download clients people run: fetchmail (Debian) over STLS and over implicit TLS,
// delivering every message into an mbox file through an MDA and deleting them on the server,
// and getmail6 doing the same into an mboxrd file. Each run is checked against what the store
// held before and holds after.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deliver } from '../helpers/pop3-delivery.ts';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

const GETMAIL = join(import.meta.dirname, '..', 'interop', 'python', 'getmail_reaped.py');

const MESSAGES = [
  'From: someone@remote.example\r\nSubject: first\r\n\r\nHello.\r\n',
  'From: someone@remote.example\r\nSubject: second\r\n\r\n.a line with a leading dot\r\n.\r\n..\r\nend of second\r\n',
  'From: someone@remote.example\r\nSubject: third\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\u00fc\u00dfe aus K\u00f6ln\r\n',
];

describe('pop3: fetchmail and getmail6', () => {
  let server: MailServer;
  let dir: string;
  const users = ['fetch-stls', 'fetch-ssl', 'getmail'].map((name) => `${name}@example.com`);

  before(async () => {
    server = await startMailServer(['example.com'], users.map((address) => ({ address, password: PASSWORD })));
    dir = await mkdtemp(join(tmpdir(), 'postwarden-pop3-clients-'));
    for (const user of users) for (const message of MESSAGES) await deliver(server, [user], Buffer.from(message));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function fetchmail(user: string, implicitTls: boolean): Promise<string> {
    const home = await mkdtemp(join(dir, 'fetchmail-'));
    const mbox = join(home, 'mbox');
    const rc = join(home, 'fetchmailrc');
    await writeFile(
      rc,
      [
        'set no syslog',
        `poll 127.0.0.1 service ${server.port(implicitTls ? 'pop3s' : 'pop3')} protocol pop3 auth password timeout 30`,
        `  user "${user}" there with password "${PASSWORD}" is "${userInfo().username}" here`,
        // Without "ssl", sslproto makes STLS mandatory (fetchmail(1), "--sslproto").
        implicitTls ? '  ssl' : "  sslproto 'TLS1.2+'",
        '  no sslcertck',
        '  nokeep',
        '  no rewrite',
        `  mda "cat >> ${mbox}"`,
        '',
      ].join('\n'),
    );
    await chmod(rc, 0o600);
    const result = await run('fetchmail', ['--fetchmailrc', rc, '--nodetach', '-v'], { FETCHMAILHOME: home });
    assert.equal(result.status, 0, result.output);
    return readFile(mbox, 'utf8');
  }

  function assertDownloaded(mbox: string): void {
    const normalized = mbox.replace(/\r\n/g, '\n');
    for (const message of MESSAGES) {
      const body = message.replace(/\r\n/g, '\n');
      assert.ok(normalized.includes(body.slice(body.indexOf('Subject:'))), `the mbox holds ${JSON.stringify(body.slice(0, 60))}`);
    }
  }

  it('fetchmail over STLS downloads every message into an mbox and deletes them on the server', async () => {
    const user = users[0] ?? '';
    assert.equal((await server.messages(user)).length, MESSAGES.length);
    assertDownloaded(await fetchmail(user, false));
    assert.equal((await server.messages(user)).length, 0, 'the maildrop is empty afterwards');
  });

  it('fetchmail over implicit TLS does the same', async () => {
    const user = users[1] ?? '';
    assertDownloaded(await fetchmail(user, true));
    assert.equal((await server.messages(user)).length, 0);
  });

  it('getmail6 over implicit TLS downloads into an mboxrd file and deletes on the server', async () => {
    const user = users[2] ?? '';
    const home = await mkdtemp(join(dir, 'getmail-'));
    const mbox = join(home, 'mbox');
    await writeFile(mbox, '');
    // getmail refuses to deliver as root; as root it delivers as "nobody", who must reach the file.
    const asRoot = userInfo().uid === 0;
    if (asRoot) {
      for (const path of [dir, home]) await chmod(path, 0o755);
      await chmod(mbox, 0o666);
    }
    const rc = join(home, 'getmailrc');
    await writeFile(
      rc,
      [
        '[retriever]',
        'type = SimplePOP3SSLRetriever',
        'server = 127.0.0.1',
        `port = ${server.port('pop3s')}`,
        `username = ${user}`,
        `password = ${PASSWORD}`,
        '',
        '[destination]',
        'type = Mboxrd',
        `path = ${mbox}`,
        ...(asRoot ? ['user = nobody'] : []),
        '',
        '[options]',
        'delete = true',
        'read_all = true',
        'verbose = 2',
        '',
      ].join('\n'),
    );
    // Debian 12's getmail6 can lose its delivery child (getmail_reaped.py says how); the wrapper fixes that.
    const result = await run('/usr/bin/python3', [GETMAIL, '--getmaildir', home, '--rcfile', rc]);
    assert.equal(result.status, 0, result.output);
    const content = await readFile(mbox, 'utf8');
    assert.equal(content.match(/^From /gm)?.length, MESSAGES.length, content.slice(0, 500));
    // mboxrd quotes "From " lines, not dots; the dot lines arrive unstuffed.
    assertDownloaded(content);
    assert.equal((await server.messages(user)).length, 0);
  });
});
