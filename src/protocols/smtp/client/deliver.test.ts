// deliverSession against the programmable sink over real loopback sockets: pipelining and
// lock-step servers, per-recipient results, several messages per connection, SIZE, 8BITMIME
// and its absence, SMTPUTF8, CHUNKING/BDAT and BINARYMIME, DSN parameters, byte-exact
// content, greeting and EHLO refusals, 421, dropped connections, timeouts and source
// addresses. TLS has its own file (deliver-tls.test.ts), hostile servers too.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { bytes, latin1 } from '../wire/wire.test-support.ts';
import { deliverSession, type ClientOptions, type OutgoingMessage, type SessionReport, type Timeouts } from './deliver.ts';
import { BDAT_CHUNK_OCTETS, DATA_WRITE_OCTETS, PIPELINE_GROUP_COMMANDS } from './limits.ts';
import { decodeQuotedPrintable } from './mime.test-support.ts';
import { DEFAULT_SINK_EXTENSIONS, SmtpSink, type SinkOptions } from './sink.test-support.ts';

/** Bounds, not timing assertions: a broken client fails the test instead of hanging it. */
const BOUNDED: Partial<Timeouts> = { connect: 10_000, greeting: 10_000, command: 10_000, mail: 10_000, rcpt: 10_000, dataInit: 10_000, dataBlock: 10_000, dataEnd: 10_000, quit: 5_000 };
const OPTIONS: ClientOptions = { helo: 'out1.postwarden.test', tls: 'opportunistic', timeouts: BOUNDED };
const TEXT = 'From: a@postwarden.test\r\nTo: b@sink.test\r\nSubject: test\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n';

function message(recipients: readonly string[], body = 'Hello.\r\n', overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { sender: 'a@postwarden.test', recipients: recipients.map((address) => ({ address })), body: '7BIT', smtputf8: false, requireTls: false, data: bytes(TEXT + body), ...overrides };
}

const sinks: SmtpSink[] = [];
async function sink(options: SinkOptions = {}): Promise<SmtpSink> {
  const started = await SmtpSink.start(options);
  sinks.push(started);
  return started;
}

function deliver(to: SmtpSink, messages: readonly OutgoingMessage[], options: Partial<ClientOptions> = {}): Promise<SessionReport> {
  return deliverSession({ host: '127.0.0.1', port: to.port, servername: 'mx.sink.test' }, { ...OPTIONS, ...options }, messages);
}

function statuses(report: SessionReport): string[][] {
  return report.messages.map((outcomes) => outcomes.map((outcome) => outcome.status));
}

/** Per-recipient replies: 250 for "ok*", 451 for "later*", 550 for "no*". */
function byName(address: string): string {
  if (address.startsWith('later')) return '451 4.2.1 Try again later';
  if (address.startsWith('no')) return '550 5.1.1 No such user';
  return '250 2.1.5 Ok';
}

const verbs = (commands: readonly string[]) => commands.map((line) => line.split(/[ :]/)[0]);

describe('deliverSession against a programmable sink', () => {
  after(async () => {
    for (const started of sinks) await started.close();
  });

  it('pipelines MAIL and every RCPT in one write (RFC 2920) and reports each recipient', async () => {
    // The sink holds its MAIL and RCPT replies until all three RCPTs are in: a client that
    // waited for each reply would never get one.
    const server = await sink({ holdEnvelopeReplies: 3, rcpt: byName });
    const report = await deliver(server, [message(['ok@sink.test', 'later@sink.test', 'no@sink.test'])]);
    assert.equal(report.failure, undefined);
    assert.deepEqual(statuses(report), [['delivered', 'temporary', 'permanent']]);
    const [delivered, later, refused] = report.messages[0] ?? [];
    assert.deepEqual(delivered?.reply, { code: 250, enhanced: '2.0.0', text: 'Ok: queued' });
    assert.equal(delivered?.enhanced, '2.0.0');
    assert.deepEqual([later?.reply?.code, later?.enhanced, later?.detail], [451, '4.2.1', 'RCPT TO: 451 4.2.1 Try again later']);
    assert.deepEqual([refused?.reply?.code, refused?.enhanced], [550, '5.1.1']);
    assert.equal(server.messages.length, 1);
    assert.deepEqual(server.messages[0]?.rcpts, ['<ok@sink.test>']);
    const session = server.sessions[0];
    assert.ok(session);
    assert.ok(session.reads.some((read) => read.length === 4 && read[0]?.startsWith('MAIL FROM:') && read.slice(1).every((line) => line.startsWith('RCPT TO:'))), 'MAIL and the RCPTs in one read');
    assert.deepEqual(verbs(session.commands), ['EHLO', 'MAIL', 'RCPT', 'RCPT', 'RCPT', 'BDAT', 'QUIT']);
    assert.ok(report.extensions.includes('PIPELINING'));
  });

  it(`pipelines at most ${PIPELINE_GROUP_COMMANDS} RCPTs per write, reading their replies in between`, async () => {
    const server = await sink({ rcpt: byName });
    const recipients = Array.from({ length: 2 * PIPELINE_GROUP_COMMANDS + 50 }, (_, i) => `${i % 3 === 0 ? 'no' : 'ok'}${i}@sink.test`);
    const report = await deliver(server, [message(recipients), message(['ok@sink.test'])]);
    assert.deepEqual(statuses(report)[0], recipients.map((address) => (address.startsWith('no') ? 'permanent' : 'delivered')));
    assert.deepEqual(statuses(report)[1], ['delivered']);
    const rcptsPerRead = (server.sessions[0]?.reads ?? []).map((read) => read.filter((line) => line.startsWith('RCPT')).length);
    assert.ok(Math.max(...rcptsPerRead) <= PIPELINE_GROUP_COMMANDS, JSON.stringify(rcptsPerRead));
    assert.equal(server.messages[0]?.rcpts.length, recipients.filter((address) => address.startsWith('ok')).length);
  });

  it('waits for each reply when the server does not offer PIPELINING', async () => {
    const server = await sink({ extensions: ['SIZE 100000', '8BITMIME', 'ENHANCEDSTATUSCODES'], rcpt: byName });
    const report = await deliver(server, [message(['ok1@sink.test', 'no@sink.test', 'ok2@sink.test'])]);
    assert.deepEqual(statuses(report), [['delivered', 'permanent', 'delivered']]);
    const session = server.sessions[0];
    assert.ok(session);
    for (const read of session.reads) assert.ok(read.length <= 1, `one command per read: ${JSON.stringify(read)}`);
    assert.deepEqual(verbs(session.commands), ['EHLO', 'MAIL', 'RCPT', 'RCPT', 'RCPT', 'DATA', 'QUIT']);
    assert.equal(server.messages[0]?.via, 'DATA');
  });

  it('sends several messages on one connection, RSET between them (RFC 5321 §3.3)', async () => {
    const server = await sink({ rcpt: byName, mail: (args) => (args.startsWith('<refused@') ? '550 5.7.1 Sender refused' : '250 2.1.0 Ok') });
    const report = await deliver(server, [
      message(['ok1@sink.test'], 'first\r\n'),
      message(['no1@sink.test', 'no2@sink.test'], 'second\r\n'),
      message(['ok2@sink.test', 'ok3@sink.test'], 'third\r\n', { sender: 'refused@postwarden.test' }),
      message(['ok4@sink.test'], 'fourth\r\n', { sender: '' }),
    ]);
    assert.equal(report.failure, undefined);
    assert.deepEqual(statuses(report), [['delivered'], ['permanent', 'permanent'], ['permanent', 'permanent'], ['delivered']]);
    assert.match(report.messages[2]?.[0]?.detail ?? '', /^MAIL FROM: 550 5\.7\.1 Sender refused$/);
    assert.equal(server.sessions.length, 1, 'one connection');
    assert.deepEqual(verbs(server.sessions[0]?.commands ?? []), ['EHLO', 'MAIL', 'RCPT', 'BDAT', 'RSET', 'MAIL', 'RCPT', 'RCPT', 'RSET', 'MAIL', 'RCPT', 'RCPT', 'RSET', 'MAIL', 'RCPT', 'BDAT', 'QUIT']);
    assert.deepEqual(server.messages.map((received) => [received.mail.split(' ')[0], latin1(received.data).split('\r\n\r\n')[1]]), [
      ['<a@postwarden.test>', 'first\r\n'],
      ['<>', 'fourth\r\n'],
    ]);
  });

  it('delivers byte for byte with DATA: dot-stuffing undone by the server, bare line ends made CRLF', async () => {
    const server = await sink({ extensions: ['PIPELINING', '8BITMIME'] });
    const body = '.\r\n..two\r\n. x\r\nline\r\n.\r\n\r\n.end';
    const report = await deliver(server, [message(['ok@sink.test'], body), message(['ok@sink.test'], 'bare\nlf and\rcr\r\n')]);
    assert.deepEqual(statuses(report), [['delivered'], ['delivered']]);
    assert.equal(latin1(server.messages[0]?.data ?? Buffer.alloc(0)), `${TEXT}${body}\r\n`, 'a final CRLF is added (RFC 5321 §4.1.1.4)');
    assert.equal(latin1(server.messages[1]?.data ?? Buffer.alloc(0)), `${TEXT}bare\r\nlf and\r\ncr\r\n`);
  });

  it(`sends large messages through DATA intact, in writes of ${DATA_WRITE_OCTETS} octets`, async () => {
    const server = await sink({ extensions: ['8BITMIME'] });
    const lines = Array.from({ length: 40_000 }, (_, i) => `${i % 7 === 0 ? '.' : ''}line ${i} ${'x'.repeat(i % 90)}\r\n`).join('');
    const report = await deliver(server, [message(['ok@sink.test'], lines)]);
    assert.deepEqual(statuses(report), [['delivered']]);
    assert.equal(server.messages[0]?.data.equals(Buffer.from(TEXT + lines, 'latin1')), true);
  });

  it(`sends BDAT chunks of ${BDAT_CHUNK_OCTETS} octets under CHUNKING (RFC 3030), pipelined or not`, async () => {
    for (const extensions of [DEFAULT_SINK_EXTENSIONS, ['CHUNKING', 'SIZE 10000000']]) {
      const server = await sink({ extensions });
      const big = `${'y'.repeat(BDAT_CHUNK_OCTETS * 2 + 1000)}\r\n`;
      const report = await deliver(server, [message(['ok@sink.test'], big), message(['ok@sink.test'])]);
      assert.deepEqual(statuses(report), [['delivered'], ['delivered']]);
      const data = bytes(TEXT + big);
      const bdats = server.commands.filter((line) => line.startsWith('BDAT'));
      assert.deepEqual(bdats, [`BDAT ${BDAT_CHUNK_OCTETS}`, `BDAT ${BDAT_CHUNK_OCTETS}`, `BDAT ${data.length - 2 * BDAT_CHUNK_OCTETS} LAST`, `BDAT ${TEXT.length + 8} LAST`]);
      assert.equal(server.messages[0]?.data.equals(data), true);
      assert.equal(server.messages[0]?.via, 'BDAT');
    }
  });

  it('sends a BINARYMIME body untouched with BDAT and BODY=BINARYMIME', async () => {
    const server = await sink();
    const data = bytes('MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n\x00\n.\r\n\r\xff');
    const report = await deliver(server, [message(['ok@sink.test'], '', { body: 'BINARYMIME', data })]);
    assert.deepEqual(statuses(report), [['delivered']]);
    assert.match(server.messages[0]?.mail ?? '', / BODY=BINARYMIME$/);
    assert.equal(server.messages[0]?.data.equals(data), true);
  });

  it('RFC 6152 §3: BODY=8BITMIME when offered; down-converted to quoted-printable when not; 5.6.3 when it cannot be', async () => {
    const eight = 'gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln\r\n';
    const with8 = await sink({ extensions: ['PIPELINING', '8BITMIME'] });
    await deliver(with8, [message(['ok@sink.test'], eight, { body: '8BITMIME' })]);
    assert.equal(with8.messages[0]?.mail, '<a@postwarden.test> BODY=8BITMIME');
    assert.equal(latin1(with8.messages[0]?.data ?? Buffer.alloc(0)), TEXT + eight);

    const without = await sink({ extensions: ['PIPELINING'] });
    const report = await deliver(without, [message(['ok@sink.test'], eight, { body: '8BITMIME' }), message(['ok@sink.test'], eight, { data: bytes(`Subject: not MIME\r\n\r\n${eight}`) })]);
    assert.deepEqual(statuses(report), [['delivered'], ['permanent']]);
    const received = latin1(without.messages[0]?.data ?? Buffer.alloc(0));
    assert.equal(without.messages[0]?.mail, '<a@postwarden.test>');
    assert.ok(/^[\x00-\x7f]*$/.test(received), '7-bit on the wire');
    const [head, body] = received.split('\r\n\r\n');
    assert.match(head ?? '', /Content-Transfer-Encoding: quoted-printable$/);
    assert.equal(latin1(decodeQuotedPrintable(body ?? '')), eight);
    const refused = report.messages[1]?.[0];
    assert.deepEqual([refused?.enhanced, refused?.reply], ['5.6.3', undefined]);
    assert.match(refused?.detail ?? '', /8BITMIME/);
    assert.equal(without.messages.length, 1, 'the unconvertible message was never sent');
  });

  it('RFC 6531: SMTPUTF8 where offered; 5.6.7 without a word on the wire where not', async () => {
    const utf8 = await sink({ extensions: ['PIPELINING', '8BITMIME', 'SMTPUTF8'] });
    const report = await deliver(utf8, [message(['jürgen@bücher.sink.test'], 'x\r\n', { smtputf8: true })]);
    assert.deepEqual(statuses(report), [['delivered']]);
    assert.equal(utf8.messages[0]?.mail, '<a@postwarden.test> SMTPUTF8');
    assert.deepEqual(utf8.messages[0]?.rcpts.map((rcpt) => Buffer.from(rcpt, 'latin1').toString('utf8')), ['<jürgen@bücher.sink.test>']);

    const ascii = await sink({ extensions: ['PIPELINING', '8BITMIME'] });
    const refused = await deliver(ascii, [message(['jürgen@bücher.sink.test', 'ok@sink.test'], 'x\r\n', { smtputf8: true }), message(['ok@sink.test'])]);
    assert.deepEqual(statuses(refused), [['permanent', 'permanent'], ['delivered']]);
    assert.equal(refused.messages[0]?.[0]?.enhanced, '5.6.7');
    assert.deepEqual(verbs(ascii.commands), ['EHLO', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
  });

  it('RFC 1870: a message over the advertised SIZE fails at once with 5.3.4; the next one goes', async () => {
    const server = await sink({ extensions: ['PIPELINING', 'SIZE 500'] });
    const report = await deliver(server, [message(['ok@sink.test'], 'z'.repeat(600)), message(['ok@sink.test'])]);
    assert.deepEqual(statuses(report), [['permanent'], ['delivered']]);
    assert.equal(report.messages[0]?.[0]?.enhanced, '5.3.4');
    assert.match(report.messages[0]?.[0]?.detail ?? '', /limit of 500 octets/);
    assert.equal(server.commands.filter((line) => line.startsWith('MAIL')).length, 1);
    assert.equal(server.messages[0]?.mail, `<a@postwarden.test> SIZE=${TEXT.length + 8}`);
  });

  it('passes DSN parameters on when the server offers DSN (RFC 3461), and only then', async () => {
    const dsnMessage: OutgoingMessage = {
      ...message([]),
      envid: 'QUEUE+ID=1',
      ret: 'HDRS',
      recipients: [
        { address: 'ok1@sink.test', notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;Original@Example.org' },
        { address: 'ok2@sink.test', notify: 'NEVER' },
      ],
    };
    const withDsn = await sink({ extensions: ['PIPELINING', 'DSN'] });
    await deliver(withDsn, [dsnMessage]);
    assert.equal(withDsn.messages[0]?.mail, '<a@postwarden.test> RET=HDRS ENVID=QUEUE+2BID+3D1');
    assert.deepEqual(withDsn.messages[0]?.rcpts, ['<ok1@sink.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Original@Example.org', '<ok2@sink.test> NOTIFY=NEVER']);
    const withoutDsn = await sink({ extensions: ['PIPELINING'] });
    const report = await deliver(withoutDsn, [dsnMessage]);
    assert.deepEqual(report.extensions, ['PIPELINING']);
    assert.equal(withoutDsn.messages[0]?.mail, '<a@postwarden.test>');
    assert.deepEqual(withoutDsn.messages[0]?.rcpts, ['<ok1@sink.test>', '<ok2@sink.test>']);
  });

  it('refuses a recipient that is not a valid path without sending it (no command injection)', async () => {
    const server = await sink();
    const report = await deliver(server, [message(['ok@sink.test', 'x@sink.test>\r\nRCPT TO:<evil@sink.test', 'bad address@'])]);
    assert.deepEqual(statuses(report), [['delivered', 'permanent', 'permanent']]);
    assert.equal(report.messages[0]?.[1]?.enhanced, '5.1.3');
    assert.ok(!server.commands.some((line) => line.includes('evil')));
  });

  it('maps refusals of DATA and of the content to the accepted recipients', async () => {
    const dataRefused = await sink({ extensions: ['PIPELINING'], dataStart: '554 5.7.0 Not today', rcpt: byName });
    const first = await deliver(dataRefused, [message(['ok@sink.test', 'later@sink.test'])]);
    assert.deepEqual(statuses(first), [['permanent', 'temporary']]);
    assert.equal(first.messages[0]?.[0]?.detail, 'DATA: 554 5.7.0 Not today');
    const contentRefused = await sink({ data: () => '451 4.3.0 Disk full' });
    const second = await deliver(contentRefused, [message(['ok1@sink.test', 'ok2@sink.test'])]);
    assert.deepEqual(statuses(second), [['temporary', 'temporary']]);
    assert.equal(second.messages[0]?.[0]?.detail, 'BDAT: 451 4.3.0 Disk full');
  });

  it('a 554 greeting fails the session for this host, and QUIT is still sent (RFC 5321 §3.1)', async () => {
    const refusing = await sink({ greeting: '554 5.7.1 No SMTP service here' });
    const report = await deliver(refusing, [message(['ok@sink.test']), message(['ok2@sink.test'])]);
    assert.deepEqual(report.failure && [report.failure.stage, report.failure.temporary], ['greeting', false]);
    assert.deepEqual(report.greeting, { code: 554, enhanced: '5.7.1', text: 'No SMTP service here' });
    assert.deepEqual(statuses(report), [['permanent'], ['permanent']]);
    assert.equal(report.messages[0]?.[0]?.enhanced, '5.7.1');
    assert.deepEqual(refusing.commands, ['QUIT']);
    const busy = await sink({ greeting: '421 4.3.2 Too busy' });
    const later = await deliver(busy, [message(['ok@sink.test'])]);
    assert.deepEqual([later.failure?.stage, later.failure?.temporary, statuses(later)], ['closed', true, [['temporary']]]);
  });

  it('falls back to HELO when EHLO is refused, and then uses no extension', async () => {
    const server = await sink({ ehlo: '502 5.5.2 What is EHLO?' });
    const report = await deliver(server, [message(['ok1@sink.test', 'ok2@sink.test'], 'caf\xc3\xa9\r\n', { body: '8BITMIME' })]);
    assert.deepEqual(statuses(report), [['delivered', 'delivered']]);
    assert.deepEqual(verbs(server.commands), ['EHLO', 'HELO', 'MAIL', 'RCPT', 'RCPT', 'DATA', 'QUIT']);
    assert.deepEqual(report.extensions, []);
    assert.match(latin1(server.messages[0]?.data ?? Buffer.alloc(0)), /caf=C3=A9/, 'no 8BITMIME without EHLO');
  });

  it('a 421 ends the session: the rest of the message and the next messages are temporary', async () => {
    const server = await sink({ rcpt: (address) => (address.startsWith('bye') ? '421 4.4.2 Going away' : '250 2.1.5 Ok') });
    const report = await deliver(server, [message(['ok@sink.test', 'bye@sink.test', 'ok2@sink.test']), message(['ok3@sink.test'])]);
    assert.deepEqual(statuses(report), [['temporary', 'temporary', 'temporary'], ['temporary']]);
    assert.deepEqual([report.failure?.stage, report.failure?.reply?.code], ['closed', 421]);
    assert.equal(server.messages.length, 0);
  });

  it('a connection dropped in the middle of the data leaves the accepted recipients temporary', async () => {
    for (const extensions of [['PIPELINING'], DEFAULT_SINK_EXTENSIONS]) {
      const server = await sink({ extensions, dropAfterDataOctets: 1000, rcpt: byName });
      const report = await deliver(server, [message(['ok@sink.test', 'no@sink.test', 'later@sink.test'], 'w'.repeat(100_000)), message(['ok@sink.test'])]);
      assert.deepEqual(statuses(report), [['temporary', 'permanent', 'temporary'], ['temporary']]);
      assert.equal(report.failure?.stage, 'closed');
      assert.equal(report.messages[0]?.[0]?.enhanced, '4.4.2');
      assert.equal(report.messages[0]?.[1]?.reply?.code, 550, 'a recipient refused before the drop keeps its refusal');
    }
  });

  it('gives up after the configured timeout and reports it (RFC 5321 §4.5.3.2)', async () => {
    const silentMail = await sink({ extensions: ['ENHANCEDSTATUSCODES'], silentOn: 'MAIL' });
    const report = await deliver(silentMail, [message(['ok@sink.test'])], { timeouts: { ...BOUNDED, mail: 200 } });
    assert.deepEqual([report.failure?.stage, report.failure?.temporary, statuses(report)], ['timeout', true, [['temporary']]]);
    assert.match(report.failure?.detail ?? '', /MAIL FROM within 200 ms/);
    const silentData = await sink({ silentOn: 'QUIT', extensions: ['PIPELINING'], data: () => '250 2.0.0 Ok' });
    const quitIgnored = await deliver(silentData, [message(['ok@sink.test'])], { timeouts: { ...BOUNDED, quit: 100 } });
    assert.deepEqual([quitIgnored.failure, statuses(quitIgnored)], [undefined, [['delivered']]], 'no 221 to QUIT changes nothing');

    const mute = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const port = (mute.address() as { port: number }).port;
    const noGreeting = await deliverSession({ host: '127.0.0.1', port, servername: 'mx.sink.test' }, { ...OPTIONS, timeouts: { ...BOUNDED, greeting: 200 } }, [message(['ok@sink.test'])]);
    await new Promise<void>((resolve) => mute.close(() => resolve()));
    assert.deepEqual([noGreeting.connected, noGreeting.failure?.stage, statuses(noGreeting)], [true, 'timeout', [['temporary']]]);
  });

  it('reports a refused connection as a connect failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const report = await deliverSession({ host: '127.0.0.1', port, servername: 'mx.sink.test' }, OPTIONS, [message(['ok@sink.test'])]);
    assert.deepEqual([report.connected, report.failure?.stage, report.failure?.temporary, statuses(report)], [false, 'connect', true, [['temporary']]]);
    assert.equal(report.messages[0]?.[0]?.enhanced, '4.4.1');
    assert.match(report.failure?.detail ?? '', /ECONNREFUSED/);
  });

  it('binds the source address of the pool (the sink sees 127.0.0.2)', async () => {
    const server = await sink();
    const report = await deliverSession({ host: '127.0.0.1', port: server.port, servername: 'mx.sink.test', localAddress: '127.0.0.2' }, OPTIONS, [message(['ok@sink.test'])]);
    assert.deepEqual(statuses(report), [['delivered']]);
    assert.equal(server.sessions[0]?.remoteAddress, '127.0.0.2');
    const unusable = await deliverSession({ host: '127.0.0.1', port: server.port, servername: 'mx.sink.test', localAddress: '192.0.2.1' }, OPTIONS, [message(['ok@sink.test'])]);
    assert.deepEqual([unusable.failure?.stage, statuses(unusable)], ['connect', [['temporary']]]);
  });

  it('refuses to start with a HELO name that is not a domain', async () => {
    const server = await sink();
    const report = await deliver(server, [message(['ok@sink.test'])], { helo: 'out1.example\r\nMAIL FROM:<x@y>' });
    assert.deepEqual([report.connected, report.failure?.stage, statuses(report)], [false, 'ehlo', [['temporary']]]);
    assert.equal(server.sessions.length, 0);
  });

  it('an empty message list still greets, says EHLO and QUIT', async () => {
    const server = await sink();
    const report = await deliver(server, []);
    assert.deepEqual([report.failure, report.messages], [undefined, []]);
    assert.deepEqual(verbs(server.commands), ['EHLO', 'QUIT']);
  });
});
