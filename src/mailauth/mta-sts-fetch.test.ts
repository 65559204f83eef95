import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TestDnsServer } from '../../test/helpers/dns-server.ts';
import { ManualClock } from '../core/clock.ts';
import { parseServerAddress } from '../dns/server-address.ts';
import { makeCa, makeServerCertificate, type TestCertificate } from '../dns/test-pki.test-support.ts';
import { WireResolver } from '../dns/wire-resolver.ts';
import { POLICY_PATH, httpsPolicyFetcher, type HttpsPolicyFetcherOptions } from './mta-sts-fetch.ts';
import { MemoryStsPolicyCache, discoverStsPolicy, stsRequirement } from './mta-sts.ts';

const POLICY = 'version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmax_age: 604800\r\n';
const DAY_MS = 86_400_000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTPS server on 127.0.0.1 whose handler the test sets per case. */
class PolicyServer {
  handler: Handler = (_req, res) => res.end();
  readonly requests: { host: string | undefined; path: string | undefined; servername: string | undefined }[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  constructor(identity: TestCertificate, chain: readonly TestCertificate[] = []) {
    this.server = createServer({ cert: [identity.cert, ...chain.map((c) => c.cert)].join(''), key: identity.key }, (req, res) => {
      this.requests.push({ host: req.headers.host, path: req.url, servername: (req.socket as Socket & { servername?: string }).servername });
      this.handler(req, res);
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }
  async listen(port = 0): Promise<number> {
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }
}

let root: TestCertificate;
let dns: TestDnsServer;
let good: PolicyServer;
let goodPort: number;

before(async () => {
  root = await makeCa('MTA-STS Test Root');
  const leaf = await makeServerCertificate(['mta-sts.example.test', 'mta-sts.second.test', 'mta-sts.refused.test'], { issuer: root });
  good = new PolicyServer(leaf);
  goodPort = await good.listen();
  dns = await TestDnsServer.start({
    zone: {
      '_mta-sts.example.test': [{ type: 'TXT', text: 'v=STSv1; id=20250101T000000' }],
      'mta-sts.example.test': [{ type: 'A', address: '127.0.0.1' }],
      'mta-sts.second.test': [{ type: 'CNAME', target: 'mta-sts.example.test' }],
      // the first address refuses connections: the next one is tried
      'mta-sts.refused.test': [
        { type: 'A', address: '127.0.0.2' },
        { type: 'A', address: '127.0.0.1' },
      ],
      'mta-sts.wrongname.test': [{ type: 'A', address: '127.0.0.1' }],
    },
  });
});

after(async () => {
  await Promise.all([good.close(), dns.close()]);
});

function fetcher(options: Partial<HttpsPolicyFetcherOptions> = {}) {
  const server = parseServerAddress(dns.address);
  assert.ok(server);
  return httpsPolicyFetcher({ resolver: new WireResolver({ servers: [server], timeoutMs: 2_000 }), extraCa: root.cert, port: goodPort, timeoutMs: 5_000, ...options });
}

const serve = (status: number, body: string, headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' }): Handler => (_req, res) => {
  res.writeHead(status, headers);
  res.end(body);
};

void describe('httpsPolicyFetcher', () => {
  void it('fetches the policy over HTTPS from the address our resolver gives', async () => {
    good.handler = serve(200, POLICY);
    const result = await fetcher().fetch('example.test');
    assert.deepEqual(result, { ok: true, value: POLICY });
    assert.deepEqual(good.requests.at(-1), { host: `mta-sts.example.test:${goodPort}`, path: POLICY_PATH, servername: 'mta-sts.example.test' });
  });

  void it('follows the policy host CNAME and tries the next address after a refused connection', async () => {
    good.handler = serve(200, POLICY);
    assert.equal((await fetcher().fetch('second.test')).ok, true);
    assert.equal((await fetcher().fetch('refused.test')).ok, true);
  });

  const failures: [string, Handler, string, RegExp][] = [
    ['a 404', serve(404, 'not here'), 'sts-policy-fetch-error', /HTTP status 404/],
    ['a redirect, not followed', serve(301, '', { location: 'https://elsewhere.test/' }), 'sts-policy-fetch-error', /HTTP status 301/],
    ['a 204', serve(204, ''), 'sts-policy-fetch-error', /HTTP status 204/],
    ['HTML', serve(200, POLICY, { 'content-type': 'text/html' }), 'sts-policy-invalid', /media type "text\/html"/],
    ['no media type', serve(200, POLICY, {}), 'sts-policy-invalid', /media type ""/],
    ['a declared length over the limit', serve(200, 'x'.repeat(2_000)), 'sts-policy-fetch-error', /larger than 1000 octets/],
    [
      'a streamed body over the limit',
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('x'.repeat(600));
        setTimeout(() => res.end('y'.repeat(600)), 20);
      },
      'sts-policy-fetch-error',
      /larger than 1000 octets/,
    ],
    [
      'a body cut short',
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '500' });
        res.write('version: STSv1\r\n');
        setTimeout(() => res.destroy(), 20);
      },
      'sts-policy-fetch-error',
      /closed before the whole policy|aborted|ECONNRESET|socket hang up/,
    ],
  ];
  for (const [label, handler, resultType, detail] of failures) {
    void it(`fails on ${label}`, async () => {
      good.handler = handler;
      const result = await fetcher({ maxOctets: 1_000 }).fetch('example.test');
      assert.ok(!result.ok);
      assert.equal(result.error.resultType, resultType);
      assert.match(result.error.detail, detail);
    });
  }

  void it('gives up on a server that does not answer in time', async () => {
    good.handler = () => undefined;
    const result = await fetcher({ timeoutMs: 200 }).fetch('example.test');
    assert.ok(!result.ok);
    assert.equal(result.error.resultType, 'sts-policy-fetch-error');
  });

  void it('fails when the policy host has no address', async () => {
    const result = await fetcher().fetch('nowhere.test');
    assert.ok(!result.ok);
    assert.equal(result.error.resultType, 'sts-policy-fetch-error');
    assert.match(result.error.detail, /mta-sts\.nowhere\.test/);
  });

  void it('refuses a certificate from an unknown CA (sts-webpki-invalid)', async () => {
    good.handler = serve(200, POLICY);
    const result = await fetcher({ extraCa: [] }).fetch('example.test');
    assert.ok(!result.ok);
    assert.equal(result.error.resultType, 'sts-webpki-invalid');
  });

  void it('refuses a certificate for another name or out of date (sts-webpki-invalid)', async () => {
    const wrongName = new PolicyServer(await makeServerCertificate(['www.wrongname.test'], { issuer: root }));
    const expired = new PolicyServer(await makeServerCertificate(['mta-sts.wrongname.test'], { issuer: root, notBefore: new Date(Date.now() - 9 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) }));
    try {
      for (const server of [wrongName, expired]) {
        server.handler = serve(200, POLICY);
        const port = await server.listen();
        const result = await fetcher({ port }).fetch('wrongname.test');
        assert.ok(!result.ok);
        assert.equal(result.error.resultType, 'sts-webpki-invalid', result.error.detail);
        assert.equal(server.requests.length, 0, 'no request is sent over an unauthenticated connection');
      }
    } finally {
      await Promise.all([wrongName.close(), expired.close()]);
    }
  });
});

void describe('discoverStsPolicy over DNS and HTTPS on loopback', () => {
  void it('finds, fetches, caches and applies a policy', async () => {
    good.handler = serve(200, POLICY);
    const server = parseServerAddress(dns.address);
    assert.ok(server);
    const resolver = new WireResolver({ servers: [server], timeoutMs: 2_000 });
    const deps = { resolver, fetcher: fetcher(), cache: new MemoryStsPolicyCache(), clock: new ManualClock() };
    const before = good.requests.length;
    const found = await discoverStsPolicy('example.test', deps);
    assert.ok(found.policy && found.source === 'fetched');
    assert.deepEqual([found.policy.id, found.policy.mode, found.policy.mx, found.policy.maxAge], ['20250101T000000', 'enforce', ['mx.example.test'], 604800]);
    assert.equal(stsRequirement(found.policy, 'mx.example.test'), 'enforce');
    assert.equal(stsRequirement(found.policy, 'mx.attacker.test'), 'skip');
    const again = await discoverStsPolicy('example.test', deps);
    assert.ok(again.policy && again.source === 'cache');
    assert.equal(good.requests.length - before, 1);
  });
});
