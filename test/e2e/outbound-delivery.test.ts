// Outbound delivery end to end on loopback: mail submitted by a user through the submission port
// (Python's smtplib) is routed by MX records from a local DNS server to a local sink (aiosmtpd),
// DKIM-signed with the domain's own keys (verified by dkimpy against the published records), sent
// with a VERP return path, retried after a temporary failure and bounced after a permanent one,
// with one RFC 3464 report in the sender's INBOX.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCa, makeServerCertificate } from '../../src/dns/test-pki.test-support.ts';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { dkimRecords, eventually, remoteDomain, startOutboundWorld, verifyDkim, type OutboundWorld } from '../helpers/outbound-world.ts';
import { runPython } from '../helpers/python.ts';
import type { SinkMessage } from '../helpers/smtp-sink.ts';

interface SendResult {
  readonly sent?: boolean;
  readonly error?: string;
}

const ALICE = 'alice@example.com';
/** RFC 8461 §3.2: three.test's policy requires TLS to its one MX, which offers none. */
const ENFORCE_POLICY = 'version: STSv1\r\nmode: enforce\r\nmx: mx.three.test\r\nmax_age: 86400\r\n';

/** An HTTPS server for mta-sts.three.test on 127.0.0.1 with a certificate from a test CA. */
async function startPolicyServer(dir: string): Promise<{ server: Server; port: number; caFile: string }> {
  const ca = await makeCa('Postwarden test CA');
  const leaf = await makeServerCertificate(['mta-sts.three.test'], { issuer: ca });
  const server = createServer({ cert: leaf.cert, key: leaf.key }, (request, response) => {
    const found = request.url === '/.well-known/mta-sts.txt';
    response.writeHead(found ? 200 : 404, { 'content-type': 'text/plain' }).end(found ? ENFORCE_POLICY : '');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca.cert);
  return { server, port: (server.address() as AddressInfo).port, caFile };
}

describe('outbound delivery', () => {
  let world: OutboundWorld;
  let server: MailServer;
  let dir: string;
  let policy: Server;
  /** The VERP return path the first delivery went out with. */
  let returnPath = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postwarden-sts-'));
    const sts = await startPolicyServer(dir);
    policy = sts.server;
    world = await startOutboundWorld({
      zone: {
        ...remoteDomain('one.test', '127.0.1.1'),
        ...remoteDomain('two.test', '127.0.1.2'),
        ...remoteDomain('three.test', '127.0.1.3'),
        '_mta-sts.three.test': [{ type: 'TXT', text: 'v=STSv1; id=20261128' }],
        'mta-sts.three.test': [{ type: 'A', address: '127.0.0.1' }],
      },
      sinkAddresses: ['127.0.1.1', '127.0.1.2', '127.0.1.3'],
      rules: [
        { match: 'later@', replies: ['451 4.3.0 try again later', '250 2.0.0 ok'] },
        { match: 'nobody@', replies: ['550 5.1.1 no such user here'] },
      ],
    });
    server = await startMailServer(['example.com'], [{ address: ALICE, password: PASSWORD }], {
      ...world.env,
      POSTWARDEN_DELIVERY_MTA_STS_PORT: String(sts.port),
      POSTWARDEN_DELIVERY_CA_FILE: sts.caFile,
    });
  });
  after(async () => {
    await server?.close();
    await world?.close();
    policy?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function submit(recipients: readonly string[], message: string): Promise<void> {
    const result = await runPython<SendResult>('smtp_send.py', {
      host: '127.0.0.1', port: server.port('submission'), mode: 'starttls', user: ALICE, password: PASSWORD,
      sender: ALICE, recipients, message,
    });
    assert.equal(result.sent, true, JSON.stringify(result));
  }

  const to = (sink: readonly SinkMessage[], address: string) => sink.filter((m) => m.recipients.includes(address));

  it('delivers to the MX with both DKIM signatures verifying and a VERP return path', async () => {
    const body = 'From: Alice <alice@example.com>\r\nTo: bob@one.test\r\nSubject: signed\r\nMessage-ID: <signed@example.com>\r\n\r\nHello Bob.\r\n';
    await submit(['bob@one.test'], body);
    const [arrived] = to(await eventually('bob@one.test in the sink', async () => {
      const all = await world.sink.messages();
      return to(all, 'bob@one.test').length > 0 ? all : undefined;
    }), 'bob@one.test');
    assert.ok(arrived);
    assert.equal(arrived.helo, 'localhost', 'no pool: the server hostname');
    assert.match(arrived.mailFrom, /^bounces\+[^@]+@example\.com$/);
    returnPath = arrived.mailFrom;
    assert.ok(arrived.data.toString('utf8').endsWith(body), 'the submitted message arrives byte for byte after the added header fields');
    const [checks] = await verifyDkim([arrived.data], await dkimRecords(server.store, 'example.com'));
    assert.equal(checks?.length, 2, 'one RSA and one Ed25519 signature');
    for (const check of checks ?? []) assert.deepEqual([check.valid, check.domain, check.error], [true, 'example.com', null]);
    // The sink has the message once it answered 250; our commit of the recipient's state follows.
    const queued = await eventually('bob@one.test settled', async () => {
      const found = (await server.store.listQueue()).find((q) => q.recipients.some((r) => r.address === 'bob@one.test'));
      return found?.recipients.every((r) => r.state !== 'queued') ? found : undefined;
    });
    assert.deepEqual(queued.recipients.map((r) => [r.state, r.attempts]), [['delivered', 1]]);
  });

  it('delivers 250 once, retries 451 until it is delivered, bounces 550 with one DSN to the sender', async () => {
    const body = 'From: Alice <alice@example.com>\r\nTo: several@two.test\r\nSubject: mixed\r\nMessage-ID: <mixed@example.com>\r\n\r\nThree recipients.\r\n';
    const recipients = ['ok@two.test', 'later@two.test', 'nobody@two.test'];
    await submit(recipients, body);
    const entry = await eventually('every recipient final', async () => {
      const found = (await server.store.listQueue()).find((q) => q.recipients.some((r) => r.address === 'later@two.test'));
      return found?.recipients.every((r) => r.state === 'delivered' || r.state === 'bounced') ? found : undefined;
    });
    assert.deepEqual(
      entry.recipients.map((r) => [r.address, r.state, r.attempts]).sort(),
      [['later@two.test', 'delivered', 2], ['nobody@two.test', 'bounced', 1], ['ok@two.test', 'delivered', 1]],
    );
    const sink = await world.sink.messages();
    assert.equal(to(sink, 'ok@two.test').length, 1);
    assert.equal(to(sink, 'later@two.test').length, 1, 'the 451 was not delivered then, only on the retry');
    assert.equal(to(sink, 'nobody@two.test').length, 0);

    const reports = await eventually('the DSN in the INBOX', async () => {
      const inbox = (await server.messages(ALICE)).map((m) => m.toString('utf8')).filter((m) => m.includes('report-type=delivery-status'));
      return inbox.length > 0 ? inbox : undefined;
    });
    assert.equal(reports.length, 1, 'one DSN for the message');
    const dsn = reports[0] ?? '';
    assert.match(dsn, /^Return-Path: <>\r\n/);
    assert.match(dsn, /Content-Type: multipart\/report; report-type=delivery-status;/);
    assert.match(dsn, /Final-Recipient: rfc822; ?nobody@two\.test\r\nAction: failed\r\nStatus: 5\.1\.1\r\n/);
    assert.match(dsn, /Diagnostic-Code: smtp; ?550 5\.1\.1 no such user here/);
    assert.doesNotMatch(dsn, /Final-Recipient: rfc822; ?(ok|later)@two\.test/, 'only failed recipients are listed');
    assert.match(dsn, /Message-ID: <mixed@example\.com>/, 'the returned message (or its header) is attached');
  });

  it('defers mail for an MTA-STS enforce domain whose MX offers no STARTTLS, and never sends it in plaintext', async () => {
    await submit(['carol@three.test'], 'From: alice@example.com\r\nTo: carol@three.test\r\nSubject: secret\r\n\r\nNot in plaintext.\r\n');
    const recipient = await eventually('a first attempt', async () => {
      const found = (await server.store.listQueue()).flatMap((q) => q.recipients).find((r) => r.address === 'carol@three.test');
      return found && found.attempts >= 1 ? found : undefined;
    });
    assert.equal(recipient.state, 'deferred');
    assert.match(recipient.lastReply ?? '', /TLS/i);
    assert.equal(to(await world.sink.messages(), 'carol@three.test').length, 0, 'nothing reached the MX');
  });

  it('takes a bounce sent back to a VERP return path into the original sender\'s INBOX, and refuses forged ones', async () => {
    assert.ok(returnPath !== '', 'the first test ran');
    const bounce = 'From: MAILER-DAEMON@one.test\r\nTo: ' + returnPath + '\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\nbob@one.test: mailbox full\r\n';
    const mx = { host: '127.0.0.1', port: server.port('smtp'), mode: 'plain', sender: '', message: bounce };
    const accepted = await runPython<{ sent?: boolean; error?: unknown }>('smtp_send.py', { ...mx, recipients: [returnPath] });
    assert.equal(accepted.sent, true, JSON.stringify(accepted));
    const inbox = (await server.messages(ALICE)).map((m) => m.toString('utf8'));
    assert.ok(inbox.some((m) => m.includes('bob@one.test: mailbox full')), 'the bounce reached alice');
    // Tokens are read in any letter case: change the letter, not its case.
    const forged = returnPath.replace(/\+(.)/, (_, c: string) => `+${c.toLowerCase() === 'a' ? 'b' : 'a'}`);
    const refused = await runPython<{ sent?: boolean; refused?: Record<string, [number, string]> }>('smtp_send.py', { ...mx, recipients: [forged] });
    assert.equal(refused.sent, false);
    assert.equal(refused.refused?.[forged]?.[0], 550);
  });
});
