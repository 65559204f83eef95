// IP pools end to end: connections bind the pool's loopback source address and greet with its
// HELO name; a pool dedicated to a sender domain carries only that domain's mail, shared pools
// take turns between their addresses, a submitting account can ask for a pool by header (which
// is removed before sending), and an address a destination blocks rests while the mail moves to
// another address of the pool.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { eventually, remoteDomain, startOutboundWorld, type OutboundWorld } from '../helpers/outbound-world.ts';
import { runPython } from '../helpers/python.ts';
import type { SinkMessage } from '../helpers/smtp-sink.ts';

const CONFIG = `hostname = "mail.example.com"

[pools.dedicated]
addresses = ["127.0.0.2"]
helo = "dedicated.example.com"
dedicated_to = ["example.com"]

[pools.shared]
addresses = ["127.0.0.3", "127.0.0.4"]
helo = "shared.example.net"

[pools.bulk]
addresses = ["127.0.0.5"]
helo = "bulk.example.net"
`;

const ALICE = 'alice@example.com';
const OLGA = 'olga@example.org';

describe('outbound delivery: IP pools', () => {
  let world: OutboundWorld;
  let server: MailServer;

  before(async () => {
    world = await startOutboundWorld({
      zone: remoteDomain('pools.test', '127.0.1.9'),
      sinkAddresses: ['127.0.1.9'],
      rules: [{ match: 'blocked-', peer: '127.0.0.3', replies: ['554 5.7.1 Service unavailable; client host [127.0.0.3] blocked using dnsbl.test'] }],
    });
    server = await startMailServer(
      ['example.com', 'example.org'],
      [{ address: ALICE, password: PASSWORD }, { address: OLGA, password: PASSWORD }],
      // One message per connection: every message picks its source address anew.
      { ...world.env, POSTWARDEN_DELIVERY_MESSAGES_PER_CONNECTION: '1' },
      { config: CONFIG },
    );
  });
  after(async () => {
    await server?.close();
    await world?.close();
  });

  async function send(from: string, recipient: string, extraHeader = ''): Promise<SinkMessage> {
    const message = `From: ${from}\r\nTo: ${recipient}\r\nSubject: pools\r\n${extraHeader}\r\nHello.\r\n`;
    const result = await runPython<{ sent?: boolean }>('smtp_send.py', {
      host: '127.0.0.1', port: server.port('submission'), mode: 'starttls', user: from, password: PASSWORD, sender: from, recipients: [recipient], message,
    });
    assert.equal(result.sent, true, JSON.stringify(result));
    return eventually(`${recipient} at the sink`, async () => (await world.sink.messages()).find((m) => m.recipients.includes(recipient)));
  }

  it('sends a dedicated domain\'s mail from its own address with its HELO name', async () => {
    for (const n of [1, 2]) {
      const arrived = await send(ALICE, `d${n}@pools.test`);
      assert.deepEqual([arrived.peer, arrived.helo], ['127.0.0.2', 'dedicated.example.com']);
    }
  });

  it('sends other domains\' mail from the shared pool, taking turns between its addresses', async () => {
    const peers = new Set<string>();
    for (const n of [1, 2, 3, 4]) {
      const arrived = await send(OLGA, `s${n}@pools.test`);
      assert.equal(arrived.helo, 'shared.example.net');
      peers.add(arrived.peer);
    }
    assert.deepEqual([...peers].sort(), ['127.0.0.3', '127.0.0.4']);
  });

  it('uses the pool a submitting account names in the pool header, and removes the header', async () => {
    const arrived = await send(OLGA, 'asked@pools.test', 'X-Postwarden-Pool: bulk\r\n');
    assert.deepEqual([arrived.peer, arrived.helo], ['127.0.0.5', 'bulk.example.net']);
    assert.doesNotMatch(arrived.data.toString('utf8'), /X-Postwarden-Pool/i);
    // A pool dedicated to another domain cannot be borrowed: the shared pool carries it.
    const refused = await send(OLGA, 'borrow@pools.test', 'X-Postwarden-Pool: dedicated\r\n');
    assert.ok(['127.0.0.3', '127.0.0.4'].includes(refused.peer), refused.peer);
  });

  it('rests an address the destination blocks and sends the mail from another address of the pool', async () => {
    for (const n of [1, 2, 3]) {
      const arrived = await send(OLGA, `blocked-${n}@pools.test`);
      assert.equal(arrived.peer, '127.0.0.4', 'the blocked address never delivers there');
    }
    // The sink logs a message when it answers 250; our commit of the recipient's state follows.
    const blockedStates = async () => (await server.store.listQueue({ pending: false }))
      .flatMap((q) => q.recipients).filter((r) => r.address.startsWith('blocked-')).map((r) => r.state);
    const final = new Set(['delivered', 'bounced', 'expired']);
    await eventually('the blocked recipients settled', async () => (await blockedStates()).every((s) => final.has(s)) || undefined);
    assert.deepEqual(await blockedStates(), ['delivered', 'delivered', 'delivered'], 'moved at once, not bounced');
    assert.match(server.serve.stderr(), /destination blocked this source address/, 'the block was seen and logged');
  });
});
