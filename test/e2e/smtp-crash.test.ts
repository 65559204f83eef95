// SMTP acceptance under SIGKILL: several senders deliver over real sockets while the server
// is killed at a random moment, 20 times. After every kill the mailbox is read from the store:
// every message that got its 250 is there, whole and exactly once (our senders never retry, so
// a message can appear twice only if a reply is lost and the client sends it again); messages
// that were in flight may be there or not, but never torn.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadOrCreateMasterKey } from '../../src/storage/crypto/master-key.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/open.ts';
import { runCli } from '../helpers/cli.ts';
import { startServe } from '../helpers/serve.ts';
import { RawSmtp } from '../helpers/smtp-client.ts';

const CYCLES = Number(process.env.POSTWARDEN_SMTP_CRASH_CYCLES ?? 20);
const SENDERS = 6;
const MAX_ACKS_BEFORE_KILL = 40;

function body(token: string): string {
  const digest = createHash('sha256').update(token).digest();
  const line = `${digest.toString('hex')}\r\n`;
  return line.repeat(1 + (digest.readUInt16BE(0) % 400));
}

function message(token: string): string {
  return `X-Token: ${token}\r\nFrom: load@remote.example\r\nSubject: crash ${token}\r\n\r\n${body(token)}`;
}

/** Sends messages until the connection breaks; `acked` gets each token whose 250 arrived. */
async function sender(port: number, prefix: string, acked: string[]): Promise<void> {
  let client: RawSmtp;
  try {
    client = await RawSmtp.connect(port);
  } catch {
    return;
  }
  try {
    if ((await client.reply())?.code !== 220) return;
    if ((await client.command('EHLO load.example'))?.code !== 250) return;
    for (let n = 0; ; n++) {
      const token = `${prefix}-${n}`;
      client.send('MAIL FROM:<load@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n');
      for (let i = 0; i < 3; i++) if (!(await client.reply())) return;
      client.send(`${message(token)}.\r\n`);
      const reply = await client.reply();
      if (reply?.code !== 250) return;
      acked.push(token);
    }
  } catch {
    return;
  } finally {
    client.close();
  }
}

describe('smtp: crash safety', () => {
  it(`keeps every acknowledged message through ${CYCLES} SIGKILLs`, async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'postwarden-smtp-crash-'));
    try {
      assert.equal((await runCli(['domain', 'add', 'example.com'], { cwd })).status, 0);
      assert.equal((await runCli(['user', 'add', 'alice@example.com', '--password-stdin'], { cwd, input: 'correct horse battery staple' })).status, 0);
      const acknowledged = new Set<string>();
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const server = await startServe(cwd, { POSTWARDEN_SMTP_GREETING_DELAY_MS: '0', POSTWARDEN_LISTEN_HTTP: '' });
        const port = server.ports.get('smtp') ?? 0;
        const acked: string[] = [];
        const killAfter = 1 + Math.floor(Math.random() * MAX_ACKS_BEFORE_KILL);
        const senders = Array.from({ length: SENDERS }, (_, i) => sender(port, `c${cycle}s${i}`, acked));
        while (acked.length < killAfter && server.child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 5));
        await server.stop('SIGKILL');
        await Promise.all(senders);
        for (const token of acked) acknowledged.add(token);

        const dataDir = join(cwd, 'data');
        const store = await openSqliteStorage({ dataDir, master: loadOrCreateMasterKey(dataDir) });
        try {
          const account = await store.getAccount('alice@example.com');
          const inbox = account && (await store.getMailbox(account.id, 'INBOX'));
          assert.ok(account && inbox);
          const listed = await store.listMessages(account.id, inbox.id);
          assert.ok(listed.ok);
          const seen = new Map<string, number>();
          for (const record of listed.value) {
            const raw = await store.readMessage(account.id, record.blobId);
            assert.ok(raw.ok);
            const text = Buffer.from(raw.value).toString('latin1');
            const token = /\r\nX-Token: (\S+)\r\n/.exec(text)?.[1];
            assert.ok(token, `message ${record.uid} has no token`);
            assert.ok(text.endsWith(message(token)), `message ${token} is whole`);
            seen.set(token, (seen.get(token) ?? 0) + 1);
          }
          for (const token of acknowledged) assert.equal(seen.get(token), 1, `acknowledged ${token} is in the mailbox exactly once`);
          for (const [token, count] of seen) assert.equal(count, 1, `${token} is not duplicated`);
        } finally {
          await store.close();
        }
      }
      assert.ok(acknowledged.size >= CYCLES, 'the senders got their messages through');
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
