// The client's TLS policy over real sockets: opportunistic STARTTLS (RFC 3207, RFC 7435),
// 'required' (MTA-STS enforce, RFC 8461 §4.1-4.2) that defers with nothing sent in plaintext,
// 'dane' and 'encrypted' (RFC 7672 §2.2),
// certificate checks, plaintext injected after the 220 to STARTTLS, REQUIRETLS (RFC 8689) and
// AUTH for smarthosts (RFC 4954) only over verified TLS.

import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateSelfSigned } from '../../../tls/certificates.ts';
import { bytes } from '../wire/wire.test-support.ts';
import { deliverSession, type ClientOptions, type OutgoingMessage, type SessionReport, type Timeouts } from './deliver.ts';
import { SmtpSink, type SinkOptions } from './sink.test-support.ts';

const BOUNDED: Partial<Timeouts> = { connect: 10_000, greeting: 10_000, command: 10_000, mail: 10_000, rcpt: 10_000, dataInit: 10_000, dataBlock: 10_000, dataEnd: 10_000, quit: 5_000 };
const SERVERNAME = 'mx.sink.test';

function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    sender: 'a@postwarden.test',
    recipients: [{ address: 'b@sink.test' }],
    body: '7BIT',
    smtputf8: false,
    requireTls: false,
    data: bytes('Subject: secret\r\n\r\nover TLS only\r\n'),
    ...overrides,
  };
}

const statuses = (report: SessionReport) => report.messages.map((outcomes) => outcomes.map((outcome) => outcome.status));
const verbs = (commands: readonly string[]) => commands.map((line) => line.split(/[ :]/)[0]);

describe('deliverSession: TLS policy', () => {
  let dir: string;
  let cert: Buffer;
  let key: Buffer;
  const sinks: SmtpSink[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postwarden-client-tls-'));
    const files = await generateSelfSigned(SERVERNAME, dir);
    cert = await readFile(files.cert);
    key = await readFile(files.key);
  });
  after(async () => {
    for (const sink of sinks) await sink.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function sink(options: SinkOptions = {}, tls = true): Promise<SmtpSink> {
    const started = await SmtpSink.start(tls ? { tls: { cert, key }, ...options } : options);
    sinks.push(started);
    return started;
  }

  function deliver(to: SmtpSink, options: Partial<ClientOptions>, messages: readonly OutgoingMessage[] = [message()], servername = SERVERNAME): Promise<SessionReport> {
    return deliverSession({ host: '127.0.0.1', port: to.port, servername }, { helo: 'out1.postwarden.test', tls: 'opportunistic', timeouts: BOUNDED, ...options }, messages);
  }

  it('opportunistic: STARTTLS when offered, EHLO again, the certificate reported but not required', async () => {
    const server = await sink();
    const report = await deliver(server, {});
    assert.deepEqual(statuses(report), [['delivered']]);
    assert.equal(report.tls?.authorized, false, 'self-signed and not trusted');
    assert.match(report.tls?.protocol ?? '', /^TLSv1\.[23]$/);
    assert.deepEqual(verbs(server.commands), ['EHLO', 'STARTTLS', 'EHLO', 'MAIL', 'RCPT', 'BDAT', 'QUIT']);
    assert.equal(server.messages[0]?.tls, true);
    assert.ok(!report.extensions.includes('STARTTLS'), 'the extensions are those of the EHLO after TLS');
  });

  it('opportunistic: authorized when the certificate chains to the trusted CA and names the host', async () => {
    const server = await sink();
    const report = await deliver(server, { ca: cert });
    assert.deepEqual([report.tls?.authorized, statuses(report)], [true, [['delivered']]]);
    const wrongName = await deliver(server, { ca: cert }, [message()], 'other.example');
    assert.deepEqual([wrongName.tls?.authorized, statuses(wrongName)], [false, [['delivered']]], 'opportunistic delivers anyway');
  });

  it('opportunistic: plaintext when STARTTLS is not offered or is refused (RFC 3207 §4)', async () => {
    const plain = await sink({}, false);
    const report = await deliver(plain, {});
    assert.deepEqual([report.tls, statuses(report)], [undefined, [['delivered']]]);
    const refusing = await sink({ startTlsReply: '454 4.7.0 TLS not available now' });
    const refused = await deliver(refusing, {});
    assert.deepEqual([refused.tls, statuses(refused)], [undefined, [['delivered']]]);
    assert.deepEqual(verbs(refusing.commands), ['EHLO', 'STARTTLS', 'MAIL', 'RCPT', 'BDAT', 'QUIT']);
  });

  it('opportunistic: a failed handshake is retried in plaintext on a new connection (RFC 7435 §3)', async () => {
    const server = await sink({ breakHandshake: true });
    const report = await deliver(server, {});
    assert.deepEqual([report.tls, report.failure, statuses(report)], [undefined, undefined, [['delivered']]]);
    assert.equal(server.sessions.length, 2);
    assert.deepEqual(verbs(server.sessions[1]?.commands ?? []), ['EHLO', 'MAIL', 'RCPT', 'BDAT', 'QUIT']);
    assert.equal(server.sessions[0]?.messages.length, 0);
  });

  it('required: a server without STARTTLS is deferred and never gets MAIL', async () => {
    const plain = await sink({}, false);
    const report = await deliver(plain, { tls: 'required', ca: cert }, [message(), message()]);
    assert.deepEqual([report.failure?.stage, report.failure?.temporary], ['tls-policy', true]);
    assert.deepEqual(statuses(report), [['temporary'], ['temporary']]);
    assert.equal(report.messages[0]?.[0]?.enhanced, '4.7.5');
    assert.deepEqual(verbs(plain.commands), ['EHLO', 'QUIT']);
    assert.equal(plain.messages.length, 0);
  });

  it('required: STARTTLS refused, a failed handshake, an untrusted or misnamed certificate: deferred, nothing sent', async () => {
    const refusing = await sink({ startTlsReply: '454 4.7.0 TLS not available now' });
    const refused = await deliver(refusing, { tls: 'required', ca: cert });
    assert.deepEqual([refused.failure?.stage, statuses(refused)], ['tls-policy', [['temporary']]]);
    assert.deepEqual(verbs(refusing.commands), ['EHLO', 'STARTTLS', 'QUIT']);

    const broken = await sink({ breakHandshake: true });
    const failed = await deliver(broken, { tls: 'required', ca: cert });
    assert.deepEqual([failed.failure?.stage, statuses(failed), broken.sessions.length], ['tls-policy', [['temporary']], 1], 'no plaintext retry');

    const server = await sink();
    const untrusted = await deliver(server, { tls: 'required' });
    assert.deepEqual([untrusted.failure?.stage, untrusted.tls?.authorized], ['tls-policy', false]);
    assert.match(untrusted.failure?.detail ?? '', /chain does not verify/);
    const misnamed = await deliver(server, { tls: 'required', ca: cert }, [message()], 'mx.elsewhere.test');
    assert.equal(misnamed.failure?.stage, 'tls-policy');
    assert.match(misnamed.failure?.detail ?? '', /not valid for mx\.elsewhere\.test/);
    assert.equal(server.messages.length, 0);
    for (const session of server.sessions) assert.ok(!session.commands.some((line) => line.startsWith('MAIL')));
  });

  it('required: delivers over TLS with a valid certificate; MTA-STS mx patterns checked first (RFC 8461 §4.1)', async () => {
    const server = await sink();
    const report = await deliver(server, { tls: 'required', ca: cert, allowedNames: ['*.sink.test'] });
    assert.deepEqual([report.tls?.authorized, report.failure, statuses(report)], [true, undefined, [['delivered']]]);
    const sessions = server.sessions.length;
    const outside = await deliver(server, { tls: 'required', ca: cert, allowedNames: ['*.example.net', 'sink.test'] });
    assert.deepEqual([outside.connected, outside.failure?.stage, statuses(outside)], [false, 'tls-policy', [['temporary']]]);
    assert.equal(server.sessions.length, sessions, 'no connection to a host outside the policy');
  });

  it('DANE (RFC 7672): delivers when the certificate matches a TLSA record, defers with nothing sent when none matches', async () => {
    const server = await sink();
    const spki = createPublicKey(cert).export({ type: 'spki', format: 'der' });
    const record = (data: Uint8Array) => ({ usage: 3, selector: 1, matchingType: 1, data });
    const good = { records: [record(createHash('sha256').update(spki).digest())], hostnames: [SERVERNAME] };
    const report = await deliver(server, { tls: 'dane', dane: good });
    assert.deepEqual([report.tls?.authorized, report.failure, statuses(report)], [true, undefined, [['delivered']]], 'an untrusted self-signed certificate is fine under DANE-EE');
    const bad = { records: [record(new Uint8Array(32))], hostnames: [SERVERNAME] };
    const refused = await deliver(server, { tls: 'dane', dane: bad });
    assert.deepEqual([refused.failure?.stage, statuses(refused)], ['tls-policy', [['temporary']]]);
    assert.match(refused.failure?.detail ?? '', /matches no TLSA record/);
    assert.equal(server.messages.length, 1);
    const plain = await sink({}, false);
    const noTls = await deliver(plain, { tls: 'dane', dane: good });
    assert.deepEqual([noTls.failure?.stage, plain.messages.length], ['tls-policy', 0], 'DANE never falls back to plaintext');
  });

  it('encrypted (unusable TLSA records): any certificate, never plaintext, never counted as authenticated', async () => {
    const server = await sink();
    const report = await deliver(server, { tls: 'encrypted' });
    assert.deepEqual([report.tls?.authorized, report.failure, statuses(report)], [false, undefined, [['delivered']]]);
    const plain = await sink({}, false);
    const noTls = await deliver(plain, { tls: 'encrypted' });
    assert.deepEqual([noTls.failure?.stage, plain.messages.length], ['tls-policy', 0]);
  });

  it('RFC 3207 §4.2: plaintext sent after the 220 to STARTTLS is discarded, not read as a reply', async () => {
    const server = await sink({ injectAfterStartTls: '250-injected.example\r\n250 AUTH PLAIN\r\n', tls: { cert, key, extensions: ['PIPELINING', 'SIZE 1000'] } });
    const report = await deliver(server, { ca: cert });
    assert.deepEqual(statuses(report), [['delivered']]);
    assert.deepEqual(report.extensions, ['PIPELINING', 'SIZE 1000']);
    assert.deepEqual(verbs(server.commands), ['EHLO', 'STARTTLS', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
  });

  it('REQUIRETLS (RFC 8689): sent over verified TLS to a server that offers it; otherwise not sent (4.7.30 or 5.7.30)', async () => {
    const offering = await sink({ tls: { cert, key, extensions: ['PIPELINING', 'REQUIRETLS'] } });
    const report = await deliver(offering, { tls: 'required', ca: cert }, [message({ requireTls: true }), message()]);
    assert.deepEqual(statuses(report), [['delivered'], ['delivered']]);
    assert.deepEqual(offering.messages.map((received) => received.mail), ['<a@postwarden.test> REQUIRETLS', '<a@postwarden.test>']);

    const notOffering = await sink({ tls: { cert, key, extensions: ['PIPELINING'] } });
    const refused = await deliver(notOffering, { tls: 'required', ca: cert }, [message({ requireTls: true }), message()]);
    assert.deepEqual(statuses(refused), [['permanent'], ['delivered']]);
    assert.equal(refused.messages[0]?.[0]?.enhanced, '5.7.30');
    assert.equal(notOffering.messages.length, 1);

    // Without verified TLS the message waits (4.7.30): never sent in plaintext or to an unverified server.
    const unverified = await deliver(offering, {}, [message({ requireTls: true })]);
    assert.deepEqual([unverified.tls?.authorized, statuses(unverified), unverified.messages[0]?.[0]?.enhanced], [false, [['temporary']], '4.7.30']);
    const plain = await sink({ extensions: ['PIPELINING', 'REQUIRETLS'] }, false);
    const overPlaintext = await deliver(plain, {}, [message({ requireTls: true }), message()]);
    assert.deepEqual([statuses(overPlaintext), plain.messages.length], [[['temporary'], ['delivered']], 1]);
  });

  it('AUTH PLAIN or LOGIN to a smarthost, only over verified TLS (RFC 4954)', async () => {
    const credentials = { user: 'relay@postwarden.test', password: 'pässword with spaces' };
    const plainAuth = await sink({ auth: credentials });
    const report = await deliver(plainAuth, { tls: 'required', ca: cert, auth: credentials });
    assert.deepEqual([report.failure, statuses(report), plainAuth.sessions[0]?.authenticated], [undefined, [['delivered']], credentials.user]);
    assert.ok(plainAuth.commands.some((line) => line.startsWith('AUTH PLAIN ')));

    const loginAuth = await sink({ auth: credentials, authMechanisms: 'LOGIN' });
    const login = await deliver(loginAuth, { tls: 'required', ca: cert, auth: credentials });
    assert.deepEqual([statuses(login), loginAuth.sessions[0]?.authenticated], [[['delivered']], credentials.user]);

    const wrong = await deliver(plainAuth, { tls: 'required', ca: cert, auth: { ...credentials, password: 'wrong' } });
    assert.deepEqual([wrong.failure?.stage, wrong.failure?.temporary, wrong.failure?.reply?.code, statuses(wrong)], ['auth', true, 535, [['temporary']]]);
    assert.ok(!plainAuth.sessions[2]?.commands.some((line) => line.startsWith('MAIL')));

    const unverified = await deliver(plainAuth, { auth: credentials });
    assert.deepEqual([unverified.failure?.stage, statuses(unverified)], ['auth', [['temporary']]]);
    assert.ok(!plainAuth.sessions[3]?.commands.some((line) => line.startsWith('AUTH')), 'no credentials to an unverified server');
  });
});
