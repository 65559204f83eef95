// Outgoing mail is DKIM-signed as it is queued (RFC 6376, as a submission milter would sign it),
// so the signature is made once however many retries follow. A message submitted through the
// submission port (Python's smtplib) towards a destination that answers 451 three times waits in
// the queue: what is stored there is already the wire form (the pool header read, kept as the
// requested pool, and removed; both signatures on top and valid for dkimpy), and the retry
// that finally succeeds sends exactly those bytes.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { dkimRecords, eventually, remoteDomain, startOutboundWorld, verifyDkim, type OutboundWorld } from '../helpers/outbound-world.ts';
import { runPython } from '../helpers/python.ts';

const ALICE = 'alice@example.com';
const RECIPIENT = 'someone@busy.test';

describe('outbound delivery: signing at enqueue', () => {
  let world: OutboundWorld;
  let server: MailServer;

  before(async () => {
    world = await startOutboundWorld({
      zone: remoteDomain('busy.test', '127.0.5.1'),
      sinkAddresses: ['127.0.5.1'],
      rules: [{ match: '@busy.test', replies: ['451 4.3.0 busy', '451 4.3.0 busy', '451 4.3.0 busy', '250 2.0.0 ok'] }],
    });
    server = await startMailServer(['example.com'], [{ address: ALICE, password: PASSWORD }], world.env);
  });
  after(async () => {
    await server?.close();
    await world?.close();
  });

  it('stores the signed wire form with the requested pool, and the retry sends it unchanged', async () => {
    const result = await runPython<{ sent?: boolean }>('smtp_send.py', {
      host: '127.0.0.1', port: server.port('submission'), mode: 'starttls', user: ALICE, password: PASSWORD,
      sender: ALICE, recipients: [RECIPIENT],
      message: `From: ${ALICE}\r\nTo: ${RECIPIENT}\r\nSubject: signed once\r\nX-Postwarden-Pool: bulk\r\n\r\nHello.\r\n`,
    });
    assert.equal(result.sent, true, JSON.stringify(result));
    const queued = await eventually('a first attempt', async () => {
      const found = (await server.store.listQueue()).find((q) => q.recipients.some((r) => r.address === RECIPIENT));
      return found && (found.recipients[0]?.attempts ?? 0) >= 1 ? found : undefined;
    });
    assert.deepEqual(queued.prepared, { requestedPool: 'bulk' });
    const stored = await server.store.readQueuedMessage(queued.id);
    assert.ok(stored.ok, 'still queued after a first 451');
    const bytes = Buffer.from(stored.value);
    const text = bytes.toString('utf8');
    assert.match(text, /^DKIM-Signature: /, 'the signatures come first');
    assert.doesNotMatch(text, /X-Postwarden-Pool/i, 'the pool header is gone from the stored message');
    const [checks] = await verifyDkim([bytes], await dkimRecords(server.store, 'example.com'));
    assert.equal(checks?.length, 2, 'one RSA and one Ed25519 signature');
    for (const check of checks ?? []) assert.deepEqual([check.valid, check.domain, check.error], [true, 'example.com', null]);
    const [arrived] = await world.sink.waitForMessages(1);
    assert.deepEqual(arrived?.data, bytes, 'the retry sent the bytes signed at enqueue');
    // The sink has the message once it answered 250; our commit of the recipient's state follows.
    const settled = await eventually('the recipient settled', async () => {
      const found = await server.store.getQueued(queued.id);
      return found?.recipients.every((r) => r.state === 'delivered') ? found : undefined;
    });
    assert.deepEqual(settled.recipients.map((r) => [r.state, r.attempts]), [['delivered', 4]]);
  });
});
