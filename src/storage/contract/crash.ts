// Storage contract, part 5: crash safety. A child process appends messages, four at a time,
// and is killed with SIGKILL at a random point (always with appends in flight). After each
// kill the store is reopened: every acknowledged message is there, whole; every message that
// is there is whole; no UID appears twice; UIDNEXT is above every UID and never goes back.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { createInterface } from 'node:readline';
import { crashMessage, CRASH_ACCOUNT, tokenOf } from './crash-message.ts';
import { fixture, unwrap, withStore, type ContractAdapter } from './harness.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
/** Cycles per run; the foundation issue asks for 50 in a row. */
export const CRASH_CYCLES = Number(process.env.POSTWARDEN_CRASH_CYCLES ?? 50);
/** Most acknowledged appends before the kill. */
const MAX_ACKS_BEFORE_KILL = 24;

interface Ack {
  readonly uid: number;
  readonly token: string;
}

/** Runs the child until it has acknowledged `acks` appends, kills it, returns what it acknowledged. */
async function runAndKill(args: readonly string[], seed: number, acks: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CHILD, ...args, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const seen: Ack[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve) => {
    const kill = () => {
      child.kill('SIGKILL');
      resolve();
    };
    lines.on('line', (line) => {
      const match = /^ack (\d+) (\S+)$/.exec(line);
      if (match) seen.push({ uid: Number(match[1]), token: match[2] ?? '' });
      if ((line === 'ready' && acks === 0) || seen.length >= acks) kill();
    });
    child.on('exit', () => resolve());
  });
  await exited;
  assert.equal(child.signalCode, 'SIGKILL', `the writer died on its own: ${stderr.slice(0, 500)}`);
  return seen;
}

export function crashContract(adapter: ContractAdapter): void {
  describe(`${adapter.name}: crash safety`, () => {
    it(`SIGKILL mid-append leaves whole messages or nothing, ${CRASH_CYCLES} cycles in a row`, async () => {
      await withStore(adapter, async (first, store) => {
        const { account, inbox } = await fixture(first, CRASH_ACCOUNT);
        await first.close();
        let lastUidNext = 1;
        const acknowledged = new Map<number, string>();
        for (let cycle = 0; cycle < CRASH_CYCLES; cycle++) {
          const acks = await runAndKill(store.childArgs, cycle, Math.floor(Math.random() * (MAX_ACKS_BEFORE_KILL + 1)));
          for (const ack of acks) acknowledged.set(ack.uid, ack.token);
          const storage = await store.open();
          try {
            const listed = unwrap(await storage.listMessages(account.id, inbox.id));
            const uids = listed.map((m) => m.uid);
            assert.equal(new Set(uids).size, uids.length, 'no UID twice');
            const status = unwrap(await storage.mailboxStatus(account.id, inbox.id));
            assert.ok(status.uidNext > Math.max(0, ...uids), 'UIDNEXT is above every UID');
            assert.ok(status.uidNext >= lastUidNext, 'UIDNEXT never goes back');
            lastUidNext = status.uidNext;
            const present = new Set(uids);
            for (const [uid, token] of acknowledged) assert.ok(present.has(uid), `acknowledged message ${uid} (${token}) is lost`);
            for (const record of listed) {
              const raw = unwrap(await storage.readMessage(account.id, record.blobId));
              const token = tokenOf(raw);
              assert.ok(token, `message ${record.uid} has no token`);
              assert.deepEqual(Buffer.from(raw), Buffer.from(crashMessage(token)), `message ${record.uid} is torn`);
              assert.equal(record.size, raw.length);
              const ackedToken = acknowledged.get(record.uid);
              if (ackedToken !== undefined) assert.equal(token, ackedToken, `UID ${record.uid} holds another message`);
            }
          } finally {
            await storage.close();
          }
        }
        assert.ok(acknowledged.size > 0, 'the writers acknowledged messages');
      });
    });
  });
}
