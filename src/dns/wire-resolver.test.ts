import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { TestDnsServer } from '../../test/helpers/dns-server.ts';
import { parseServerAddress, type ServerAddress } from './server-address.ts';
import { MAX_ATTEMPTS } from './dns-client.ts';
import { MAX_CNAME_CHAIN, WireResolver } from './wire-resolver.ts';
import { decodeMessage, encodeName } from './wire/message.ts';

function serverOf(dns: TestDnsServer): ServerAddress {
  const server = parseServerAddress(dns.address);
  assert.ok(server);
  return server;
}

const ZONE = {
  'example.test': [
    { type: 'MX', preference: 10, exchange: 'mx1.example.test' },
    { type: 'MX', preference: 20, exchange: 'mx2.example.test' },
    { type: 'TXT', text: 'v=spf1 -all' },
    { type: 'TXT', text: ['v=STSv1; ', 'id=20240101'] },
  ],
  'mx1.example.test': [
    { type: 'A', address: '127.0.0.1' },
    { type: 'AAAA', address: '::1' },
  ],
  'v4only.example.test': [{ type: 'A', address: '127.0.0.2' }],
  'empty.example.test': [],
  'alias.example.test': [{ type: 'CNAME', target: 'alias2.example.test' }],
  'alias2.example.test': [{ type: 'CNAME', target: 'mx1.example.test' }],
  'dangling.example.test': [{ type: 'CNAME', target: 'nowhere.example.test' }],
  'loop1.example.test': [{ type: 'CNAME', target: 'loop2.example.test' }],
  'loop2.example.test': [{ type: 'CNAME', target: 'loop1.example.test' }],
  '_25._tcp.mx1.example.test': [{ type: 'TLSA', usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }],
  'big.example.test': [{ type: 'TXT', text: 'x'.repeat(3000) }],
  'null.example.test': [{ type: 'MX', preference: 0, exchange: '' }],
} as const;

void describe('WireResolver against a DNS server on loopback', () => {
  let dns: TestDnsServer;
  let resolver: WireResolver;
  before(async () => {
    dns = await TestDnsServer.start({ zone: ZONE, authenticated: true });
    resolver = new WireResolver({ servers: [serverOf(dns)], timeoutMs: 2_000 });
  });
  after(() => dns.close());

  void it('reads MX records with the AD bit, asking with DO set', async () => {
    assert.deepEqual(await resolver.mx('Example.TEST.'), {
      ok: true,
      value: [
        { exchange: 'mx1.example.test', preference: 10 },
        { exchange: 'mx2.example.test', preference: 20 },
      ],
      authenticated: true,
    });
    const query = dns.queries.at(-1);
    assert.equal(query?.dnssecOk, true);
    assert.equal(query?.transport, 'udp');
  });

  void it('reads AAAA then A records', async () => {
    assert.deepEqual(await resolver.addresses('mx1.example.test'), {
      ok: true,
      value: [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ],
      authenticated: true,
    });
    assert.deepEqual(await resolver.addresses('v4only.example.test'), { ok: true, value: [{ address: '127.0.0.2', family: 4 }], authenticated: true });
  });

  void it('joins the strings of each TXT record', async () => {
    const result = await resolver.txt('example.test');
    assert.ok(result.ok);
    assert.deepEqual(result.value.sort(), ['v=STSv1; id=20240101', 'v=spf1 -all']);
  });

  void it('reads TLSA records', async () => {
    const result = await resolver.tlsa('_25._tcp.mx1.example.test');
    assert.ok(result.ok);
    assert.equal(result.authenticated, true);
    assert.deepEqual(result.value.map((r) => ({ ...r, data: Buffer.from(r.data).toString('hex') })), [{ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }]);
  });

  void it('reads a null MX', async () => {
    assert.deepEqual(await resolver.mx('null.example.test'), { ok: true, value: [{ exchange: '', preference: 0 }], authenticated: true });
  });

  void it('follows a CNAME chain', async () => {
    const result = await resolver.addresses('alias.example.test');
    assert.ok(result.ok);
    assert.deepEqual(result.value.map((a) => a.address), ['::1', '127.0.0.1']);
  });

  void it('reports NXDOMAIN and NODATA, validated', async () => {
    assert.deepEqual(await resolver.mx('nope.example.test'), { ok: false, error: 'nxdomain', detail: 'nope.example.test does not exist', authenticated: true });
    assert.deepEqual(await resolver.mx('empty.example.test'), { ok: false, error: 'nodata', detail: 'no MX records at empty.example.test', authenticated: true });
    const dangling = await resolver.mx('dangling.example.test');
    assert.equal(dangling.ok ? 'ok' : dangling.error, 'nxdomain');
  });

  void it('refuses a CNAME loop', async () => {
    const result = await resolver.mx('loop1.example.test');
    assert.ok(!result.ok);
    assert.equal(result.error, 'other');
    assert.match(result.detail, /CNAME loop|longer than/);
  });

  void it('asks again over TCP when the UDP reply is truncated', async () => {
    const big = await resolver.txt('big.example.test');
    assert.ok(big.ok);
    assert.equal(big.value[0]?.length, 3000);
    assert.deepEqual(dns.queries.slice(-2).map((q) => q.transport), ['udp', 'tcp']);
    dns.misbehave('example.test', 'truncate', 'MX');
    try {
      const mx = await resolver.mx('example.test');
      assert.ok(mx.ok);
      assert.equal(mx.value.length, 2);
      assert.deepEqual(dns.queries.slice(-2).map((q) => q.transport), ['udp', 'tcp']);
    } finally {
      dns.misbehave('example.test', undefined, 'MX');
    }
  });

  void it('reports SERVFAIL, REFUSED and an unvalidated answer', async () => {
    dns.misbehave('sf.example.test', 'servfail');
    dns.misbehave('rf.example.test', 'refused');
    const servfail = await resolver.mx('sf.example.test');
    assert.equal(servfail.ok ? 'ok' : servfail.error, 'servfail');
    const refused = await resolver.txt('rf.example.test');
    assert.equal(refused.ok ? 'ok' : refused.error, 'refused');
    dns.authenticated = (name) => name !== 'mx1.example.test';
    try {
      const mx = await resolver.mx('example.test');
      assert.equal(mx.ok && mx.authenticated, true);
      const addresses = await resolver.addresses('alias.example.test');
      assert.equal(addresses.ok && addresses.authenticated, true, 'the chain was answered for the alias name');
      const direct = await resolver.addresses('mx1.example.test');
      assert.equal(direct.ok && direct.authenticated, false);
    } finally {
      dns.authenticated = true;
    }
  });

  void it('gives up after the configured attempts when no reply comes', async () => {
    dns.misbehave('silent.example.test', 'drop');
    const before = dns.queries.length;
    const quick = new WireResolver({ servers: [serverOf(dns)], timeoutMs: 100, attempts: 2 });
    const result = await quick.mx('silent.example.test');
    assert.equal(result.ok ? 'ok' : result.error, 'timeout');
    assert.equal(dns.queries.length - before, 2);
  });

  void it('never makes more than MAX_ATTEMPTS attempts', async () => {
    dns.misbehave('silent.example.test', 'drop');
    const before = dns.queries.length;
    const result = await new WireResolver({ servers: [serverOf(dns)], timeoutMs: 20, attempts: 1_000 }).txt('silent.example.test');
    assert.equal(result.ok ? 'ok' : result.error, 'timeout');
    assert.equal(dns.queries.length - before, MAX_ATTEMPTS);
  });

  void it('follows at most MAX_CNAME_CHAIN CNAMEs', async () => {
    const chain = (length: number, prefix: string) => {
      for (let i = 0; i < length; i++) dns.zone.set(`${prefix}${i}.chain.test`, [{ type: 'CNAME', target: `${prefix}${i + 1}.chain.test` }]);
      dns.zone.set(`${prefix}${length}.chain.test`, [{ type: 'A', address: '127.0.0.1' }]);
    };
    chain(MAX_CNAME_CHAIN, 'ok');
    chain(MAX_CNAME_CHAIN + 1, 'long');
    const fine = await resolver.addresses('ok0.chain.test');
    assert.equal(fine.ok, true);
    const long = await resolver.addresses('long0.chain.test');
    assert.ok(!long.ok);
    assert.match(long.detail, new RegExp(`longer than ${MAX_CNAME_CHAIN}`));
  });

  void it('fails without servers', async () => {
    const none = new WireResolver({ servers: [] });
    const result = await none.mx('example.test');
    assert.equal(result.ok ? 'ok' : result.error, 'other');
  });
});

void describe('WireResolver with several servers', () => {
  void it('moves on to the next server when one fails', async () => {
    const broken = await TestDnsServer.start({ zone: ZONE });
    const good = await TestDnsServer.start({ zone: ZONE });
    try {
      broken.misbehave('example.test', 'servfail');
      const resolver = new WireResolver({ servers: [serverOf(broken), serverOf(good)], timeoutMs: 1_000 });
      const result = await resolver.mx('example.test');
      assert.ok(result.ok);
      assert.equal(result.authenticated, false);
      broken.misbehave('example.test', 'drop');
      const dropped = await new WireResolver({ servers: [serverOf(broken), serverOf(good)], timeoutMs: 100 }).mx('example.test');
      assert.ok(dropped.ok);
    } finally {
      await Promise.all([broken.close(), good.close()]);
    }
  });
});

/** A hand-driven UDP server: the handler decides what to send back for each query. */
async function rawServer(handler: (query: Buffer, reply: (bytes: Uint8Array) => void) => void): Promise<{ socket: Socket; server: ServerAddress }> {
  const socket = createSocket('udp4');
  socket.on('message', (query, remote) => handler(query, (bytes) => socket.send(bytes, remote.port, remote.address)));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { socket, server: { host: '127.0.0.1', port: socket.address().port, family: 4 } };
}

/** A reply to a query: its header (QR set, counts adjusted), its question, and A records for it. */
function replyTo(query: Buffer, options: { id?: number; rcode?: number; addresses?: number[][]; name?: string } = {}): Uint8Array {
  const decoded = decodeMessage(query);
  assert.ok(decoded.ok);
  const q = decoded.value.questions[0];
  assert.ok(q);
  const qname = encodeName(options.name ?? q.name);
  assert.ok(qname.ok);
  const answers = (options.addresses ?? []).flatMap((a) => [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...a]);
  const id = options.id ?? decoded.value.header.id;
  return Uint8Array.from([id >> 8, id & 0xff, 0x81, 0x80 | (options.rcode ?? 0), 0, 1, 0, (options.addresses ?? []).length, 0, 0, 0, 0, ...qname.value, 0, q.type, 0, 1, ...answers]);
}

void describe('WireResolver and untrusted replies', () => {
  void it('ignores replies with the wrong ID or question and takes the real one', async () => {
    const { socket, server } = await rawServer((query, reply) => {
      const header = decodeMessage(query);
      assert.ok(header.ok);
      reply(replyTo(query, { id: (header.value.header.id + 1) & 0xffff, addresses: [[6, 6, 6, 6]] }));
      reply(replyTo(query, { name: 'evil.test', addresses: [[6, 6, 6, 7]] }));
      reply(Uint8Array.of(1, 2, 3));
      reply(replyTo(query, { addresses: [[127, 0, 0, 9]] }));
    });
    try {
      const result = await new WireResolver({ servers: [server], timeoutMs: 2_000 }).addresses('host.test');
      assert.ok(result.ok);
      assert.deepEqual(result.value, [{ address: '127.0.0.9', family: 4 }]);
      assert.equal(result.authenticated, false);
    } finally {
      socket.close();
    }
  });

  void it('asks again without EDNS after FORMERR', async () => {
    const seen: boolean[] = [];
    const { socket, server } = await rawServer((query, reply) => {
      const decoded = decodeMessage(query);
      assert.ok(decoded.ok);
      seen.push(decoded.value.edns !== undefined);
      reply(decoded.value.edns ? replyTo(query, { rcode: 1 }) : replyTo(query, { addresses: [[127, 0, 0, 3]] }));
    });
    try {
      const result = await new WireResolver({ servers: [server], timeoutMs: 2_000, attempts: 1 }).mx('old.test');
      // The plain query got an A record for an MX question: no MX records, so NODATA.
      assert.equal(result.ok ? 'ok' : result.error, 'nodata');
      assert.deepEqual(seen, [true, false]);
    } finally {
      socket.close();
    }
  });
});
