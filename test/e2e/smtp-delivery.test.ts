// SMTP as real clients use it: Python's smtplib and swaks against the MX, submission
// (STARTTLS) and submissions (implicit TLS) listeners, checking what arrives in mailboxes and
// in the outbound queue.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { runPython } from '../helpers/python.ts';
import { RawSmtp } from '../helpers/smtp-client.ts';

interface SendResult {
  sent: boolean;
  features?: string[];
  auth_offered?: string;
  auth?: [number, string];
  refused?: Record<string, [number, string]>;
  error?: [number, string];
}

const MESSAGE = 'From: someone@remote.example\r\nTo: alice@example.com\r\nSubject: hello\r\n\r\nHello Alice.\r\n';

function swaks(args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('swaks', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe('smtp: delivery with real clients', () => {
  let server: MailServer;

  before(async () => {
    server = await startMailServer(
      ['example.com', 'example.org'],
      [
        { address: 'alice@example.com', password: PASSWORD },
        { address: 'bob@example.com', password: PASSWORD },
        { address: 'small@example.com', password: PASSWORD, quota: '2K' },
        { address: 'jürgen@example.org', password: PASSWORD },
      ],
    );
    const sales = await server.store.setAlias({ address: 'sales@example.com', targets: ['alice@example.com', 'bob@example.com', 'partner@remote.example'] });
    assert.ok(sales.ok);
  });
  after(() => server.close());

  it('delivers MX mail to the INBOX with Return-Path and Received fields', async () => {
    const result = await runPython<SendResult>('smtp_send.py', {
      host: '127.0.0.1', port: server.port('smtp'), mode: 'plain', sender: 'someone@remote.example', recipients: ['alice@example.com'], message: MESSAGE,
    });
    assert.equal(result.sent, true, JSON.stringify(result));
    for (const feature of ['pipelining', 'size', 'enhancedstatuscodes', '8bitmime', 'smtputf8', 'chunking', 'binarymime', 'dsn', 'starttls']) {
      assert.ok(result.features?.includes(feature), `EHLO offers ${feature}`);
    }
    assert.equal(result.auth_offered, '', 'no AUTH on the MX port');
    const [message] = await server.messages('alice@example.com');
    assert.ok(message);
    const text = message.toString();
    assert.match(text, /^Return-Path: <someone@remote\.example>\r\nReceived: from client\.example \(\[127\.0\.0\.1\]\)\r\n\tby localhost \(Postwarden\) with ESMTP id [0-9A-Z]{14}\r\n\tfor <alice@example\.com>;\r\n\t\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r\n/);
    assert.ok(text.endsWith(MESSAGE), 'the message itself is byte-exact');
    const queueId = /with ESMTP id ([0-9A-Z]{14})/.exec(text)?.[1];
    const logged = server.serve.stderr().split('\n').filter((line) => line.includes(`"queueId":"${queueId}"`));
    assert.equal(logged.length, 1, 'one log line per transaction');
    const entry = JSON.parse(logged[0] ?? '{}') as Record<string, unknown>;
    assert.deepEqual(
      [entry.msg, entry.client, entry.helo, entry.sender, entry.recipients, entry.verdict, entry.tls, entry.size],
      ['smtp transaction', '127.0.0.1', 'client.example', 'someone@remote.example', ['alice@example.com'], 'accepted', null, Buffer.byteLength(MESSAGE)],
    );
  });

  it('refuses unknown users at RCPT time and delivers to the others', async () => {
    const result = await runPython<SendResult>('smtp_send.py', {
      host: '127.0.0.1', port: server.port('smtp'), mode: 'plain', sender: 'x@remote.example',
      recipients: ['bob@example.com', 'nobody@example.com', 'carol@remote.example', 'BOB+news@Example.COM'], message: MESSAGE,
    });
    assert.equal(result.sent, true);
    assert.deepEqual(result.refused, {
      'nobody@example.com': [550, '5.1.1 Recipient address rejected: no such user here'],
      'carol@remote.example': [550, '5.7.1 Relay access denied'],
    });
    const messages = await server.messages('bob@example.com');
    assert.equal(messages.length, 1, 'bob and bob+news are the same account: one copy');
  });

  it('expands aliases to local accounts and queues their remote targets', async () => {
    const before = (await server.store.listQueue()).length;
    const result = await runPython<SendResult>('smtp_send.py', {
      host: '127.0.0.1', port: server.port('smtp'), mode: 'plain', sender: 'x@remote.example', recipients: ['sales@example.com'], message: MESSAGE,
    });
    assert.equal(result.sent, true);
    const queue = await server.store.listQueue();
    assert.equal(queue.length, before + 1);
    assert.deepEqual(queue.at(-1)?.recipients.map((r) => r.address), ['partner@remote.example']);
    assert.equal(queue.at(-1)?.envelope.sender, 'x@remote.example');
  });

  it('refuses a message larger than SIZE allows before the data is sent', async () => {
    const client = await RawSmtp.connect(server.port('smtp'));
    try {
      assert.equal((await client.reply())?.code, 220);
      assert.equal((await client.command('EHLO client.example'))?.code, 250);
      const refused = await client.command('MAIL FROM:<x@remote.example> SIZE=999999999');
      assert.equal(refused?.code, 552);
      assert.match(refused?.text ?? '', /^5\.3\.4 /);
      assert.equal((await client.command('MAIL FROM:<x@remote.example> SIZE=1000'))?.code, 250, 'the session goes on');
    } finally {
      client.close();
    }
  });

  it('refuses a recipient over quota when the declared SIZE will not fit', async () => {
    // smtplib declares SIZE itself (RFC 1870) from the message length: 3 KB against a 2 KB quota.
    const result = await runPython<SendResult>('smtp_send.py', {
      host: '127.0.0.1', port: server.port('smtp'), mode: 'plain', sender: 'x@remote.example', recipients: ['small@example.com'],
      message: `${MESSAGE}${'x'.repeat(3000)}\r\n`,
    });
    assert.equal(result.sent, false);
    assert.deepEqual(result.refused?.['small@example.com'], [452, '4.2.2 Mailbox full; try again later']);
  });

  it('accepts UTF-8 addresses and headers with SMTPUTF8', async () => {
    const message = 'From: Jörg <jörg@bücher.example>\r\nTo: jürgen@example.org\r\nSubject: Grüße\r\n\r\nÄpfel und Birnen.\r\n';
    const result = await runPython<SendResult>('smtp_send.py', {
      host: '127.0.0.1', port: server.port('smtp'), mode: 'plain', sender: 'jörg@bücher.example', recipients: ['JÜRGEN@example.org'],
      message, mail_options: ['SMTPUTF8', 'BODY=8BITMIME'],
    });
    assert.equal(result.sent, true, JSON.stringify(result));
    const [delivered] = await server.messages('jürgen@example.org');
    assert.ok(delivered?.toString('utf8').endsWith(message));
    assert.match(delivered?.toString('utf8') ?? '', /^Return-Path: <jörg@xn--bcher-kva\.example>\r\n/);
    assert.match(delivered?.toString('utf8') ?? '', /with UTF8SMTP id/);
  });

  it('submits over STARTTLS with AUTH PLAIN and LOGIN, and queues remote recipients', async () => {
    for (const mechanism of ['PLAIN', 'LOGIN']) {
      const result = await runPython<SendResult>('smtp_send.py', {
        host: '127.0.0.1', port: server.port('submission'), mode: 'starttls', user: 'alice@example.com', password: PASSWORD, mechanism,
        sender: 'alice@example.com', recipients: ['carol@remote.example', 'bob@example.com'],
        message: 'From: Alice <alice@example.com>\r\nTo: carol@remote.example\r\nSubject: hi\r\n\r\nHi.\r\n',
      });
      assert.equal(result.sent, true, JSON.stringify(result));
      assert.equal(result.auth?.[0], 235);
      assert.match(result.auth_offered ?? '', /SCRAM-SHA-256 PLAIN LOGIN/);
    }
    const queued = (await server.store.listQueue()).filter((q) => q.envelope.sender === 'alice@example.com');
    assert.equal(queued.length, 2);
    assert.deepEqual(queued[0]?.recipients.map((r) => r.address), ['carol@remote.example']);
    // The delivery scheduler may already have tried (the test relay refuses): waiting, not final.
    assert.ok(['queued', 'deferred'].includes(queued[0]?.recipients[0]?.state ?? ''), queued[0]?.recipients[0]?.state);
    assert.equal(queued[0]?.envelope.accountId, (await server.store.getAccount('alice@example.com'))?.id);
    const raw = await server.store.readQueuedMessage(queued[0]?.id ?? '');
    assert.ok(raw.ok);
    // Queued in its wire form: signed at enqueue (the DKIM-Signature fields on top), then our Received.
    const queuedText = Buffer.from(raw.value).toString();
    assert.match(queuedText, /^(DKIM-Signature: .*\r\n(?:[ \t].*\r\n)*)+Received: from client\.example \(\[127\.0\.0\.1\]\)\r\n\tby localhost \(Postwarden\) with ESMTPSA id \w+\r\n\t\(using TLSv1\.3 with cipher TLS_\w+\);/);
    assert.doesNotMatch(queuedText, /^Return-Path/m, 'relayed mail has no Return-Path yet');
  });

  it('submits over implicit TLS (RFC 8314)', async () => {
    const result = await runPython<SendResult>('smtp_send.py', {
      host: '127.0.0.1', port: server.port('submissions'), mode: 'ssl', user: 'bob@example.com', password: PASSWORD,
      sender: 'bob+list@example.com', recipients: ['alice@example.com'],
      message: 'From: bob@example.com\r\nTo: alice@example.com\r\nSubject: tls\r\n\r\nOver TLS.\r\n',
    });
    assert.equal(result.sent, true, JSON.stringify(result));
    assert.ok(!result.features?.includes('starttls'), 'no STARTTLS on an implicit-TLS port');
  });

  it('refuses senders and From: fields the user does not own, and mail without AUTH', async () => {
    const base = { host: '127.0.0.1', port: server.port('submission'), mode: 'starttls', user: 'alice@example.com', password: PASSWORD };
    const foreignSender = await runPython<SendResult>('smtp_send.py', { ...base, sender: 'bob@example.com', recipients: ['x@remote.example'], message: MESSAGE });
    assert.deepEqual(foreignSender.error?.[0], 553);
    const foreignFrom = await runPython<SendResult>('smtp_send.py', {
      ...base, sender: 'alice@example.com', recipients: ['x@remote.example'], message: 'From: Bob <bob@example.com>\r\n\r\nForged.\r\n',
    });
    assert.deepEqual(foreignFrom.error?.[0], 553);
    const anonymous = await runPython<SendResult>('smtp_send.py', {
      host: '127.0.0.1', port: server.port('submission'), mode: 'starttls', sender: 'alice@example.com', recipients: ['x@remote.example'], message: MESSAGE,
    });
    assert.deepEqual(anonymous.error?.[0], 530);
    const wrong = await runPython<SendResult>('smtp_send.py', { ...base, password: 'not the password', sender: 'alice@example.com', recipients: ['x@remote.example'], message: MESSAGE });
    assert.deepEqual(wrong.error?.[0], 535);
    const unknown = await runPython<SendResult>('smtp_send.py', { ...base, user: 'ghost@example.com', sender: 'alice@example.com', recipients: ['x@remote.example'], message: MESSAGE });
    assert.deepEqual(unknown.error, wrong.error, 'unknown user and wrong password look the same');
  });

  it('works with swaks: pipelining, STARTTLS and AUTH', async () => {
    const mx = await swaks(['--server', `127.0.0.1:${server.port('smtp')}`, '--to', 'alice@example.com', '--from', 'swaks@remote.example', '--pipeline', '--ehlo', 'swaks.example']);
    assert.equal(mx.status, 0, mx.output);
    assert.match(mx.output, /<- {2}250 2\.0\.0 Ok: queued as/);
    const submission = await swaks([
      '--server', `127.0.0.1:${server.port('submission')}`, '--tls', '--auth', 'LOGIN', '--auth-user', 'bob@example.com', '--auth-password', PASSWORD,
      '--to', 'alice@example.com', '--from', 'bob@example.com', '--header', 'From: bob@example.com', '--pipeline',
    ]);
    assert.equal(submission.status, 0, submission.output);
    assert.match(submission.output, /235 2\.7\.0 Authentication successful/);
  });
});
