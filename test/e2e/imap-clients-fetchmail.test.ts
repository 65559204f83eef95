// IMAP with fetchmail (Debian), the downloader that empties a mailbox into local delivery:
// over implicit TLS and over STARTTLS, every message (read or not, "--fetchall") goes through an
// MDA into an mbox file, "--nokeep" deletes them on the server, and a second run finds nothing.
// Each run is checked against what the store held before and holds after.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImapClient } from '../helpers/imap-client.ts';
import { mustMailbox, runTool, startTool, waitUntil } from '../helpers/imap-tools.ts';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { deliver } from '../helpers/pop3-delivery.ts';

const MESSAGES = [
  'From: someone@remote.example\r\nSubject: imap first\r\n\r\nHello.\r\n',
  'From: someone@remote.example\r\nSubject: imap second\r\n\r\n.a line with a leading dot\r\n.\r\n..\r\nend of second\r\n',
  'From: someone@remote.example\r\nSubject: imap third\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\u00fc\u00dfe aus K\u00f6ln\r\n',
  [
    'From: someone@remote.example',
    'Subject: imap fourth',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="xyz"',
    '',
    '--xyz',
    'Content-Type: text/plain',
    '',
    'See the attachment.',
    '--xyz',
    'Content-Type: application/octet-stream',
    'Content-Transfer-Encoding: base64',
    '',
    'AAECAwQFBgcICQ==',
    '--xyz--',
    '',
  ].join('\r\n'),
];

describe('imap: fetchmail', () => {
  let server: MailServer;
  let dir: string;
  const users = ['fetch-imaps', 'fetch-starttls'].map((name) => `${name}@example.com`);

  before(async () => {
    server = await startMailServer(['example.com'], [...users, 'fetch-idle@example.com'].map((address) => ({ address, password: PASSWORD })));
    dir = await mkdtemp(join(tmpdir(), 'postwarden-imap-fetchmail-'));
    for (const user of users) {
      for (const message of MESSAGES) await deliver(server, [user], Buffer.from(message));
      // One message already read by another client: --fetchall must still take it.
      const client = await ImapClient.connect(server.port('imaps'), { tls: true });
      try {
        await client.login(user, PASSWORD);
        await client.ok('SELECT INBOX');
        await client.ok('STORE 1 +FLAGS (\\Seen)');
      } finally {
        await client.logout();
      }
    }
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  interface FetchmailSetup {
    readonly home: string;
    readonly rc: string;
    mbox(): Promise<string>;
    /** One poll with --nokeep --fetchall. */
    run(): Promise<{ status: number | null; output: string }>;
  }

  async function fetchmail(user: string, implicitTls: boolean): Promise<FetchmailSetup> {
    const home = await mkdtemp(join(dir, 'fetchmail-'));
    const mbox = join(home, 'mbox');
    const rc = join(home, 'fetchmailrc');
    await writeFile(
      rc,
      [
        'set no syslog',
        `poll 127.0.0.1 service ${server.port(implicitTls ? 'imaps' : 'imap')} protocol imap auth password timeout 30`,
        `  user "${user}" there with password "${PASSWORD}" is "${userInfo().username}" here`,
        // Without "ssl", sslproto makes STARTTLS mandatory (fetchmail(1), "--sslproto").
        implicitTls ? '  ssl' : "  sslproto 'TLS1.2+'",
        '  no sslcertck',
        '  no rewrite',
        `  mda "cat >> ${mbox}"`,
        '',
      ].join('\n'),
    );
    await chmod(rc, 0o600);
    return {
      home,
      rc,
      mbox: async () => {
        try {
          return await readFile(mbox, 'utf8');
        } catch {
          return '';
        }
      },
      run: async () => {
        const result = await runTool('fetchmail', ['--fetchmailrc', rc, '--nodetach', '--nokeep', '--fetchall', '-v'], { env: { FETCHMAILHOME: home } });
        assert.equal(result.killed, false, `fetchmail did not finish:\n${result.output}`);
        return result;
      },
    };
  }

  function assertDownloaded(mbox: string): void {
    const normalized = mbox.replace(/\r\n/g, '\n');
    for (const message of MESSAGES) {
      const text = message.replace(/\r\n/g, '\n');
      assert.ok(normalized.includes(text.slice(text.indexOf('Subject:'))), `the mbox holds ${JSON.stringify(text.slice(0, 60))}:\n${mbox}`);
    }
  }

  it('in --idle mode, mail delivered over SMTP while fetchmail idles is fetched at once', async () => {
    const user = 'fetch-idle@example.com';
    const session = await fetchmail(user, true);
    const tool = startTool('fetchmail', ['--fetchmailrc', session.rc, '--nodetach', '--nokeep', '--idle', '-v'], { env: { FETCHMAILHOME: session.home } });
    try {
      // The first poll finds an empty INBOX; then fetchmail sends IDLE (RFC 2177) and waits.
      await waitUntil(() => /IMAP> A\d+ IDLE\n/.test(tool.output()), `fetchmail idles:\n${tool.output()}`);
      const idleAt = tool.output().length;
      await deliver(server, [user], Buffer.from(MESSAGES[0] ?? ''));
      await waitUntil(async () => (await session.mbox()).includes('Subject: imap first'), `the pushed message reaches the mbox:\n${tool.output()}`);
      const afterIdle = tool.output().slice(idleAt);
      assert.match(afterIdle, /IMAP< \* 1 EXISTS\n[^]*IMAP> DONE\n/, 'EXISTS arrived during IDLE and ended it');
      await waitUntil(async () => (await mustMailbox(server, user)).records.length === 0, 'the fetched message is deleted on the server');
    } finally {
      await tool.stop();
    }
  });

  for (const implicitTls of [true, false]) {
    const user = implicitTls ? 'fetch-imaps@example.com' : 'fetch-starttls@example.com';
    it(`over ${implicitTls ? 'implicit TLS' : 'STARTTLS'}: downloads every message, deletes them on the server, then finds nothing`, async () => {
      const before = await mustMailbox(server, user);
      assert.equal(before.records.length, MESSAGES.length);
      assert.deepEqual(before.records[0]?.flags, ['\\Seen']);
      const session = await fetchmail(user, implicitTls);
      const first = await session.run();
      assert.equal(first.status, 0, first.output);
      assert.match(first.output, new RegExp(`^${MESSAGES.length} messages for ${user.replace('.', '\\.')}`, 'm'), first.output);
      if (!implicitTls) assert.match(first.output, /IMAP> A\d+ STARTTLS/, 'the session went through STARTTLS');
      const mbox = await session.mbox();
      assertDownloaded(mbox);
      assert.equal((mbox.match(/^Subject: imap /gm) ?? []).length, MESSAGES.length, 'each message once');
      assert.equal((await mustMailbox(server, user)).records.length, 0, 'INBOX is empty afterwards');
      assert.equal((await mustMailbox(server, user, 'Trash')).records.length, 0, 'deleted, not moved');
      // Second run: nothing to fetch (fetchmail(1): exit status 1 means "no mail").
      const second = await session.run();
      assert.equal(second.status, 1, second.output);
      assert.match(second.output, /No mail for/);
      assert.equal(await session.mbox(), mbox, 'the mbox is unchanged');
    });
  }
});
