// Two server processes share one PostgreSQL queue (claims with FOR UPDATE SKIP LOCKED): 1,000
// queued messages are delivered by both, and no recipient reaches the sink twice. Each process
// has its own data directory and the same master key, as nodes of one installation would.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { masterKeyFromHex } from '../../src/storage/crypto/master-key.ts';
import { openPostgresStorage } from '../../src/storage/postgres/open.ts';
import type { Storage } from '../../src/storage/api.ts';
import { runCli } from '../helpers/cli.ts';
import { arrivals, eventually, queueMessages, remoteDomain, startOutboundWorld, type OutboundWorld } from '../helpers/outbound-world.ts';
import { adminQuery, databaseUrl, TEST_PG_URL } from '../helpers/postgres.ts';
import { startServe, type RunningServe } from '../helpers/serve.ts';

const MESSAGES = 1000;
const DOMAINS = ['p1.test', 'p2.test', 'p3.test', 'p4.test', 'p5.test'];

if (TEST_PG_URL === '') {
  it('outbound delivery on PostgreSQL', { skip: 'POSTWARDEN_TEST_PG_URL is not set' }, () => {});
} else {
  describe('outbound delivery: two processes on one PostgreSQL queue', () => {
    const database = `postwarden_outbound_${randomBytes(4).toString('hex')}`;
    const masterHex = randomBytes(32).toString('hex');
    let world: OutboundWorld;
    let store: Storage;
    const dirs: string[] = [];
    const serves: RunningServe[] = [];

    before(async () => {
      await adminQuery(`CREATE DATABASE ${database}`);
      world = await startOutboundWorld({
        zone: Object.assign({}, ...DOMAINS.map((domain, i) => remoteDomain(domain, `127.0.3.${i + 1}`))),
        sinkAddresses: DOMAINS.map((_, i) => `127.0.3.${i + 1}`),
      });
      const env = {
        POSTWARDEN_STORAGE_DRIVER: 'postgres',
        POSTWARDEN_STORAGE_URL: databaseUrl(database),
        POSTWARDEN_STORAGE_MASTER_KEY: masterHex,
        POSTWARDEN_SMTP_GREETING_DELAY_MS: '0',
        // Small claims, so the two processes take turns at the queue instead of one taking it all.
        POSTWARDEN_DELIVERY_CONCURRENCY: '4',
        POSTWARDEN_DELIVERY_MESSAGES_PER_CONNECTION: '10',
        ...world.env,
      };
      for (const n of [1, 2]) dirs.push(await mkdtemp(join(tmpdir(), `postwarden-outbound-pg${n}-`)));
      const added = await runCli(['domain', 'add', 'example.com'], { cwd: dirs[0] ?? '', env });
      assert.equal(added.status, 0, added.stderr);
      for (const dir of dirs) serves.push(await startServe(dir, env));
      store = await openPostgresStorage({ url: databaseUrl(database), master: masterKeyFromHex(masterHex), poolSize: 2 });
    });
    after(async () => {
      for (const serve of serves) await serve.stop();
      await store?.close();
      await world?.close();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
      await adminQuery(`DROP DATABASE IF EXISTS ${database}`);
    });

    it('delivers 1,000 messages with both processes and no recipient twice', async () => {
      const recipients = await queueMessages(store, MESSAGES, (i) => `p${i}@${DOMAINS[i % DOMAINS.length]}`);
      await eventually('an empty queue', async () => ((await store.listQueue({ pending: true })).length === 0 ? true : undefined), 300_000);

      const finished = (await store.listQueue({ pending: false })).flatMap((q) => q.recipients);
      assert.equal(finished.length, MESSAGES);
      assert.deepEqual([...new Set(finished.map((r) => r.state))], ['delivered']);
      assert.deepEqual([...new Set(finished.map((r) => r.attempts))], [1], 'each recipient was attempted once');
      const sink = await world.sink.messages();
      assert.equal(sink.length, MESSAGES, 'no message was sent twice');
      const counts = arrivals(sink);
      for (const recipient of recipients) assert.equal(counts.get(recipient), 1, recipient);
      const delivered = serves.map((serve) => serve.stderr().split('\n').filter((line) => line.includes('"msg":"delivery"')).length);
      assert.equal(delivered.reduce((a, b) => a + b, 0), MESSAGES, `${delivered.join(' + ')} deliveries logged`);
      assert.ok(delivered.every((n) => n > 0), `both processes delivered (${delivered.join(' + ')})`);
    });
  });
}
