// `postwarden queue list|show|retry|remove` as an operator runs it, against a queue filled
// through the storage API the way ingest/accept.ts fills it (no server running): the listing,
// the envelope view, the message bytes exactly, retry making recipients due, removal, and the
// exit statuses of the product contract (1 with one line on stderr, 2 for bad usage).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { newQueueId } from '../../src/ingest/accept.ts';
import type { OutboundEnvelope, OutboundRecipient, Storage } from '../../src/storage/api.ts';
import { loadOrCreateMasterKey } from '../../src/storage/crypto/master-key.ts';
import { ensureDirectory, openSqliteStorage } from '../../src/storage/sqlite/open.ts';
import { BIN, cleanEnv, inTempDir, runCli, type CliResult } from '../helpers/cli.ts';

const HOUR = 3_600_000;

/** 8-bit bytes that are not UTF-8, so a lossy text round trip would show. */
const RAW = Buffer.concat([
  Buffer.from('From: alice@example.com\r\nTo: bob@remote.example\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\n'),
  Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff, 0x80, 0x0d, 0x0a]),
  Buffer.from('last line without a line ending'),
]);

async function withQueue<T>(cwd: string, fn: (storage: Storage) => Promise<T>): Promise<T> {
  const dataDir = join(cwd, 'data');
  ensureDirectory(dataDir);
  const storage = await openSqliteStorage({ dataDir, master: loadOrCreateMasterKey(dataDir) });
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

async function enqueue(storage: Storage, envelope: Partial<OutboundEnvelope>, recipients: readonly OutboundRecipient[], raw: Uint8Array = RAW): Promise<string> {
  const queueId = newQueueId();
  const full: OutboundEnvelope = { sender: 'alice@example.com', body: '7BIT', smtputf8: false, requireTls: false, accountId: null, ...envelope };
  const delivered = await storage.deliver({ queueId, local: [], outbound: { raw, envelope: full, recipients } });
  assert.ok(delivered.ok);
  return queueId;
}

/** One delivery attempt, as the scheduler would record it: every due recipient gets `outcome`. */
async function attempt(storage: Storage, outcome: (address: string) => { state: 'delivered' | 'bounced'; reply: string } | { state: 'deferred'; reply: string; nextAttemptAt: Date }): Promise<void> {
  for (const claim of await storage.claimQueue({ owner: 'test', limit: 100, leaseMs: 60_000 })) {
    const outcomes = claim.claimed.map((r) => ({ address: r.address, ...outcome(r.address) }));
    const settled = await storage.settleQueue({ owner: 'test', messageId: claim.message.id, outcomes, notices: [] });
    assert.ok(settled.ok);
  }
}

interface Queue {
  /** Deferred bob (ENVID, RET, ORCPT, NOTIFY set) and delivered carol. */
  readonly a: string;
  /** Null sender, one queued recipient. */
  readonly b: string;
  /** Every recipient delivered: finished. */
  readonly c: string;
}

async function fillQueue(storage: Storage): Promise<Queue> {
  const a = await enqueue(storage, { envid: 'ENV-1', ret: 'HDRS', body: '8BITMIME', smtputf8: true, requireTls: true }, [
    { address: 'bob@remote.example', orcpt: 'rfc822;bob@remote.example', notify: ['SUCCESS', 'FAILURE'] },
    { address: 'carol@remote.example' },
  ]);
  await attempt(storage, (address) =>
    address === 'bob@remote.example' ? { state: 'deferred', reply: '451 4.7.1 greylisted', nextAttemptAt: new Date(Date.now() + HOUR) } : { state: 'delivered', reply: '250 2.0.0 ok' },
  );
  const c = await enqueue(storage, {}, [{ address: 'erin@remote.example' }]);
  await attempt(storage, () => ({ state: 'delivered', reply: '250 ok' }));
  const b = await enqueue(storage, { sender: '' }, [{ address: 'dave@other.example' }]);
  return { a, b, c };
}

/** Runs the CLI keeping stdout as bytes (runCli decodes it as UTF-8). */
function runCliBytes(args: readonly string[], cwd: string): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(chunks), stderr }));
  });
}

function lines(result: CliResult): string[] {
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, '');
  return result.stdout.trimEnd().split('\n');
}

function assertUserError(result: CliResult | { status: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(result.status, 1, `exit 1 expected: ${result.stderr}`);
  assert.match(result.stderr, /^postwarden: /);
  assert.match(result.stderr, pattern);
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, `one line on stderr: ${JSON.stringify(result.stderr)}`);
}

describe('cli: queue', () => {
  it('lists pending messages (all with --all, JSON with --json) and says when the queue is empty', async () => {
    await inTempDir(async (cwd) => {
      const run = (args: string[]) => runCli(['queue', ...args], { cwd });
      assert.deepEqual(lines(await run(['list'])), ['queue is empty']);
      const emptyJson = await run(['list', '--json']);
      assert.equal(emptyJson.status, 0);
      assert.equal(emptyJson.stdout, '', 'no summary line in JSON mode');

      const { ids, created, nextB } = await withQueue(cwd, async (storage) => {
        const ids = await fillQueue(storage);
        const created = new Map<string, string>();
        for (const message of await storage.listQueue()) created.set(message.id, message.createdAt.toISOString());
        const nextB = (await storage.getQueued(ids.b))?.recipients[0]?.nextAttemptAt.toISOString();
        return { ids, created, nextB };
      });
      const bob = await withQueue(cwd, async (storage) => (await storage.getQueued(ids.a))?.recipients.find((r) => r.address === 'bob@remote.example'));
      assert.ok(bob && nextB);
      const size = RAW.length;

      assert.deepEqual(lines(await run(['list'])), [
        `${ids.a}  ${created.get(ids.a)}  ${size} bytes  from alice@example.com`,
        `  bob@remote.example  deferred  1 attempt  next ${bob.nextAttemptAt.toISOString()}  last reply: 451 4.7.1 greylisted`,
        `${ids.b}  ${created.get(ids.b)}  ${size} bytes  from <>`,
        `  dave@other.example  queued  0 attempts  next ${nextB}`,
        '2 messages, 2 recipients pending',
      ]);

      const all = lines(await run(['list', '--all']));
      assert.equal(all.length, 8, all.join('\n'));
      assert.ok(all.includes('  carol@remote.example  delivered  1 attempt  last reply: 250 2.0.0 ok'), 'final recipients show with --all, without a next attempt');
      assert.match(all.find((line) => line.startsWith(ids.c)) ?? '', / {2}from alice@example\.com {2}finished \d{4}-\d\d-\d\dT/);
      assert.equal(all.at(-1), '3 messages (1 finished), 2 recipients pending');

      const json = lines(await run(['list', '--json'])).map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(json.map((m) => m.id), [ids.a, ids.b]);
      assert.deepEqual(json[0], {
        id: ids.a,
        createdAt: created.get(ids.a),
        finishedAt: null,
        size,
        sender: 'alice@example.com',
        envid: 'ENV-1',
        ret: 'HDRS',
        body: '8BITMIME',
        smtputf8: true,
        requireTls: true,
        recipients: [
          {
            address: 'bob@remote.example',
            state: 'deferred',
            attempts: 1,
            nextAttemptAt: bob.nextAttemptAt.toISOString(),
            lastReply: '451 4.7.1 greylisted',
            orcpt: 'rfc822;bob@remote.example',
            notify: ['SUCCESS', 'FAILURE'],
            delayNotified: false,
          },
        ],
      });
      assert.equal(json[1]?.sender, '', 'the null sender is the empty string in JSON');
      assert.equal(lines(await run(['list', '--all', '--json'])).length, 3);
    });
  });

  it("shows a message's envelope and recipients, and its bytes exactly with --raw", async () => {
    await inTempDir(async (cwd) => {
      const ids = await withQueue(cwd, fillQueue);
      const shown = lines(await runCli(['queue', 'show', ids.a], { cwd }));
      assert.equal(shown[0], `queue id: ${ids.a}`);
      for (const expected of [`size: ${RAW.length} bytes`, 'sender: alice@example.com', 'ENVID: ENV-1', 'RET: HDRS', 'BODY: 8BITMIME', 'SMTPUTF8: yes', 'REQUIRETLS: yes', 'recipients (1 of 2 pending):']) {
        assert.ok(shown.includes(expected), `${expected} in:\n${shown.join('\n')}`);
      }
      const bob = shown.findIndex((line) => line.startsWith('  bob@remote.example  deferred  1 attempt  next '));
      assert.ok(bob > 0, shown.join('\n'));
      assert.match(shown[bob] ?? '', /last reply: 451 4\.7\.1 greylisted$/);
      assert.equal(shown[bob + 1], '    ORCPT rfc822;bob@remote.example  NOTIFY SUCCESS,FAILURE');
      assert.ok(shown.includes('  carol@remote.example  delivered  1 attempt  last reply: 250 2.0.0 ok'));

      const nullSender = lines(await runCli(['queue', 'show', ids.b], { cwd }));
      assert.ok(nullSender.includes('sender: <>'));
      assert.ok(nullSender.includes('SMTPUTF8: no'));
      assert.ok(!nullSender.some((line) => line.startsWith('ENVID') || line.startsWith('RET')), 'unset DSN parameters are not shown');

      const raw = await runCliBytes(['queue', 'show', ids.a, '--raw'], cwd);
      assert.equal(raw.status, 0, raw.stderr);
      assert.ok(raw.stdout.equals(RAW), 'the queued bytes, unchanged');

      assertUserError(await runCliBytes(['queue', 'show', ids.c, '--raw'], cwd), new RegExp(`${ids.c} is finished; its content is no longer kept`));
      assertUserError(await runCli(['queue', 'show', 'NOSUCHID'], { cwd }), /^postwarden: there is no queued message NOSUCHID\n$/);
      assert.equal((await runCli(['queue', 'show'], { cwd })).status, 2);
    });
  });

  it('retries pending recipients now and removes messages', async () => {
    await inTempDir(async (cwd) => {
      const ids = await withQueue(cwd, fillQueue);
      const run = (args: string[]) => runCli(['queue', ...args], { cwd });

      const before = Date.now();
      assert.deepEqual(lines(await run(['retry', ids.a])), [`1 recipient of ${ids.a} due now; a running server picks them up within 5 seconds`]);
      const bob = await withQueue(cwd, async (storage) => (await storage.getQueued(ids.a))?.recipients.find((r) => r.address === 'bob@remote.example'));
      assert.equal(bob?.state, 'deferred');
      assert.ok(bob.nextAttemptAt.getTime() >= before && bob.nextAttemptAt.getTime() <= Date.now(), 'due now, not in an hour');
      assert.deepEqual(lines(await run(['retry', '--all'])), ['2 recipients due now; a running server picks them up within 5 seconds']);
      assert.deepEqual(lines(await run(['retry', ids.c])), [`nothing to retry: ${ids.c} has no pending recipient`]);
      assertUserError(await run(['retry', 'NOSUCHID']), /^postwarden: there is no queued message NOSUCHID\n$/);

      assert.deepEqual(lines(await run(['remove', ids.a])), [`removed ${ids.a}`]);
      await withQueue(cwd, async (storage) => {
        assert.equal(await storage.getQueued(ids.a), undefined);
        const bytes = await storage.readQueuedMessage(ids.a);
        assert.equal(bytes.ok ? 'still there' : bytes.error.code, 'nonexistent');
      });
      assert.ok(!(await run(['list', '--all'])).stdout.includes(ids.a), 'a removed message is gone from the listing');
      assertUserError(await run(['remove', ids.a]), new RegExp(`^postwarden: there is no queued message ${ids.a}\\n$`));

      assert.deepEqual(lines(await run(['remove', '--all'])), ['removed 1 message']);
      assert.deepEqual(lines(await run(['list'])), ['queue is empty']);
      const left = await withQueue(cwd, async (storage) => (await storage.listQueue()).map((m) => m.id));
      assert.deepEqual(left, [ids.c], '--all removes pending messages; finished ones wait for the purge');
    });
  });

  it('answers bad usage with exit status 2', async () => {
    await inTempDir(async (cwd) => {
      for (const args of [['queue', 'retry'], ['queue', 'retry', 'X', '--all'], ['queue', 'remove'], ['queue', 'remove', 'X', '--all'], ['queue', 'list', '--bogus'], ['queue', 'frobnicate']]) {
        const result = await runCli(args, { cwd });
        assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, /^postwarden: /);
        assert.equal(result.stderr.trimEnd().split('\n').length, 1);
      }
    });
  });
});
