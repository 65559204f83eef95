import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TestDnsServer } from '../../test/helpers/dns-server.ts';
import { FakeResolver } from './fake-resolver.test-support.ts';
import { MAX_ADDRESSES_PER_HOST, MAX_MX_HOSTS, orderByPreference, resolveRoute, type Route, type RouteError } from './mx.ts';
import { parseServerAddress } from './server-address.ts';
import { WireResolver } from './wire-resolver.ts';
import type { ZoneInput } from './zone.test-support.ts';

const ZONE: ZoneInput = {
  'example.test': [
    { type: 'MX', preference: 20, exchange: 'mx3.example.test' },
    { type: 'MX', preference: 10, exchange: 'mx1.example.test' },
    { type: 'MX', preference: 10, exchange: 'mx2.example.test' },
  ],
  'mx1.example.test': [{ type: 'A', address: '127.0.0.1' }],
  'mx2.example.test': [
    { type: 'A', address: '127.0.0.2' },
    { type: 'AAAA', address: '::2' },
  ],
  'mx3.example.test': [{ type: 'AAAA', address: '::3' }],
  'implicit.test': [
    { type: 'A', address: '127.0.0.4' },
    { type: 'TXT', text: 'no MX here' },
  ],
  'nothing.test': [{ type: 'TXT', text: 'no MX, no address' }],
  'null.test': [{ type: 'MX', preference: 0, exchange: '' }],
  'mixed-null.test': [
    { type: 'MX', preference: 0, exchange: '' },
    { type: 'MX', preference: 10, exchange: 'mx1.example.test' },
  ],
  'dead.test': [
    { type: 'MX', preference: 10, exchange: 'gone.dead.test' },
    { type: 'MX', preference: 20, exchange: 'noaddr.dead.test' },
  ],
  'noaddr.dead.test': [],
  'flaky.test': [
    { type: 'MX', preference: 10, exchange: 'broken.flaky.test' },
    { type: 'MX', preference: 20, exchange: 'gone.flaky.test' },
  ],
  'partial.test': [
    { type: 'MX', preference: 10, exchange: 'broken.flaky.test' },
    { type: 'MX', preference: 20, exchange: 'mx1.example.test' },
  ],
  'self.test': [
    { type: 'MX', preference: 10, exchange: 'backup.other.test' },
    { type: 'MX', preference: 20, exchange: 'mail.postwarden.test' },
    { type: 'MX', preference: 30, exchange: 'lower.other.test' },
  ],
  'onlyself.test': [{ type: 'MX', preference: 10, exchange: 'mail.postwarden.test' }],
  'backup.other.test': [{ type: 'A', address: '127.0.0.8' }],
  'lower.other.test': [{ type: 'A', address: '127.0.0.9' }],
  'mail.postwarden.test': [{ type: 'A', address: '127.0.0.1' }],
  'xn--bcher-kva.test': [{ type: 'MX', preference: 5, exchange: 'mx1.example.test' }],
  'cname-mx.test': [{ type: 'MX', preference: 5, exchange: 'alias.example.test' }],
  'alias.example.test': [{ type: 'CNAME', target: 'mx1.example.test' }],
};

function summary(result: { ok: true; value: Route } | { ok: false; error: RouteError }): unknown {
  if (!result.ok) return result.error;
  return { dnssec: result.value.dnssec, implicit: result.value.implicit, hosts: result.value.hosts.map((h) => `${h.preference} ${h.name} ${h.addresses.map((a) => a.address).join(',')}`) };
}

/** A random source that always returns the same value; near 1 it keeps the input order among equals. */
const fixed = (value: number) => () => value;
const keepOrder = fixed(0.999);

void describe('resolveRoute', () => {
  const resolver = new FakeResolver(ZONE);
  resolver.fail('broken.flaky.test', 'servfail');
  resolver.fail('timeout.test', 'timeout', 'MX');

  const cases: [string, string, unknown][] = [
    [
      'MX hosts by preference, IPv6 before IPv4',
      'example.test',
      { dnssec: false, implicit: false, hosts: ['10 mx1.example.test 127.0.0.1', '10 mx2.example.test ::2,127.0.0.2', '20 mx3.example.test ::3'] },
    ],
    ['the implicit MX when there is no MX (RFC 5321 §5.1)', 'implicit.test', { dnssec: false, implicit: true, hosts: ['0 implicit.test 127.0.0.4'] }],
    ['NXDOMAIN bounces', 'nowhere.test', { permanent: true, status: '5.1.2', detail: 'domain nowhere.test does not exist' }],
    ['no MX and no address bounces', 'nothing.test', { permanent: true, status: '5.1.2', detail: 'nothing.test has no MX and no usable address records' }],
    ['a null MX bounces at once (RFC 7505)', 'null.test', { permanent: true, status: '5.1.10', detail: 'null.test does not accept mail (null MX)' }],
    ['a null MX beside real ones is ignored', 'mixed-null.test', { dnssec: false, implicit: false, hosts: ['10 mx1.example.test 127.0.0.1'] }],
    ['a failed MX lookup defers', 'timeout.test', { permanent: false, status: '4.4.3', detail: 'MX lookup for timeout.test failed: injected timeout for timeout.test MX' }],
    ['MX hosts without addresses bounce', 'dead.test', { permanent: true, status: '5.4.4', detail: 'no MX host of dead.test has a usable address (gone.dead.test, noaddr.dead.test)' }],
    ['an MX host lookup that failed defers', 'flaky.test', { permanent: false, status: '4.4.3', detail: 'address lookup for broken.flaky.test failed: injected servfail for broken.flaky.test AAAA' }],
    ['hosts that resolved are used despite others failing', 'partial.test', { dnssec: false, implicit: false, hosts: ['20 mx1.example.test 127.0.0.1'] }],
    ['an IDN domain is looked up as A-labels', 'BÜCHER.test.', { dnssec: false, implicit: false, hosts: ['5 mx1.example.test 127.0.0.1'] }],
    ['an MX target that is a CNAME is followed', 'cname-mx.test', { dnssec: false, implicit: false, hosts: ['5 alias.example.test 127.0.0.1'] }],
    ['an IPv4 address literal needs no DNS', '[127.0.0.7]', { dnssec: false, implicit: true, hosts: ['0 [127.0.0.7] 127.0.0.7'] }],
    ['an IPv6 address literal', '[IPv6:::1]', { dnssec: false, implicit: true, hosts: ['0 [IPv6:::1] ::1'] }],
    ['a malformed address literal', '[300.1.1.1]', { permanent: true, status: '5.1.2', detail: 'unusable address literal [300.1.1.1]' }],
    ['an invalid domain', 'bad domain.test', { permanent: true, status: '5.1.2', detail: 'invalid domain "bad domain.test"' }],
    ['an empty domain', '', { permanent: true, status: '5.1.2', detail: 'invalid domain ""' }],
  ];
  for (const [label, domain, expected] of cases) {
    void it(label, async () => assert.deepEqual(summary(await resolveRoute(resolver, domain, { random: keepOrder })), expected));
  }

  void it('drops MX hosts at or below our own preference (RFC 5321 §5.1)', async () => {
    const options = { random: keepOrder, localHostnames: ['Mail.Postwarden.test.'] };
    assert.deepEqual(summary(await resolveRoute(resolver, 'self.test', options)), { dnssec: false, implicit: false, hosts: ['10 backup.other.test 127.0.0.8'] });
    assert.deepEqual(summary(await resolveRoute(resolver, 'onlyself.test', options)), {
      permanent: true,
      status: '5.4.6',
      detail: 'mail for onlyself.test loops back to this server',
    });
  });

  void it('keeps only the address families asked for, in their order', async () => {
    assert.deepEqual(summary(await resolveRoute(resolver, 'example.test', { random: keepOrder, families: [4] })), {
      dnssec: false,
      implicit: false,
      hosts: ['10 mx1.example.test 127.0.0.1', '10 mx2.example.test 127.0.0.2'],
    });
    assert.deepEqual(summary(await resolveRoute(resolver, 'example.test', { random: keepOrder, families: [4, 6] })), {
      dnssec: false,
      implicit: false,
      hosts: ['10 mx1.example.test 127.0.0.1', '10 mx2.example.test 127.0.0.2,::2', '20 mx3.example.test ::3'],
    });
  });

  void it('keeps at most MAX_MX_HOSTS hosts', async () => {
    const many = new FakeResolver({
      'many.test': Array.from({ length: MAX_MX_HOSTS + 5 }, (_, i) => ({ type: 'MX' as const, preference: i, exchange: `mx${i}.many.test` })),
      ...Object.fromEntries(Array.from({ length: MAX_MX_HOSTS + 5 }, (_, i) => [`mx${i}.many.test`, [{ type: 'A' as const, address: `127.0.1.${i}` }]])),
    });
    const route = await resolveRoute(many, 'many.test');
    assert.ok(route.ok);
    assert.equal(route.value.hosts.length, MAX_MX_HOSTS);
    assert.equal(route.value.hosts.at(-1)?.name, `mx${MAX_MX_HOSTS - 1}.many.test`);
  });

  void it('keeps at most MAX_ADDRESSES_PER_HOST addresses per host, without duplicates', async () => {
    const addresses = Array.from({ length: MAX_ADDRESSES_PER_HOST + 3 }, (_, i) => ({ type: 'A' as const, address: `127.0.2.${i}` }));
    const wide = new FakeResolver({ 'wide.test': [...addresses, { type: 'A', address: '127.0.2.0' }] });
    const route = await resolveRoute(wide, 'wide.test');
    assert.ok(route.ok);
    assert.deepEqual(route.value.hosts[0]?.addresses.map((a) => a.address), addresses.slice(0, MAX_ADDRESSES_PER_HOST).map((a) => a.address));
  });

  void it('reports DNSSEC status of the MX RRset and of each host', async () => {
    const secure = new FakeResolver(ZONE, { authenticated: (name) => name !== 'mx2.example.test' });
    const route = await resolveRoute(secure, 'example.test', { random: keepOrder });
    assert.ok(route.ok);
    assert.equal(route.value.dnssec, true);
    assert.deepEqual(route.value.hosts.map((h) => [h.name, h.dnssec]), [
      ['mx1.example.test', true],
      ['mx2.example.test', false],
      ['mx3.example.test', true],
    ]);
    const implicit = await resolveRoute(secure, 'implicit.test');
    assert.ok(implicit.ok);
    assert.equal(implicit.value.dnssec, true, 'a validated NODATA for MX makes the implicit MX secure');
  });
});

void describe('orderByPreference', () => {
  void it('shuffles only among equal preferences', () => {
    const records = [
      { name: 'c', preference: 20 },
      { name: 'a', preference: 10 },
      { name: 'b', preference: 10 },
    ];
    assert.deepEqual(orderByPreference(records, fixed(0)).map((r) => r.name), ['b', 'a', 'c']);
    assert.deepEqual(orderByPreference(records, fixed(0.99)).map((r) => r.name), ['a', 'b', 'c']);
  });

  void it('drops duplicate hosts, keeping the most preferred', () => {
    const records = [
      { name: 'a', preference: 30 },
      { name: 'a', preference: 10 },
      { name: 'b', preference: 20 },
    ];
    assert.deepEqual(orderByPreference(records, Math.random).map((r) => `${r.preference}${r.name}`), ['10a', '20b']);
  });

  void it('always yields a sorted permutation, and every order among equals occurs', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.uuid(), preference: fc.integer({ min: 0, max: 3 }) }), { maxLength: 12 }), fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), (records, stream) => {
        const ordered = orderByPreference(records, () => stream.next().value);
        assert.deepEqual([...ordered].sort((a, b) => a.name.localeCompare(b.name)), [...records].sort((a, b) => a.name.localeCompare(b.name)));
        for (let i = 1; i < ordered.length; i++) assert.ok((ordered[i - 1]?.preference ?? 0) <= (ordered[i]?.preference ?? 0));
      }),
    );
    const seen = new Set<string>();
    const equals = ['x', 'y', 'z'].map((name) => ({ name, preference: 5 }));
    for (let i = 0; i < 200 && seen.size < 6; i++) seen.add(orderByPreference(equals, Math.random).map((r) => r.name).join(''));
    assert.equal(seen.size, 6);
  });
});

void describe('resolveRoute through a DNS server on loopback', () => {
  void it('routes with the wire resolver and the AD bit', async () => {
    const dns = await TestDnsServer.start({ zone: ZONE, authenticated: true });
    try {
      const server = parseServerAddress(dns.address);
      assert.ok(server);
      const resolver = new WireResolver({ servers: [server], timeoutMs: 2_000 });
      const route = await resolveRoute(resolver, 'example.test', { random: keepOrder });
      assert.deepEqual(summary(route), { dnssec: true, implicit: false, hosts: ['10 mx1.example.test 127.0.0.1', '10 mx2.example.test ::2,127.0.0.2', '20 mx3.example.test ::3'] });
      assert.deepEqual(summary(await resolveRoute(resolver, 'null.test')), { permanent: true, status: '5.1.10', detail: 'null.test does not accept mail (null MX)' });
      dns.misbehave('example.test', 'servfail', 'MX');
      const failed = await resolveRoute(resolver, 'example.test');
      assert.ok(!failed.ok);
      assert.equal(failed.error.status, '4.4.3');
    } finally {
      await dns.close();
    }
  });
});
