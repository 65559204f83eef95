// SMTP against hostile and broken clients, over raw sockets: smuggling, STARTTLS injection,
// open-relay tricks, pipelining and greeting violations, oversized lines, SASL garbage, and the
// limits that end abusive sessions. Also BDAT/CHUNKING and SCRAM-SHA-256, which the standard
// clients do not speak.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { ScramClient } from '../helpers/scram-client.ts';
import { RawSmtp } from '../helpers/smtp-client.ts';

async function greeted(port: number, options: { tls?: boolean } = {}): Promise<RawSmtp> {
  const client = await RawSmtp.connect(port, options);
  assert.equal((await client.reply())?.code, 220);
  assert.equal((await client.command('EHLO client.example'))?.code, 250);
  return client;
}

async function authenticated(server: MailServer): Promise<RawSmtp> {
  const client = await greeted(server.port('submissions'), { tls: true });
  const plain = Buffer.from(`\0alice@example.com\0${PASSWORD}`).toString('base64');
  assert.equal((await client.command(`AUTH PLAIN ${plain}`))?.code, 235);
  return client;
}

describe('smtp: hostile and unusual clients', () => {
  let server: MailServer;
  const inbox = () => server.messages('alice@example.com');

  before(async () => {
    server = await startMailServer(['example.com'], [{ address: 'alice@example.com', password: PASSWORD }], {
      POSTWARDEN_SMTP_MAX_ERRORS: '10',
    });
  });
  after(() => server.close());

  it('never lets a smuggled end-of-data start a second message', async () => {
    const variants = ['\n.\n', '\n.\r\n', '\r.\n', '\r.\r\n', '\r\n\x00.\r\n'];
    for (const variant of variants) {
      const before = (await inbox()).length;
      const client = await greeted(server.port('smtp'));
      client.send('MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.com>\r\n');
      assert.equal((await client.reply())?.code, 250);
      assert.equal((await client.reply())?.code, 250);
      assert.equal((await client.command('DATA'))?.code, 354);
      client.send(`Subject: first\r\n\r\nbody${variant}MAIL FROM:<evil@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n`);
      const end = await client.reply();
      const next = await client.command('NOOP');
      assert.equal(next?.code, 250, `exactly one reply for the message (${JSON.stringify(variant)})`);
      const after = await inbox();
      if (variant === '\r\n\x00.\r\n') {
        assert.equal(end?.code, 250, 'NUL before the dot is ordinary data');
        assert.equal(after.length, before + 1);
        assert.match(after.at(-1)?.toString('latin1') ?? '', /\r\n\x00\.\r\nMAIL FROM:<evil@remote\.example>/);
      } else {
        assert.equal(end?.code, 554, `bare line endings refused (${JSON.stringify(variant)})`);
        assert.equal(after.length, before, 'nothing delivered');
      }
      client.close();
    }
  });

  it('discards plaintext injected after STARTTLS and starts over under TLS', async () => {
    const client = await greeted(server.port('smtp'));
    client.send('STARTTLS\r\nMAIL FROM:<injected@remote.example>\r\n');
    assert.equal((await client.reply())?.code, 220);
    await client.startTls();
    const mail = await client.command('MAIL FROM:<x@remote.example>');
    assert.equal(mail?.code, 503, 'the session starts over: EHLO first, and the injected MAIL was dropped');
    assert.equal((await client.command('EHLO client.example'))?.code, 250);
    assert.equal((await client.command('STARTTLS'))?.code, 503, 'no second STARTTLS');
    client.close();
  });

  it('refuses every open-relay trick on the MX', async () => {
    const tricks = [
      'user%remote.example@example.com',
      'remote.example!user@example.com',
      '@example.com:user@remote.example',
      '"user@remote.example"@example.com',
      'user@[127.0.0.1]',
      'user@[IPv6:::1]',
      'user@remote.example.',
      'user@remote.example',
      'alice@example.com.remote.example',
      'user@xn--rmote-5ra.example',
      'user@EXAMPLE.COM.',
    ];
    for (const trick of tricks) {
      const client = await greeted(server.port('smtp'));
      assert.equal((await client.command('MAIL FROM:<probe@remote.example>'))?.code, 250);
      const answer = await client.command(`RCPT TO:<${trick}>`);
      assert.ok(answer && answer.code >= 500 && answer.code < 600, `${trick}: ${answer?.lines.join(' ')}`);
      assert.notEqual((await client.command('DATA'))?.code, 354, `${trick}: no transaction can go on`);
      client.close();
    }
    const client = await greeted(server.port('smtp'));
    assert.equal((await client.command('MAIL FROM:<probe@remote.example>'))?.code, 250);
    for (const local of ['ALICE@example.com', 'alice@EXAMPLE.com', 'alice+tag@example.com']) {
      assert.equal((await client.command(`RCPT TO:<${local}>`))?.code, 250, `${local} is local`);
    }
    client.close();
  });

  it('refuses AUTH on the MX and before TLS on submission', async () => {
    const mx = await greeted(server.port('smtp'));
    assert.equal((await mx.command('AUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHg='))?.code, 502);
    mx.close();
    const submission = await greeted(server.port('submission'));
    assert.equal((await submission.command('AUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHg='))?.code, 538);
    assert.equal((await submission.command('MAIL FROM:<alice@example.com>'))?.code, 530);
    submission.close();
  });

  it('answers SASL garbage and stays up', async () => {
    const client = await greeted(server.port('submissions'), { tls: true });
    const cases = [
      Buffer.from('no nul at all').toString('base64'),
      Buffer.from('\0\0\0three nuls').toString('base64'),
      'not*base64!',
      'A'.repeat(100 * 1024),
    ];
    for (const garbage of cases) {
      const answer = await client.command(`AUTH PLAIN ${garbage}`);
      assert.ok(answer && answer.code >= 500, `${garbage.slice(0, 20)}: ${answer?.lines.join(' ')}`);
    }
    assert.equal((await client.command('AUTH LOGIN'))?.code, 334);
    assert.equal((await client.command('*'))?.code, 501, '"*" cancels');
    assert.equal((await client.command('NOOP'))?.code, 250);
    client.close();
  });

  it('authenticates with SCRAM-SHA-256 and proves the server knows the verifier', async () => {
    const client = await greeted(server.port('submissions'), { tls: true });
    const scram = new ScramClient('alice@example.com', PASSWORD);
    const first = await client.command(`AUTH SCRAM-SHA-256 ${scram.first()}`);
    assert.equal(first?.code, 334);
    const final = await client.command(scram.final(first?.lines[0]?.slice(4) ?? ''));
    assert.equal(final?.code, 334);
    assert.ok(scram.verify(final?.lines[0]?.slice(4) ?? ''), 'server signature verifies');
    assert.equal((await client.command(''))?.code, 235);
    client.close();
    const wrong = await greeted(server.port('submissions'), { tls: true });
    const bad = new ScramClient('alice@example.com', 'wrong password');
    const reply = await wrong.command(`AUTH SCRAM-SHA-256 ${bad.first()}`);
    assert.equal((await wrong.command(bad.final(reply?.lines[0]?.slice(4) ?? '')))?.code, 535);
    wrong.close();
  });

  it('delivers with BDAT in several chunks, binary-transparent', async () => {
    const client = await authenticated(server);
    const parts = [Buffer.from('Subject: chunks\r\nFrom: alice@example.com\r\n\r\nline one\r\n'), Buffer.from('.line with a dot\r\n\x00binary\xff\r\n', 'latin1'), Buffer.from('')];
    client.send('MAIL FROM:<alice@example.com> BODY=BINARYMIME\r\nRCPT TO:<alice@example.com>\r\n');
    assert.equal((await client.reply())?.code, 250);
    assert.equal((await client.reply())?.code, 250);
    client.send(Buffer.concat([Buffer.from(`BDAT ${parts[0]?.length}\r\n`), parts[0] ?? Buffer.alloc(0)]));
    assert.equal((await client.reply())?.code, 250);
    client.send(Buffer.concat([Buffer.from(`BDAT ${parts[1]?.length}\r\n`), parts[1] ?? Buffer.alloc(0), Buffer.from('BDAT 0 LAST\r\n')]));
    assert.equal((await client.reply())?.code, 250);
    const last = await client.reply();
    assert.equal(last?.code, 250);
    assert.match(last?.text ?? '', /queued as/);
    const delivered = (await inbox()).at(-1);
    assert.ok(delivered?.subarray(delivered.length - (parts[0]?.length ?? 0) - (parts[1]?.length ?? 0)).equals(Buffer.concat(parts)));
    assert.equal((await client.command('DATA'))?.code, 503, 'no transaction left');
    client.send('MAIL FROM:<alice@example.com> BODY=BINARYMIME\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n');
    await client.reply();
    await client.reply();
    assert.equal((await client.reply())?.code, 503, 'BINARYMIME needs BDAT');
    client.close();
  });

  it('drains the BDAT chunk of a refused transaction', async () => {
    const client = await greeted(server.port('smtp'));
    const chunk = 'MAIL FROM:<x@y.z>\r\n';
    client.send(`BDAT ${chunk.length}\r\n${chunk}NOOP\r\n`);
    const answer = await client.reply();
    assert.equal(answer?.code, 503, 'no transaction: refused');
    assert.equal((await client.reply())?.code, 250, 'the chunk was drained, not taken for a MAIL command');
    assert.equal((await client.command('MAIL FROM:<x@y.z>'))?.code, 250, 'no transaction was opened by the chunk');
    client.close();
  });

  it('answers a 100 KB command line and keeps the session', async () => {
    const client = await greeted(server.port('smtp'));
    const answer = await client.command(`MAIL FROM:<${'a'.repeat(100 * 1024)}@remote.example>`);
    assert.equal(answer?.code, 500);
    assert.equal((await client.command('NOOP'))?.code, 250);
    client.close();
  });

  it('delivers header fields named __proto__ and constructor untouched', async () => {
    const client = await greeted(server.port('smtp'));
    client.send('MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.com>\r\n');
    await client.reply();
    await client.reply();
    assert.equal((await client.command('DATA'))?.code, 354);
    const body = '__proto__: {"polluted": true}\r\nconstructor: x\r\nSubject: proto\r\n\r\nhi\r\n';
    assert.equal((await client.command(`${body}.`))?.code, 250);
    assert.ok((await inbox()).at(-1)?.toString().endsWith(body));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    client.close();
  });

  it('refuses commands sent before the greeting', async () => {
    const early = await startMailServer(['example.com'], [], { POSTWARDEN_SMTP_GREETING_DELAY_MS: '300' });
    try {
      const client = await RawSmtp.connect(early.port('smtp'));
      client.send('EHLO early.example\r\n');
      const answer = await client.reply();
      assert.equal(answer?.code, 554);
      assert.ok(await client.waitClosed());
      const polite = await RawSmtp.connect(early.port('smtp'));
      assert.equal((await polite.reply())?.code, 220);
      polite.close();
    } finally {
      await early.close();
    }
  });

  it('refuses pipelining that was not offered, and commands pipelined after DATA', async () => {
    const helo = await RawSmtp.connect(server.port('smtp'));
    await helo.reply();
    helo.send('HELO client.example\r\nMAIL FROM:<a@remote.example>\r\n');
    assert.equal((await helo.reply())?.code, 250);
    assert.equal((await helo.reply())?.code, 554);
    assert.ok(await helo.waitClosed());
    const early = await greeted(server.port('smtp'));
    early.send('MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n');
    await early.reply();
    await early.reply();
    assert.equal((await early.reply())?.code, 554, 'data sent before 354 is refused');
    assert.ok(await early.waitClosed());
  });

  it('ends a session after too many errors', async () => {
    const client = await greeted(server.port('smtp'));
    let last: number | undefined;
    for (let i = 0; i < 12 && !client.closed; i++) last = (await client.command('BOGUS'))?.code ?? last;
    assert.equal(last, 421);
    assert.ok(await client.waitClosed());
  });

  it('closes an idle session after the command timeout', async () => {
    const slow = await startMailServer(['example.com'], [], { POSTWARDEN_SMTP_COMMAND_TIMEOUT_SECONDS: '1' });
    try {
      const client = await greeted(slow.port('smtp'));
      client.send('NO'); // a command that never ends (slowloris)
      const answer = await client.reply();
      assert.equal(answer?.code, 421);
      assert.match(answer?.text ?? '', /^4\.4\.2 /);
    } finally {
      await slow.close();
    }
  });

  it('refuses oversized DATA after reading it, and cuts off stalled DATA and endless sessions', async () => {
    const strict = await startMailServer(['example.com'], [{ address: 'alice@example.com', password: PASSWORD }], {
      POSTWARDEN_SMTP_MAX_MESSAGE_SIZE: '2048',
      POSTWARDEN_SMTP_DATA_TIMEOUT_SECONDS: '1',
      POSTWARDEN_SMTP_SESSION_TIMEOUT_SECONDS: '3',
    });
    try {
      const big = await greeted(strict.port('smtp'));
      big.send('MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.com>\r\n');
      await big.reply();
      await big.reply();
      assert.equal((await big.command('DATA'))?.code, 354);
      const answer = await big.command(`Subject: big\r\n\r\n${'x'.repeat(4000)}\r\n.`);
      assert.equal(answer?.code, 552, 'too large, answered after the terminator');
      assert.equal((await big.command('NOOP'))?.code, 250, 'framing kept');
      assert.equal((await strict.messages('alice@example.com')).length, 0);

      const stalled = await greeted(strict.port('smtp'));
      stalled.send('MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.com>\r\n');
      await stalled.reply();
      await stalled.reply();
      assert.equal((await stalled.command('DATA'))?.code, 354);
      stalled.send('Subject: half a message\r\n');
      assert.equal((await stalled.reply())?.code, 421, 'a stalled DATA times out');
      assert.equal((await strict.messages('alice@example.com')).length, 0, 'and nothing is delivered');

      const endless = await greeted(strict.port('smtp'));
      let closedBy: number | undefined;
      for (let i = 0; i < 100 && closedBy === undefined; i++) {
        const answer = await endless.command('NOOP');
        if (answer?.code !== 250) closedBy = answer?.code ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(closedBy, 421, 'a busy but endless session ends at the session timeout');
    } finally {
      await strict.close();
    }
  });

  it('limits connections per client network', async () => {
    const limited = await startMailServer(['example.com'], [], { POSTWARDEN_SMTP_MAX_CONNECTIONS_PER_IP: '2' });
    try {
      const first = await RawSmtp.connect(limited.port('smtp'));
      const second = await RawSmtp.connect(limited.port('smtp'));
      assert.equal((await first.reply())?.code, 220);
      assert.equal((await second.reply())?.code, 220);
      const third = await RawSmtp.connect(limited.port('smtp'));
      assert.equal((await third.reply())?.code, 421);
      first.close();
      second.close();
    } finally {
      await limited.close();
    }
  });
});
