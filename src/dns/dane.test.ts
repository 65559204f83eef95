import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { TestDnsServer } from '../../test/helpers/dns-server.ts';
import { isUsable, lookupDane, peerChain, tlsaText, verifyDane } from './dane.ts';
import { FakeResolver } from './fake-resolver.test-support.ts';
import type { RouteHost } from './mx.ts';
import type { TlsaRecord } from './resolver.ts';
import { parseServerAddress } from './server-address.ts';
import { makeCa, makeServerCertificate, type TestCertificate } from './test-pki.test-support.ts';
import { WireResolver } from './wire-resolver.ts';

const DAY_MS = 86_400_000;

function record(usage: number, selector: number, matchingType: number, cert: X509Certificate): TlsaRecord {
  const selected = selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
  const data = matchingType === 1 ? createHash('sha256').update(selected).digest() : matchingType === 2 ? createHash('sha512').update(selected).digest() : selected;
  return { usage, selector, matchingType, data: Uint8Array.from(data) };
}

let root: TestCertificate;
let inter: TestCertificate;
let leaf: TestCertificate;
let wildcard: TestCertificate;
let expired: TestCertificate;
let stranger: TestCertificate;
let otherRoot: TestCertificate;

before(async () => {
  root = await makeCa('DANE Test Root');
  inter = await makeCa('DANE Test Intermediate', { issuer: root });
  leaf = await makeServerCertificate(['mx.example.test'], { issuer: inter });
  wildcard = await makeServerCertificate(['*.example.test'], { issuer: inter });
  expired = await makeServerCertificate(['mx.example.test'], { issuer: inter, notBefore: new Date(Date.now() - 10 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) });
  otherRoot = await makeCa('Other Root');
  stranger = await makeServerCertificate(['mx.example.test'], { issuer: otherRoot });
});

const names = { hostnames: ['mx.example.test'] };

void describe('isUsable', () => {
  const bytes = (n: number) => new Uint8Array(n).fill(1);
  const cases: [TlsaRecord, boolean][] = [
    [{ usage: 3, selector: 1, matchingType: 1, data: bytes(32) }, true],
    [{ usage: 2, selector: 0, matchingType: 2, data: bytes(64) }, true],
    [{ usage: 3, selector: 0, matchingType: 0, data: bytes(300) }, true],
    [{ usage: 3, selector: 1, matchingType: 1, data: bytes(31) }, false],
    [{ usage: 3, selector: 1, matchingType: 2, data: bytes(32) }, false],
    [{ usage: 3, selector: 0, matchingType: 0, data: bytes(0) }, false],
    [{ usage: 0, selector: 0, matchingType: 1, data: bytes(32) }, false],
    [{ usage: 1, selector: 1, matchingType: 1, data: bytes(32) }, false],
    [{ usage: 4, selector: 1, matchingType: 1, data: bytes(32) }, false],
    [{ usage: 3, selector: 2, matchingType: 1, data: bytes(32) }, false],
    [{ usage: 3, selector: 1, matchingType: 3, data: bytes(32) }, false],
  ];
  for (const [r, usable] of cases) void it(`${r.usage} ${r.selector} ${r.matchingType} (${r.data.length} octets): ${usable}`, () => assert.equal(isUsable(r), usable));
});

void describe('verifyDane: DANE-EE', () => {
  for (const selector of [0, 1]) {
    for (const matchingType of [0, 1, 2]) {
      void it(`3 ${selector} ${matchingType} matches the server certificate`, () => {
        const result = verifyDane([leaf.x509, inter.x509], [record(3, selector, matchingType, leaf.x509)], names);
        assert.ok(result.ok);
        assert.equal(result.value.depth, 0);
      });
    }
  }

  void it('checks neither names nor dates (RFC 7672 §3.1.1)', () => {
    const result = verifyDane([expired.x509], [record(3, 1, 1, expired.x509)], { hostnames: ['elsewhere.test'] });
    assert.ok(result.ok);
  });

  void it('fails when no record matches', () => {
    const result = verifyDane([leaf.x509, inter.x509], [record(3, 1, 1, stranger.x509), record(3, 1, 1, inter.x509)], names);
    assert.deepEqual(result, { ok: false, error: { resultType: 'validation-failure', detail: 'no TLSA record matches the certificate chain' } });
  });

  void it('ignores unusable records (PKIX-EE, RFC 7672 §3.1.3)', () => {
    const result = verifyDane([leaf.x509], [record(1, 1, 1, leaf.x509)], names);
    assert.equal(result.ok, false);
  });

  void it('fails on an empty chain', () => {
    assert.deepEqual(verifyDane([], [record(3, 1, 1, leaf.x509)], names), { ok: false, error: { resultType: 'validation-failure', detail: 'no certificate presented' } });
  });
});

void describe('verifyDane: DANE-TA', () => {
  void it('accepts a chain to a matching intermediate', () => {
    const result = verifyDane([leaf.x509, inter.x509], [record(2, 0, 1, inter.x509)], names);
    assert.ok(result.ok);
    assert.equal(result.value.depth, 1);
  });

  void it('accepts a chain to a matching root that was presented', () => {
    const result = verifyDane([leaf.x509, inter.x509, root.x509], [record(2, 1, 2, root.x509)], names);
    assert.ok(result.ok);
    assert.equal(result.value.depth, 2);
  });

  void it('needs a digest-matched anchor to be in the chain', () => {
    assert.equal(verifyDane([leaf.x509, inter.x509], [record(2, 0, 1, root.x509)], names).ok, false);
  });

  void it('accepts a full SPKI anchor that signed the top of the chain (RFC 7671 §5.2.2)', () => {
    const result = verifyDane([leaf.x509, inter.x509], [record(2, 1, 0, root.x509)], names);
    assert.ok(result.ok);
    assert.equal(result.value.depth, 2);
  });

  void it('accepts a wildcard certificate for the MX host', () => {
    assert.equal(verifyDane([wildcard.x509, inter.x509], [record(2, 0, 1, inter.x509)], names).ok, true);
    assert.equal(verifyDane([wildcard.x509, inter.x509], [record(2, 0, 1, inter.x509)], { hostnames: ['a.mx.example.test'] }).ok, false);
  });

  void it('checks the name against the reference identifiers', () => {
    const result = verifyDane([leaf.x509, inter.x509], [record(2, 0, 1, inter.x509)], { hostnames: ['other.test', 'example.test'] });
    assert.ok(!result.ok);
    assert.equal(result.error.resultType, 'certificate-host-mismatch');
    assert.ok(verifyDane([leaf.x509, inter.x509], [record(2, 0, 1, inter.x509)], { hostnames: ['example.test', 'MX.example.test'] }).ok);
  });

  void it('checks the dates of certificates below the anchor', () => {
    const result = verifyDane([expired.x509, inter.x509], [record(2, 0, 1, inter.x509)], names);
    assert.ok(!result.ok);
    assert.equal(result.error.resultType, 'certificate-expired');
    const later = verifyDane([leaf.x509, inter.x509], [record(2, 0, 1, inter.x509)], { ...names, now: new Date(Date.now() + 60 * DAY_MS) });
    assert.equal(!later.ok && later.error.resultType, 'certificate-expired');
  });

  void it('refuses a chain whose links are not signed by each other', () => {
    const result = verifyDane([stranger.x509, inter.x509], [record(2, 0, 1, inter.x509)], names);
    assert.ok(!result.ok);
    assert.equal(result.error.resultType, 'validation-failure');
    assert.match(result.error.detail, /not signed/);
  });
});

void describe('tlsaText', () => {
  void it('prints the presentation form', () => {
    assert.equal(tlsaText({ usage: 3, selector: 1, matchingType: 1, data: Uint8Array.of(0xab, 0x01) }), '3 1 1 AB01');
  });
});

void describe('lookupDane', () => {
  const host = (name: string, dnssec: boolean): RouteHost => ({ name, addresses: [{ address: '127.0.0.1', family: 4 }], preference: 10, dnssec });
  const options = { domain: 'example.test', mxSecure: true };
  const good = { type: 'TLSA', usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) } as const;
  const bad = { type: 'TLSA', usage: 1, selector: 1, matchingType: 1, data: 'ab'.repeat(32) } as const;
  const zone = {
    '_25._tcp.mx.example.test': [good, bad],
    '_25._tcp.unusable.example.test': [bad],
    'empty.example.test': [],
  };

  void it('gives the usable records and the reference identifiers', async () => {
    const resolver = new FakeResolver(zone, { authenticated: true });
    const result = await lookupDane(resolver, host('MX.example.test', true), options);
    assert.ok(result.ok && result.value.mode === 'dane');
    assert.equal(result.value.tlsaName, '_25._tcp.mx.example.test');
    assert.deepEqual(result.value.records.map(tlsaText), [`3 1 1 ${'AB'.repeat(32)}`]);
    assert.deepEqual(result.value.hostnames, ['mx.example.test', 'example.test']);
    const insecureMx = await lookupDane(resolver, host('mx.example.test', true), { ...options, mxSecure: false });
    assert.deepEqual(insecureMx.ok && insecureMx.value.mode === 'dane' && insecureMx.value.hostnames, ['mx.example.test']);
  });

  void it('asks for TLS without authentication when no record is usable', async () => {
    const result = await lookupDane(new FakeResolver(zone, { authenticated: true }), host('unusable.example.test', true), options);
    assert.deepEqual(result, { ok: true, value: { mode: 'encrypt', tlsaName: '_25._tcp.unusable.example.test', reason: 'no usable TLSA records at _25._tcp.unusable.example.test' } });
  });

  void it('applies no DANE without validated addresses, without TLSA, or with unvalidated TLSA', async () => {
    const modes = await Promise.all([
      lookupDane(new FakeResolver(zone, { authenticated: true }), host('mx.example.test', false), options),
      lookupDane(new FakeResolver(zone, { authenticated: true }), host('empty.example.test', true), options),
      lookupDane(new FakeResolver(zone, { authenticated: true }), host('nowhere.example.test', true), options),
      lookupDane(new FakeResolver(zone, { authenticated: false }), host('mx.example.test', true), options),
      lookupDane({ mx: async () => ({ ok: false, error: 'other', detail: '' }), addresses: async () => ({ ok: false, error: 'other', detail: '' }), txt: async () => ({ ok: false, error: 'other', detail: '' }) }, host('mx.example.test', true), options),
    ]);
    assert.deepEqual(modes.map((m) => m.ok && m.value.mode), ['none', 'none', 'none', 'none', 'none']);
  });

  void it('fails (defer this host) when the TLSA lookup fails', async () => {
    const resolver = new FakeResolver(zone, { authenticated: true });
    resolver.fail('_25._tcp.mx.example.test', 'servfail');
    const result = await lookupDane(resolver, host('mx.example.test', true), { ...options, port: 25 });
    assert.ok(!result.ok);
    assert.equal(result.error.resultType, 'dnssec-invalid');
  });
});

void describe('DANE over a real TLS connection and DNS server', () => {
  let dns: TestDnsServer;
  before(async () => {
    dns = await TestDnsServer.start({
      zone: {
        'mx.example.test': [{ type: 'A', address: '127.0.0.1' }],
        '_25._tcp.mx.example.test': [
          { type: 'TLSA', ...record(2, 0, 1, inter.x509), data: Buffer.from(record(2, 0, 1, inter.x509).data).toString('hex') },
          { type: 'TLSA', ...record(3, 1, 1, stranger.x509) },
        ],
      },
      authenticated: true,
    });
  });
  after(() => dns.close());

  void it('looks up TLSA records and verifies the presented chain', async () => {
    const server = createServer({ cert: leaf.cert + inter.cert, key: leaf.key }, (socket) => socket.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const address = parseServerAddress(dns.address);
      assert.ok(address);
      const resolver = new WireResolver({ servers: [address], timeoutMs: 2_000 });
      const hostAddresses = await resolver.addresses('mx.example.test');
      assert.ok(hostAddresses.ok && hostAddresses.authenticated);
      const policy = await lookupDane(resolver, { name: 'mx.example.test', addresses: hostAddresses.value, preference: 10, dnssec: true }, { domain: 'example.test', mxSecure: true });
      assert.ok(policy.ok && policy.value.mode === 'dane');
      assert.equal(policy.value.records.length, 2);

      const socket: TLSSocket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'mx.example.test', rejectUnauthorized: false });
      await once(socket, 'secureConnect');
      const chain = peerChain(socket);
      socket.destroy();
      assert.deepEqual(chain.map((c) => c.subject), [leaf.x509.subject, inter.x509.subject]);
      const verdict = verifyDane(chain, policy.value.records, { hostnames: policy.value.hostnames });
      assert.ok(verdict.ok);
      assert.equal(verdict.value.record.usage, 2);
    } finally {
      server.close();
    }
  });
});
