// IMAP writes under SIGKILL: sessions APPEND, COPY, MOVE and EXPUNGE while the server is
// killed at a random moment, again and again. After every restart UIDVALIDITY is unchanged,
// UIDNEXT is above every UID the server ever handed out (APPENDUID, COPYUID), and no UID is
// reused: a new APPEND gets a UID above all of them.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadOrCreateMasterKey } from '../../src/storage/crypto/master-key.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/open.ts';
import { runCli } from '../helpers/cli.ts';
import { ImapClient } from '../helpers/imap-client.ts';
import { PASSWORD } from '../helpers/mail-server.ts';
import { startServe } from '../helpers/serve.ts';

const CYCLES = Number(process.env.POSTWARDEN_IMAP_CRASH_CYCLES ?? 10);
const SESSIONS = 3;

/** Records every UID a response hands out, per mailbox name. */
function recordUids(code: string, mailbox: string, seen: Map<string, number>): void {
  const append = /APPENDUID (\d+) ([\d:,]+)/.exec(code);
  const copy = /COPYUID (\d+) [\d:,]+ ([\d:,]+)/.exec(code);
  const set = append?.[2] ?? copy?.[2];
  if (!set) return;
  const highest = Math.max(...set.split(/[,:]/).map(Number));
  seen.set(mailbox, Math.max(seen.get(mailbox) ?? 0, highest));
}

async function worker(port: number, seen: Map<string, number>, stop: () => boolean): Promise<void> {
  let client: ImapClient;
  try {
    client = await ImapClient.connect(port, { tls: true, timeoutMs: 5000 });
    await client.login('alice@example.com', PASSWORD);
  } catch {
    return;
  }
  try {
    for (let n = 0; !stop(); n++) {
      const appended = await client.append('INBOX', Buffer.from(`Subject: crash ${n}\r\n\r\nbody ${n}\r\n`));
      recordUids(Buffer.from(appended.tagged.raw).toString(), 'INBOX', seen);
      await client.ok('SELECT INBOX');
      const copied = await client.command('UID COPY 1:* Archive');
      recordUids(Buffer.from(copied.tagged.raw).toString(), 'Archive', seen);
      const moved = await client.command('UID MOVE 1:2 Trash');
      for (const response of moved.untagged) recordUids(Buffer.from(response.raw).toString(), 'Trash', seen);
      await client.command('STORE 1 +FLAGS (\\Deleted)');
      await client.command('EXPUNGE');
    }
  } catch {
    // The server was killed under us.
  } finally {
    client.close();
  }
}

describe('imap: crash safety', () => {
  it(`keeps UIDVALIDITY and never reuses a UID through ${CYCLES} SIGKILLs`, async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'postwarden-imap-crash-'));
    try {
      assert.equal((await runCli(['domain', 'add', 'example.com'], { cwd })).status, 0);
      assert.equal((await runCli(['user', 'add', 'alice@example.com', '--password-stdin'], { cwd, input: PASSWORD })).status, 0);
      const seen = new Map<string, number>();
      let validity: Map<string, number> | undefined;
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const server = await startServe(cwd, { POSTWARDEN_LISTEN_HTTP: '' });
        let stopped = false;
        const workers = Array.from({ length: SESSIONS }, () => worker(server.ports.get('imaps') ?? 0, seen, () => stopped));
        const before = [...seen.values()].reduce((a, b) => a + b, 0);
        const target = before + 2 + Math.floor(Math.random() * 20);
        for (let i = 0; i < 2000 && [...seen.values()].reduce((a, b) => a + b, 0) < target; i++) await new Promise((resolve) => setTimeout(resolve, 5));
        await server.stop('SIGKILL');
        stopped = true;
        await Promise.all(workers);

        const dataDir = join(cwd, 'data');
        const store = await openSqliteStorage({ dataDir, master: loadOrCreateMasterKey(dataDir) });
        try {
          const account = await store.getAccount('alice@example.com');
          assert.ok(account);
          const current = new Map<string, number>();
          for (const name of ['INBOX', 'Archive', 'Trash']) {
            const mailbox = await store.getMailbox(account.id, name);
            assert.ok(mailbox);
            current.set(name, mailbox.uidValidity);
            assert.ok(mailbox.uidNext > (seen.get(name) ?? 0), `${name}: UIDNEXT ${mailbox.uidNext} is above every UID handed out (${seen.get(name)})`);
            const listed = await store.listMessages(account.id, mailbox.id);
            assert.ok(listed.ok);
            assert.ok(listed.value.every((m) => m.uid < mailbox.uidNext));
          }
          if (validity) assert.deepEqual(current, validity, 'UIDVALIDITY never changes');
          validity = current;
        } finally {
          await store.close();
        }
      }
      assert.ok((seen.get('INBOX') ?? 0) > CYCLES, 'the sessions got work done');
      // A final APPEND gets a UID above every UID ever given.
      const server = await startServe(cwd, { POSTWARDEN_LISTEN_HTTP: '' });
      try {
        const client = await ImapClient.connect(server.ports.get('imaps') ?? 0, { tls: true });
        await client.login('alice@example.com', PASSWORD);
        const appended = await client.append('INBOX', Buffer.from('Subject: after\r\n\r\nafter\r\n'));
        const uid = Number(/APPENDUID \d+ (\d+)/.exec(Buffer.from(appended.tagged.raw).toString())?.[1]);
        assert.ok(uid > (seen.get('INBOX') ?? 0), 'no UID is reused');
        client.close();
      } finally {
        await server.stop();
      }
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
