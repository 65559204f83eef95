// Delay notices and expiry (RFC 3461 NOTIFY, RFC 3464 reports, RFC 5321 §4.5.4.1): with a
// destination that always answers 451 and a queue lifetime of seconds, a sender who asked for
// NOTIFY=DELAY gets one "delayed" report and then one "failed" report (5.4.7 expired); a sender
// who said NOTIFY=NEVER gets nothing, and the queue ends with both recipients expired.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { eventually, remoteDomain, startOutboundWorld, type OutboundWorld } from '../helpers/outbound-world.ts';
import { runPython } from '../helpers/python.ts';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';

describe('outbound delivery: delay notices and expiry', () => {
  let world: OutboundWorld;
  let server: MailServer;

  before(async () => {
    world = await startOutboundWorld({
      zone: remoteDomain('later.test', '127.0.4.1'),
      sinkAddresses: ['127.0.4.1'],
      rules: [{ match: '@later.test', replies: ['451 4.3.0 mailbox busy, try again'] }],
    });
    server = await startMailServer(['example.com'], [{ address: ALICE, password: PASSWORD }, { address: BOB, password: PASSWORD }], {
      ...world.env,
      POSTWARDEN_DELIVERY_DELAY_WARNING_HOURS: '0.0005', // 1.8 s
      POSTWARDEN_DELIVERY_MAX_QUEUE_DAYS: '0.0001', // 8.64 s
    });
  });
  after(async () => {
    await server?.close();
    await world?.close();
  });

  async function send(from: string, recipient: string, notify: string): Promise<void> {
    const result = await runPython<{ sent?: boolean }>('smtp_send.py', {
      host: '127.0.0.1', port: server.port('submission'), mode: 'starttls', user: from, password: PASSWORD,
      sender: from, recipients: [recipient], rcpt_options: [`NOTIFY=${notify}`],
      message: `From: ${from}\r\nTo: ${recipient}\r\nSubject: waiting\r\n\r\nWill it arrive?\r\n`,
    });
    assert.equal(result.sent, true, JSON.stringify(result));
  }

  const reports = async (address: string) =>
    (await server.messages(address)).map((m) => m.toString('utf8')).filter((m) => m.includes('report-type=delivery-status'));

  it('sends one delay notice, then one expiry bounce, and nothing to NOTIFY=NEVER', async () => {
    await send(ALICE, 'slow@later.test', 'DELAY,FAILURE');
    await send(BOB, 'quiet@later.test', 'NEVER');
    const finished = await eventually('both recipients expired', async () => {
      const all = (await server.store.listQueue({ pending: false })).flatMap((q) => q.recipients);
      return all.length === 2 && all.every((r) => r.state === 'expired') ? all : undefined;
    });
    assert.ok(finished.every((r) => r.attempts >= 2), 'retried before giving up');
    const alice = await eventually('two reports for alice', async () => {
      const found = await reports(ALICE);
      return found.length >= 2 ? found : undefined;
    });
    assert.equal(alice.length, 2);
    const [delayed, failed] = alice;
    assert.match(delayed ?? '', /Action: delayed\r\nStatus: 4\.3\.0\r\n/);
    assert.match(delayed ?? '', /Will-Retry-Until: /);
    assert.match(failed ?? '', /Final-Recipient: rfc822; ?slow@later\.test\r\nAction: failed\r\nStatus: 5\.4\.7\r\n/);
    assert.match(failed ?? '', /451 4\.3\.0 mailbox busy/);
    assert.deepEqual(await reports(BOB), [], 'NOTIFY=NEVER: no report at all');
    assert.equal((await world.sink.messages()).length, 0);
  });
});
