// The delivery queue survives SIGKILL: a server delivering a queue of 600 messages is killed
// three times while sessions are open, restarted on the same data directory each time, and at
// the end every recipient has exactly one final state (delivered) and reached the sink at least
// once. A recipient can arrive twice only when the remote 250 came before our commit, once per
// kill at most; nothing is lost.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { arrivals, eventually, queueMessages, remoteDomain, startOutboundWorld, type OutboundWorld } from '../helpers/outbound-world.ts';
import { startServe, type RunningServe } from '../helpers/serve.ts';

const MESSAGES = 600;
/** Kill when the sink has seen this many messages. */
const KILL_AT = [60, 220, 380];
const DOMAINS = ['c1.test', 'c2.test', 'c3.test'];
/** [delivery] concurrency_per_mx's default: connections open to one MX at once. */
const MX_CONCURRENCY = 20;

describe('outbound delivery: crash safety', () => {
  let world: OutboundWorld;
  let server: MailServer;
  let current: RunningServe | undefined;

  before(async () => {
    world = await startOutboundWorld({
      zone: Object.assign({}, ...DOMAINS.map((domain, i) => remoteDomain(domain, `127.0.2.${i + 1}`))),
      sinkAddresses: DOMAINS.map((_, i) => `127.0.2.${i + 1}`),
    });
    server = await startMailServer(['example.com'], [{ address: 'alice@example.com', password: PASSWORD }], world.env);
  });
  after(async () => {
    await current?.stop('SIGKILL');
    await server?.close();
    await world?.close();
  });

  it('loses no recipient and finishes each exactly once across SIGKILLs', async () => {
    const env = { POSTWARDEN_SMTP_GREETING_DELAY_MS: '0', ...world.env };
    const recipients = await queueMessages(server.store, MESSAGES, (i) => `r${i}@${DOMAINS[i % DOMAINS.length]}`);
    // The running server finds mail queued by another process on its next look at the queue.
    let serve = server.serve;
    for (const threshold of KILL_AT) {
      await eventually(`${threshold} messages at the sink`, async () => ((await world.sink.messages()).length >= threshold ? true : undefined));
      serve.child.kill('SIGKILL');
      await serve.exited;
      assert.ok((await world.sink.messages()).length < MESSAGES, 'killed while deliveries were still going on');
      serve = await startServe(server.cwd, env);
      current = serve;
    }
    await eventually('an empty queue', async () => ((await server.store.listQueue({ pending: true })).length === 0 ? true : undefined), 120_000);

    const finished = (await server.store.listQueue({ pending: false })).flatMap((q) => q.recipients);
    assert.equal(finished.length, MESSAGES);
    assert.deepEqual([...new Set(finished.map((r) => r.state))], ['delivered']);
    const counts = arrivals(await world.sink.messages());
    for (const recipient of recipients) assert.ok((counts.get(recipient) ?? 0) >= 1, `${recipient} never arrived`);
    const twice = [...counts.values()].filter((n) => n > 1);
    assert.ok(twice.every((n) => n <= 1 + KILL_AT.length), 'at most one duplicate per kill');
    // Each open connection has at most a message or two between the remote 250 and our commit.
    assert.ok(twice.length <= KILL_AT.length * DOMAINS.length * MX_CONCURRENCY, `${twice.length} duplicates`);
    console.log(`# ${twice.length} of ${MESSAGES} recipients arrived twice (250 before our commit at a kill)`);
  });
});
