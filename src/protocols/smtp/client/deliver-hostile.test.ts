// The client facing servers that do not follow the protocol: over-long lines and replies,
// bare LF, replies of the wrong class, floods of replies, connections closed at any point,
// control characters in reply text, and (fast-check) random scripts of reply bytes. Whatever
// the server sends, deliverSession resolves to a well-formed report and never throws.

import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { bytes } from '../wire/wire.test-support.ts';
import { SmtpChannel } from './channel.ts';
import { deliverSession, type OutgoingMessage, type SessionReport, type Timeouts } from './deliver.ts';
import { CLIENT_MAX_REPLY_LINE_OCTETS, CLIENT_MAX_REPLY_LINES, MAX_BUFFERED_REPLIES, MAX_REPLY_TEXT_CHARS } from './limits.ts';

const SHORT: Partial<Timeouts> = { connect: 2000, greeting: 300, command: 300, mail: 300, rcpt: 300, dataInit: 300, dataBlock: 300, dataEnd: 300, quit: 100 };

/**
 * A server that greets with the first element of its script and answers the n-th read with
 * the next one; after the last, it closes the connection or says nothing more.
 */
class ScriptedServer {
  readonly #server: Server = createServer((socket) => this.#connected(socket));
  readonly #sockets = new Set<Socket>();
  script: readonly Uint8Array[] = [];
  /** What the client of the last connection sent, read by read. */
  received: string[] = [];
  end: 'close' | 'silent' = 'close';
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }

  #connected(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    const script = this.script;
    const end = this.end;
    let step = 0;
    const next = () => {
      const chunk = script[step++];
      if (chunk !== undefined) socket.write(chunk);
      if (step >= script.length && end === 'close') socket.end();
    };
    next();
    this.received = [];
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk.toString('latin1'));
      next();
    });
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function message(recipients = ['a@sink.test', 'b@sink.test'], overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { sender: 's@postwarden.test', recipients: recipients.map((address) => ({ address })), body: '7BIT', smtputf8: false, requireTls: false, data: bytes('Subject: x\r\n\r\nbody\r\n'), ...overrides };
}

/** The shape every report must have, whatever happened. */
function assertWellFormed(report: SessionReport, messages: readonly OutgoingMessage[]): void {
  assert.equal(report.messages.length, messages.length);
  report.messages.forEach((outcomes, i) => {
    assert.deepEqual(outcomes.map((outcome) => outcome.address), messages[i]?.recipients.map((recipient) => recipient.address));
    for (const outcome of outcomes) {
      assert.ok(['delivered', 'temporary', 'permanent'].includes(outcome.status));
      assert.match(outcome.enhanced, /^[245]\.[0-9]{1,3}\.[0-9]{1,3}$/);
      assert.equal(outcome.enhanced[0], outcome.status === 'delivered' ? '2' : outcome.status === 'temporary' ? '4' : '5', JSON.stringify(outcome));
      if (outcome.status === 'delivered') assert.equal(Math.floor((outcome.reply?.code ?? 0) / 100), 2);
      assert.ok(!/[\r\n\u0000]/.test(outcome.detail));
    }
  });
  if (report.failure !== undefined) assert.ok(report.failure.detail.length > 0);
}

describe('deliverSession against hostile servers', () => {
  const server = new ScriptedServer();
  before(() => server.start());
  after(() => server.close());

  async function run(script: readonly string[], messages = [message()], end: 'close' | 'silent' = 'close'): Promise<SessionReport> {
    server.script = script.map((text) => bytes(text));
    server.end = end;
    const report = await deliverSession({ host: '127.0.0.1', port: server.port, servername: 'mx.hostile.test' }, { helo: 'out.postwarden.test', tls: 'opportunistic', timeouts: SHORT }, messages);
    assertWellFormed(report, messages);
    return report;
  }

  const GREETING = '220 hostile.test ESMTP\r\n';
  const EHLO = '250-hostile.test\r\n250 PIPELINING\r\n';

  it(`reads reply lines up to ${CLIENT_MAX_REPLY_LINE_OCTETS} octets; a longer one is a protocol failure`, async () => {
    const longest = `220 ${'x'.repeat(CLIENT_MAX_REPLY_LINE_OCTETS - 6)}\r\n`;
    assert.equal(longest.length, CLIENT_MAX_REPLY_LINE_OCTETS);
    const fits = await run([longest, '250 ok\r\n', '250 ok\r\n250 ok\r\n250 ok\r\n', '354 go\r\n', '250 ok\r\n', '221 bye\r\n']);
    assert.equal(fits.failure, undefined);
    // The text kept in the report is bounded on its own.
    assert.equal(fits.greeting?.text.length, MAX_REPLY_TEXT_CHARS);
    assert.ok(fits.greeting?.text.endsWith('x…'));
    const tooLong = await run([`220 ${'x'.repeat(CLIENT_MAX_REPLY_LINE_OCTETS - 5)}\r\n`]);
    assert.deepEqual([tooLong.failure?.stage, tooLong.messages[0]?.[0]?.status], ['protocol', 'temporary']);
    // A line that never ends is skipped as it arrives (nothing is buffered) until the timeout.
    const endless = await run([GREETING, `250-${'y'.repeat(100_000)}`], [message()], 'silent');
    assert.equal(endless.failure?.stage, 'timeout');
  });

  it(`reads replies of up to ${CLIENT_MAX_REPLY_LINES} lines; a longer one is a protocol failure`, async () => {
    const lines = (n: number) => `${'250-X\r\n'.repeat(n - 1)}250 PIPELINING\r\n`;
    const fits = await run([GREETING, lines(CLIENT_MAX_REPLY_LINES), '250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n', '250 ok\r\n']);
    assert.equal(fits.failure, undefined);
    const tooMany = await run([GREETING, lines(CLIENT_MAX_REPLY_LINES + 1)]);
    assert.equal(tooMany.failure?.stage, 'protocol');
  });

  it('bare LF, changing codes, replies of the wrong class and early closes end in failures, not exceptions', async () => {
    const cases: readonly (readonly [readonly string[], string, string?])[] = [
      [['220 ok\n'], 'protocol'],
      [[GREETING, '250-a\r\n251 b\r\n'], 'protocol'],
      [['hello there\r\n'], 'protocol'],
      [['199 what\r\n'], 'protocol'],
      [['250 wrong greeting\r\n'], 'protocol'],
      [[GREETING], 'closed'],
      // With PIPELINING, MAIL, both RCPTs and DATA go in one write and are answered together.
      [[GREETING, EHLO, '354 go on\r\n250 ok\r\n250 ok\r\n554 no\r\n'], 'protocol'],
      [[GREETING, EHLO, '250 ok\r\n250 ok\r\n250 ok\r\n250 not 354\r\n'], 'protocol'],
      [[GREETING, EHLO, '250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n'], 'closed'],
      [[GREETING, EHLO, '250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n', '354 again\r\n'], 'protocol'],
      [[GREETING, EHLO, '250 ok\r\n250 ok\r\n250 ok\r\n'], 'closed'],
      [[GREETING, '220 not an EHLO reply\r\n'], 'protocol'],
      [[GREETING, '554 5.7.1 go away\r\n', '502 no HELO either\r\n'], 'ehlo', 'permanent'],
      [[GREETING, EHLO, '250 ok\r\n'], 'closed'],
    ];
    for (const [script, stage, status = 'temporary'] of cases) {
      const report = await run(script);
      assert.equal(report.failure?.stage, stage, JSON.stringify(script));
      assert.deepEqual(report.messages.flat().map((outcome) => outcome.status), [status, status], JSON.stringify(script));
    }
    const silent = await run([GREETING, EHLO], [message()], 'silent');
    assert.equal(silent.failure?.stage, 'timeout');
  });

  it('a pipelined DATA answered with 354 though every recipient was refused gets only the end of data', async () => {
    const report = await run([GREETING, EHLO, '250 ok\r\n550 5.1.1 no\r\n550 5.1.1 no\r\n354 go\r\n', '250 2.0.0 nothing\r\n', '221 bye\r\n']);
    assert.equal(report.failure, undefined);
    assert.deepEqual(report.messages.flat().map((outcome) => outcome.status), ['permanent', 'permanent']);
    const sent = server.received.join('');
    assert.match(sent, /RCPT TO:<b@sink\.test>\r\nDATA\r\n\.\r\nQUIT\r\n$/, 'no content: the end of data, then QUIT');
  });

  it('control characters and invalid UTF-8 in reply text are replaced before they reach an outcome', async () => {
    const report = await run([GREETING, EHLO, '250 ok\r\n550 5.1.1 bad\x1b[31m \xff\xfe user\x00\r\n550 5.1.1 also \x07\r\n554 5.5.1 no valid recipients\r\n']);
    const [first, second] = report.messages[0] ?? [];
    assert.equal(first?.reply?.text, 'bad?[31m \ufffd\ufffd user?');
    assert.equal(second?.reply?.text, 'also ?');
  });

  it(`keeps reading in order when a server floods replies (the socket pauses past ${MAX_BUFFERED_REPLIES})`, async () => {
    const count = MAX_BUFFERED_REPLIES * 20;
    server.script = [bytes(Array.from({ length: count }, (_, i) => `250 reply ${i}\r\n`).join(''))];
    server.end = 'silent';
    const opened = await SmtpChannel.open({ host: '127.0.0.1', port: server.port, servername: 'x' }, 2000);
    assert.ok(opened.ok);
    for (let i = 0; i < count; i++) {
      const reply = await opened.value.read(5000, 'flood');
      assert.ok(reply.ok);
      assert.deepEqual(reply.value.lines, [`reply ${i}`]);
    }
    const none = await opened.value.read(50, 'nothing');
    assert.deepEqual(none.ok ? 'reply' : none.error.kind, 'timeout');
    opened.value.destroy();
    const flooded = await run([`${GREETING}${'250 ok\r\n'.repeat(5000)}`]);
    assert.equal(flooded.failure?.stage, 'protocol', '250 to DATA is out of sequence');
  });

  it('property: random reply bytes give a well-formed report, never an exception', async () => {
    const piece = fc.oneof(
      fc.constantFrom(
        '220 ok\r\n',
        '250 ok\r\n',
        '250-PIPELINING\r\n250-CHUNKING\r\n250-8BITMIME\r\n250-STARTTLS\r\n250 SIZE 100\r\n',
        '250-x\r\n',
        '354 go\r\n',
        '421 bye\r\n',
        '451 4.0.0 later\r\n',
        '550 5.0.0 no\r\n',
        '334 VXNlcm5hbWU6\r\n',
        '235 ok\r\n',
        '\r\n',
        '250 ok\n',
      ),
      fc.uint8Array({ maxLength: 200 }).map((array) => Buffer.from(array).toString('latin1')),
      fc.nat({ max: 5000 }).map((n) => `250 ${'z'.repeat(n)}\r\n`),
    );
    const step = fc.array(piece, { maxLength: 3 }).map((pieces) => pieces.join(''));
    const outgoing = fc.record({
      recipients: fc.array(fc.constantFrom('a@sink.test', 'b@sink.test', 'jürgen@sink.test', 'bad@'), { minLength: 1, maxLength: 3 }),
      body: fc.constantFrom<OutgoingMessage['body']>('7BIT', '8BITMIME', 'BINARYMIME'),
      requireTls: fc.boolean(),
      data: fc.constantFrom('Subject: x\r\n\r\nbody\r\n', 'MIME-Version: 1.0\r\n\r\ncaf\xc3\xa9\r\n', '.\r\n..\r\n'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 10 }), fc.constantFrom<'close' | 'silent'>('close', 'silent'), fc.array(outgoing, { minLength: 1, maxLength: 2 }), fc.constantFrom<'opportunistic' | 'required'>('opportunistic', 'required'), async (script, end, specs, tls) => {
        server.script = script.map((text) => bytes(text));
        server.end = end;
        const messages = specs.map((spec) => message(spec.recipients, { body: spec.body, requireTls: spec.requireTls, data: bytes(spec.data) }));
        const report = await deliverSession({ host: '127.0.0.1', port: server.port, servername: 'mx.hostile.test' }, { helo: 'out.postwarden.test', tls, timeouts: { ...SHORT, greeting: 150, command: 150, mail: 150, rcpt: 150, dataInit: 150, dataBlock: 150, dataEnd: 150, quit: 50 } }, messages);
        assertWellFormed(report, messages);
      }),
      { numRuns: 150 },
    );
  });
});
