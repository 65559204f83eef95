import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestDnsServer } from '../../test/helpers/dns-server.ts';
import { createResolver } from './create-resolver.ts';
import type { Resolver } from './resolver.ts';
import { parseServerAddress } from './server-address.ts';
import { SystemResolver } from './system-resolver.ts';
import { WireResolver } from './wire-resolver.ts';

void describe('SystemResolver against a DNS server on loopback', () => {
  let dns: TestDnsServer;
  let resolver: SystemResolver;
  before(async () => {
    dns = await TestDnsServer.start({
      zone: {
        'example.test': [
          { type: 'MX', preference: 10, exchange: 'MX1.example.test' },
          { type: 'TXT', text: ['v=STSv1; ', 'id=1'] },
        ],
        'mx1.example.test': [
          { type: 'A', address: '127.0.0.1' },
          { type: 'AAAA', address: '::1' },
        ],
        'alias.example.test': [{ type: 'CNAME', target: 'mx1.example.test' }],
        'null.example.test': [{ type: 'MX', preference: 0, exchange: '' }],
        'empty.example.test': [],
      },
      authenticated: true,
    });
    const server = parseServerAddress(dns.address);
    assert.ok(server);
    resolver = new SystemResolver({ servers: [server], timeoutMs: 500, tries: 1 });
  });
  after(() => dns.close());

  void it('reads MX, addresses and TXT, never authenticated', async () => {
    assert.deepEqual(await resolver.mx('example.test'), { ok: true, value: [{ exchange: 'mx1.example.test', preference: 10 }], authenticated: false });
    assert.deepEqual(await resolver.addresses('alias.example.test'), {
      ok: true,
      value: [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ],
      authenticated: false,
    });
    assert.deepEqual(await resolver.txt('example.test'), { ok: true, value: ['v=STSv1; id=1'], authenticated: false });
    assert.equal((resolver as Resolver).tlsa, undefined);
  });

  void it('reads a null MX as the root', async () => {
    assert.deepEqual(await resolver.mx('null.example.test'), { ok: true, value: [{ exchange: '', preference: 0 }], authenticated: false });
  });

  void it('maps NXDOMAIN, NODATA, SERVFAIL, REFUSED and silence', async () => {
    dns.misbehave('sf.example.test', 'servfail');
    dns.misbehave('rf.example.test', 'refused');
    dns.misbehave('silent.example.test', 'drop');
    const codes = await Promise.all([
      resolver.mx('nope.example.test'),
      resolver.mx('empty.example.test'),
      resolver.mx('sf.example.test'),
      resolver.mx('rf.example.test'),
      resolver.mx('silent.example.test'),
    ]);
    assert.deepEqual(codes.map((r) => (r.ok ? 'ok' : r.error)), ['nxdomain', 'nodata', 'servfail', 'refused', 'timeout']);
  });
});

void describe('createResolver', () => {
  void it('uses node:dns unless DNSSEC status is wanted', () => {
    const plain = createResolver({ servers: ['127.0.0.1:5353'] });
    assert.ok(plain.ok && plain.value instanceof SystemResolver);
    const dnssec = createResolver({ servers: ['127.0.0.1:5353', '[::1]:5353'], dnssec: true });
    assert.ok(dnssec.ok && dnssec.value instanceof WireResolver);
    assert.equal(typeof (dnssec.ok && dnssec.value.tlsa), 'function');
  });

  void it('refuses a server that is not an address', () => {
    const result = createResolver({ servers: ['dns.example:53'] });
    assert.ok(!result.ok);
    assert.match(result.error, /invalid DNS server "dns.example:53"/);
  });

  void it('answers through the test server either way', async () => {
    const dns = await TestDnsServer.start({ zone: { 'a.test': [{ type: 'A', address: '127.0.0.5' }] }, authenticated: true });
    try {
      for (const dnssec of [false, true]) {
        const resolver = createResolver({ servers: [dns.address], dnssec, timeoutMs: 1_000 });
        assert.ok(resolver.ok);
        const result = await resolver.value.addresses('a.test');
        assert.deepEqual(result, { ok: true, value: [{ address: '127.0.0.5', family: 4 }], authenticated: dnssec });
      }
    } finally {
      await dns.close();
    }
  });
});
