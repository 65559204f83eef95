// deliverSession against real SMTP servers: Postwarden's own MX (a full server in a child
// process, checked through its mailboxes), Postfix's smtp-sink (Debian package postfix), and
// Python's aiosmtpd (Debian package python3-aiosmtpd); .ci/run installs both.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../../../test/helpers/free-port.ts';
import { PASSWORD, startMailServer, type MailServer } from '../../../../test/helpers/mail-server.ts';
import { generateSelfSigned } from '../../../tls/certificates.ts';
import { bytes, latin1 } from '../wire/wire.test-support.ts';
import { deliverSession, type ClientOptions, type OutgoingMessage, type SessionReport, type SmtpTarget, type Timeouts } from './deliver.ts';
import { decodeQuotedPrintable } from './mime.test-support.ts';

const BOUNDED: Partial<Timeouts> = { connect: 10_000, greeting: 15_000, command: 15_000, mail: 15_000, rcpt: 15_000, dataInit: 15_000, dataBlock: 15_000, dataEnd: 30_000, quit: 5_000 };
const OPTIONS: ClientOptions = { helo: 'out1.postwarden.test', tls: 'opportunistic', timeouts: BOUNDED };

function message(recipients: readonly string[], data: string | Uint8Array, overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { sender: 'sender@postwarden.test', recipients: recipients.map((address) => ({ address })), body: '7BIT', smtputf8: false, requireTls: false, data: typeof data === 'string' ? bytes(data) : data, ...overrides };
}

const statuses = (report: SessionReport) => report.messages.map((outcomes) => outcomes.map((outcome) => outcome.status));
const SIMPLE = 'From: sender@postwarden.test\r\nTo: alice@example.com\r\nSubject: interop\r\n\r\nHello.\r\n.\r\n..dots\r\n';
const EIGHT_BIT = 'From: sender@postwarden.test\r\nSubject: 8bit\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\ngr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln\r\n';

describe('deliverSession to Postwarden\'s MX', () => {
  let server: MailServer;
  let target: SmtpTarget;
  let ca: Buffer;

  before(async () => {
    server = await startMailServer(
      ['example.com', 'example.org'],
      [
        { address: 'alice@example.com', password: PASSWORD },
        { address: 'bob@example.com', password: PASSWORD },
        { address: 'jürgen@example.org', password: PASSWORD },
      ],
    );
    target = { host: '127.0.0.1', port: server.port('smtp'), servername: 'localhost' };
    ca = await readFile(join(server.cwd, 'data', 'tls', 'cert.pem'));
  });
  after(() => server.close());

  it('delivers several messages on one connection over STARTTLS, per-recipient results, byte for byte', async () => {
    const utf8 = Buffer.from('From: sender@postwarden.test\r\nTo: jürgen@example.org\r\nSubject: Grüße\r\n\r\nHallo Jürgen.\r\n', 'utf8');
    const report = await deliverSession(target, OPTIONS, [
      message(['alice@example.com', 'nobody@example.com', 'someone@elsewhere.test'], SIMPLE),
      message(['bob@example.com'], EIGHT_BIT, { body: '8BITMIME' }),
      message(['jürgen@example.org'], utf8, { smtputf8: true, body: '8BITMIME' }),
    ]);
    assert.equal(report.failure, undefined);
    assert.deepEqual(statuses(report), [['delivered', 'permanent', 'permanent'], ['delivered'], ['delivered']]);
    assert.deepEqual(report.messages[0]?.slice(1).map((outcome) => outcome.enhanced), ['5.1.1', '5.7.1']);
    assert.equal(report.tls?.authorized, false, 'opportunistic: the self-signed certificate is not trusted');
    for (const keyword of ['PIPELINING', 'CHUNKING', '8BITMIME', 'SMTPUTF8', 'DSN', 'REQUIRETLS']) assert.ok(report.extensions.some((line) => line.startsWith(keyword)), keyword);
    const [alice] = await server.messages('alice@example.com');
    const [bob] = await server.messages('bob@example.com');
    const [jurgen] = await server.messages('jürgen@example.org');
    assert.ok(alice?.toString('latin1').endsWith(SIMPLE));
    assert.match(alice?.toString('latin1') ?? '', /^Return-Path: <sender@postwarden\.test>\r\nReceived: from out1\.postwarden\.test \(\[127\.0\.0\.1\]\)/);
    assert.ok(bob?.toString('latin1').endsWith(EIGHT_BIT));
    assert.ok(jurgen?.subarray(-utf8.length).equals(utf8));
  });

  it('required TLS with the server\'s certificate trusted: REQUIRETLS and BINARYMIME delivered', async () => {
    const binary = Buffer.concat([Buffer.from('From: sender@postwarden.test\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n'), Buffer.from([0, 1, 2, 0x0a, 0x0d, 0xff, 0x2e, 0x0d, 0x0a])]);
    const report = await deliverSession({ ...target, localAddress: '127.0.0.2' }, { ...OPTIONS, tls: 'required', ca }, [
      message(['alice@example.com'], 'Subject: confidential\r\n\r\nOnly over TLS.\r\n', { requireTls: true }),
      message(['bob@example.com'], binary, { body: 'BINARYMIME' }),
    ]);
    assert.deepEqual([report.failure, report.tls?.authorized, statuses(report)], [undefined, true, [['delivered'], ['delivered']]]);
    const alice = await server.messages('alice@example.com');
    const last = alice.at(-1)?.toString('latin1') ?? '';
    assert.ok(last.endsWith('Subject: confidential\r\n\r\nOnly over TLS.\r\n'));
    assert.match(last, /\(\[127\.0\.0\.2\]\)/, 'sent from the bound source address');
    const bob = await server.messages('bob@example.com');
    assert.ok(bob.at(-1)?.subarray(-binary.length).equals(binary), 'BINARYMIME byte for byte');
  });
});

const SMTP_SINK = '/usr/sbin/smtp-sink';

describe('deliverSession to Postfix\'s smtp-sink', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  /** Starts smtp-sink with `flags`, capturing each transaction into its own file. */
  async function smtpSink(flags: readonly string[]): Promise<{ port: number; dumps: () => Promise<string[]> }> {
    const dir = await mkdtemp(join(tmpdir(), 'postwarden-smtp-sink-'));
    dirs.push(dir);
    await chmod(dir, 0o777);
    const port = await freePort();
    // As root, smtp-sink must drop privileges (-u); the dump directory is writable by all.
    const user = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
    const child = spawn(SMTP_SINK, [...user, ...flags, '-d', join(dir, 'msg.'), `127.0.0.1:${port}`, '10'], { stdio: 'ignore' });
    children.push(child);
    for (let i = 0; i < 200; i++) {
      const probe = await deliverSession({ host: '127.0.0.1', port, servername: 'smtp-sink' }, { ...OPTIONS, timeouts: { ...BOUNDED, connect: 1000 } }, []);
      if (probe.connected) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const dumps = async () => {
      const names = (await readdir(dir)).sort();
      return Promise.all(names.map((name) => readFile(join(dir, name), 'latin1')));
    };
    return { port, dumps };
  }

  /** smtp-sink's dump: its own X- fields and a Received field, then the message with LF line ends and one more LF. */
  function dumped(text: string): { fields: Map<string, string[]>; message: string } {
    const fields = new Map<string, string[]>();
    const lines = text.split('\n');
    let i = 0;
    for (; i < lines.length && !lines[i]?.startsWith('Received: '); i++) {
      const line = lines[i] ?? '';
      const colon = line.indexOf(': ');
      fields.set(line.slice(0, colon), [...(fields.get(line.slice(0, colon)) ?? []), line.slice(colon + 2)]);
    }
    return { fields, message: lines.slice(i + 3).join('\n') };
  }

  async function waitForDumps(sink: { dumps: () => Promise<string[]> }, count: number): Promise<string[]> {
    for (let i = 0; i < 400; i++) {
      const files = await sink.dumps();
      if (files.length >= count && files.every((file) => file.endsWith('\n\n'))) return files;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return sink.dumps();
  }

  it('pipelined delivery with DSN parameters, 8BITMIME and the bound source address', async () => {
    const sink = await smtpSink([]);
    const dsn: OutgoingMessage = {
      ...message([], SIMPLE),
      envid: 'Q1+2',
      ret: 'HDRS',
      recipients: [{ address: 'alice@example.com', notify: ['SUCCESS', 'DELAY'], orcpt: 'rfc822;alice@example.com' }, { address: 'bob@example.com', notify: 'NEVER' }],
    };
    const report = await deliverSession({ host: '127.0.0.1', port: sink.port, servername: 'smtp-sink', localAddress: '127.0.0.2' }, OPTIONS, [dsn, message(['carol@example.com'], EIGHT_BIT, { body: '8BITMIME' })]);
    assert.deepEqual([report.failure, statuses(report)], [undefined, [['delivered', 'delivered'], ['delivered']]]);
    assert.ok(report.extensions.includes('PIPELINING') && report.extensions.includes('DSN'));
    // The dump files are named at random: find each message by its content.
    const dumps = (await waitForDumps(sink, 2)).map(dumped);
    const first = dumps.find((dump) => dump.message.includes('Subject: interop'));
    const second = dumps.find((dump) => dump.message.includes('Subject: 8bit'));
    assert.deepEqual(first?.fields.get('X-Client-Addr'), ['127.0.0.2']);
    assert.deepEqual(first?.fields.get('X-Mail-Args'), ['<sender@postwarden.test> RET=HDRS ENVID=Q1+2B2']);
    assert.deepEqual(first?.fields.get('X-Rcpt-Args'), ['<alice@example.com> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;alice@example.com', '<bob@example.com> NOTIFY=NEVER']);
    assert.equal(first?.message, `${SIMPLE.replace(/\r\n/g, '\n')}\n`);
    assert.deepEqual(second?.fields.get('X-Mail-Args'), ['<sender@postwarden.test> BODY=8BITMIME']);
    assert.equal(second?.message, `${EIGHT_BIT.replace(/\r\n/g, '\n')}\n`);
  });

  it('without PIPELINING and 8BITMIME (-p -8): lock-step, the 8-bit message down-converted', async () => {
    const sink = await smtpSink(['-p', '-8']);
    const report = await deliverSession({ host: '127.0.0.1', port: sink.port, servername: 'smtp-sink' }, OPTIONS, [message(['alice@example.com', 'bob@example.com'], EIGHT_BIT, { body: '8BITMIME' })]);
    assert.deepEqual([report.failure, statuses(report)], [undefined, [['delivered', 'delivered']]]);
    const [dump] = (await waitForDumps(sink, 1)).map(dumped);
    assert.deepEqual(dump?.fields.get('X-Mail-Args'), ['<sender@postwarden.test>']);
    // Without the one LF smtp-sink adds after each message, and back to CRLF line ends.
    const text = (dump?.message ?? '').slice(0, -1).replace(/\n/g, '\r\n');
    const split = text.indexOf('\r\n\r\n');
    assert.match(text.slice(0, split), /Content-Transfer-Encoding: quoted-printable$/);
    assert.equal(latin1(decodeQuotedPrintable(text.slice(split + 4))), 'gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln\r\n');
  });

  it('soft-rejected RCPTs (-r RCPT) are temporary; TLS required of a server without STARTTLS defers', async () => {
    const sink = await smtpSink(['-r', 'RCPT']);
    const report = await deliverSession({ host: '127.0.0.1', port: sink.port, servername: 'smtp-sink' }, OPTIONS, [message(['alice@example.com'], SIMPLE)]);
    assert.deepEqual(statuses(report), [['temporary']]);
    assert.equal(report.messages[0]?.[0]?.reply?.code, 450);
    const plain = await smtpSink([]);
    const required = await deliverSession({ host: '127.0.0.1', port: plain.port, servername: 'smtp-sink' }, { ...OPTIONS, tls: 'required' }, [message(['alice@example.com'], SIMPLE)]);
    assert.deepEqual([required.failure?.stage, statuses(required)], ['tls-policy', [['temporary']]]);
    assert.deepEqual(await plain.dumps(), []);
  });
});

const PYTHON = '/usr/bin/python3';
const AIOSMTPD_SERVER = `
import asyncio, base64, json, ssl, sys
from aiosmtpd.smtp import SMTP

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith('no'):
            return '550 5.1.1 No such user'
        envelope.rcpt_tos.append(address)
        return '250 2.1.5 OK'

    async def handle_DATA(self, server, session, envelope):
        print(json.dumps({
            'peer': session.peer[0], 'tls': session.ssl is not None, 'mail_from': envelope.mail_from,
            'mail_options': envelope.mail_options, 'rcpt_tos': envelope.rcpt_tos,
            'data': base64.b64encode(envelope.original_content).decode(),
        }), flush=True)
        return '250 2.0.0 Stored'

async def main():
    args = json.loads(sys.argv[1])
    context = None
    if args.get('cert'):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args['cert'], args['key'])
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Handler(), hostname='aiosmtpd.test', enable_SMTPUTF8=True, decode_data=False, tls_context=context, require_starttls=False),
        '127.0.0.1', 0)
    print(json.dumps({'port': server.sockets[0].getsockname()[1]}), flush=True)
    await server.serve_forever()

asyncio.run(main())
`;

interface AiosmtpdMessage {
  readonly peer: string;
  readonly tls: boolean;
  readonly mail_from: string;
  readonly mail_options: string[];
  readonly rcpt_tos: string[];
  readonly data: string;
}

describe('deliverSession to Python\'s aiosmtpd', () => {
  let child: ChildProcess;
  let port: number;
  let dir: string;
  let ca: Buffer;
  const received: AiosmtpdMessage[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postwarden-aiosmtpd-'));
    const files = await generateSelfSigned('mx.aiosmtpd.test', dir);
    ca = await readFile(files.cert);
    child = spawn(PYTHON, ['-c', AIOSMTPD_SERVER, JSON.stringify(files)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('aiosmtpd did not start')), 30_000);
      lines.on('line', (line) => {
        const parsed = JSON.parse(line) as { port?: number } & AiosmtpdMessage;
        if (parsed.port !== undefined) {
          clearTimeout(timer);
          resolve(parsed.port);
        } else {
          received.push(parsed);
        }
      });
    });
  });
  after(async () => {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('lock-step delivery (no PIPELINING), byte for byte, SMTPUTF8 and per-recipient results', async () => {
    const utf8 = Buffer.from('From: sender@postwarden.test\r\nSubject: Grüße\r\n\r\nHallo.\r\n', 'utf8');
    const report = await deliverSession({ host: '127.0.0.1', port, servername: 'mx.aiosmtpd.test' }, OPTIONS, [
      message(['alice@example.com', 'nobody@example.com'], SIMPLE),
      message(['jürgen@example.org'], utf8, { smtputf8: true, body: '8BITMIME' }),
    ]);
    assert.deepEqual([report.failure, statuses(report)], [undefined, [['delivered', 'permanent'], ['delivered']]]);
    assert.ok(!report.extensions.includes('PIPELINING'));
    assert.equal(report.tls?.authorized, false);
    const [first, second] = received.slice(-2);
    assert.deepEqual([first?.tls, first?.rcpt_tos, Buffer.from(first?.data ?? '', 'base64').toString('latin1')], [true, ['alice@example.com'], SIMPLE]);
    assert.deepEqual([second?.rcpt_tos, second?.mail_options], [['jürgen@example.org'], ['SIZE=' + String(utf8.length), 'BODY=8BITMIME', 'SMTPUTF8']]);
    assert.ok(Buffer.from(second?.data ?? '', 'base64').equals(utf8));
  });

  it('required TLS with the certificate trusted: authorized and delivered', async () => {
    const report = await deliverSession({ host: '127.0.0.1', port, servername: 'mx.aiosmtpd.test' }, { ...OPTIONS, tls: 'required', ca }, [message(['alice@example.com'], SIMPLE)]);
    assert.deepEqual([report.failure, report.tls?.authorized, statuses(report)], [undefined, true, [['delivered']]]);
    assert.equal(received.at(-1)?.tls, true);
  });
});
