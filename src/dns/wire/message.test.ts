import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  MAX_LABEL_OCTETS,
  MAX_NAME_OCTETS,
  MAX_POINTER_HOPS,
  TYPE,
  decodeHeader,
  decodeMessage,
  encodeName,
  encodeQuery,
  ipv6Text,
  type DnsMessage,
} from './message.ts';

// A tiny response builder, independent of the code under test: names uncompressed unless a
// record gives raw bytes.
const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const u32 = (n: number) => [...u16(n >>> 16), ...u16(n & 0xffff)];
function name(text: string): number[] {
  if (text === '') return [0];
  return [...text.split('.').flatMap((label) => [label.length, ...Buffer.from(label, 'latin1')]), 0];
}
function rr(owner: string | number[], type: number, rdata: number[], ttl = 300, klass = 1): number[] {
  return [...(typeof owner === 'string' ? name(owner) : owner), ...u16(type), ...u16(klass), ...u32(ttl), ...u16(rdata.length), ...rdata];
}
function message(opts: { id?: number; flags?: number; questions?: number[][]; answers?: number[][]; authorities?: number[][]; additionals?: number[][] }): Uint8Array {
  const q = opts.questions ?? [];
  const an = opts.answers ?? [];
  const ns = opts.authorities ?? [];
  const ar = opts.additionals ?? [];
  return Uint8Array.from([
    ...u16(opts.id ?? 0x1234),
    ...u16(opts.flags ?? 0x8180),
    ...u16(q.length),
    ...u16(an.length),
    ...u16(ns.length),
    ...u16(ar.length),
    ...q.flat(),
    ...an.flat(),
    ...ns.flat(),
    ...ar.flat(),
  ]);
}
const question = (owner: string, type: number) => [...name(owner), ...u16(type), ...u16(1)];
const txt = (...strings: string[]) => strings.flatMap((s) => [s.length, ...Buffer.from(s, 'latin1')]);

function decoded(bytes: Uint8Array): DnsMessage {
  const result = decodeMessage(bytes);
  assert.ok(result.ok, result.ok ? '' : `decode failed: ${result.error.detail} at ${result.error.offset}`);
  return result.value;
}

function decodeError(bytes: Uint8Array): string {
  const result = decodeMessage(bytes);
  assert.ok(!result.ok, 'expected a decode error');
  return result.error.detail;
}

void describe('encodeName', () => {
  const valid: [string, number[]][] = [
    ['', [0]],
    ['.', [0]],
    ['com', [3, 99, 111, 109, 0]],
    ['a.b.', [1, 97, 1, 98, 0]],
    ['_25._tcp.mx', [3, 95, 50, 53, 4, 95, 116, 99, 112, 2, 109, 120, 0]],
  ];
  for (const [text, bytes] of valid) {
    void it(`encodes ${JSON.stringify(text)}`, () => {
      const result = encodeName(text);
      assert.ok(result.ok);
      assert.deepEqual([...result.value], bytes);
    });
  }
  void it('accepts labels of MAX_LABEL_OCTETS, not longer', () => {
    assert.equal(encodeName(`${'x'.repeat(MAX_LABEL_OCTETS)}.test`).ok, true);
    assert.equal(encodeName(`${'x'.repeat(MAX_LABEL_OCTETS + 1)}.test`).ok, false);
  });
  const invalid = ['a..b', '.a', 'a b', 'x'.repeat(64), `${'a'.repeat(63)}.`.repeat(4) + 'abc', 'é.com', 'a\\.b'];
  for (const text of invalid) {
    void it(`refuses ${JSON.stringify(text.slice(0, 40))}`, () => assert.equal(encodeName(text).ok, false));
  }
  void it('accepts a name of exactly 255 octets', () => {
    const longest = [...Array<string>(3).fill('a'.repeat(63)), 'a'.repeat(61)].join('.');
    const result = encodeName(longest);
    assert.ok(result.ok);
    assert.equal(result.value.length, MAX_NAME_OCTETS);
    assert.equal(encodeName(`${longest}a`).ok, false);
  });
});

void describe('encodeQuery', () => {
  void it('writes header, question and an OPT with DO', () => {
    const result = encodeQuery({ id: 0xbeef, name: 'example.com', type: TYPE.MX, edns: { udpPayloadSize: 1232, dnssecOk: true } });
    assert.ok(result.ok);
    const expected = [
      0xbe, 0xef, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1, // RD and AD set, one question, one additional
      ...name('example.com'), 0, 15, 0, 1,
      0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0, // OPT: size 1232, DO
    ];
    assert.deepEqual([...result.value], expected);
  });

  void it('writes a plain query without EDNS', () => {
    const result = encodeQuery({ id: 1, name: 'a', type: TYPE.A, recursionDesired: false });
    assert.ok(result.ok);
    assert.deepEqual([...result.value], [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 97, 0, 0, 1, 0, 1]);
  });

  void it('refuses an invalid name', () => assert.equal(encodeQuery({ id: 1, name: 'bad name', type: 1 }).ok, false));

  void it('decodes back to its own question', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z0-9_-]{1,20}$/), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.constantFrom(TYPE.A, TYPE.AAAA, TYPE.MX, TYPE.TXT, TYPE.TLSA),
        fc.boolean(),
        (labels, id, type, dnssecOk) => {
          const encoded = encodeQuery({ id, name: labels.join('.'), type, edns: { udpPayloadSize: 1232, dnssecOk } });
          assert.ok(encoded.ok);
          const back = decoded(encoded.value);
          assert.equal(back.header.id, id);
          assert.deepEqual(back.questions, [{ name: labels.join('.'), type, class: 1 }]);
          assert.equal(back.edns?.dnssecOk, dnssecOk);
          assert.equal(back.header.ad, dnssecOk);
        },
      ),
    );
  });
});

void describe('decodeMessage: valid messages', () => {
  void it('reads every supported record type', () => {
    const bytes = message({
      flags: 0x81a3, // QR RD RA AD, NXDOMAIN
      questions: [question('example.com', TYPE.MX)],
      answers: [
        rr('example.com', TYPE.MX, [...u16(10), ...name('mx.example.com')]),
        rr('mx.example.com', TYPE.A, [192, 0, 2, 1]),
        rr('mx.example.com', TYPE.AAAA, [0x20, 0x01, 0x0d, 0xb8, ...Array<number>(11).fill(0), 1]),
        rr('example.com', TYPE.TXT, txt('v=STSv1; ', 'id=1')),
        rr('alias.example.com', TYPE.CNAME, name('example.com')),
        rr('_25._tcp.mx.example.com', TYPE.TLSA, [3, 1, 1, 0xab, 0xcd]),
        rr('example.com', 99, [1, 2, 3]),
      ],
    });
    const m = decoded(bytes);
    assert.equal(m.header.ad, true);
    assert.equal(m.header.qr, true);
    assert.equal(m.rcode, 3);
    assert.deepEqual(
      m.answers.map((r) => r.data),
      [
        { kind: 'mx', preference: 10, exchange: 'mx.example.com' },
        { kind: 'a', address: '192.0.2.1' },
        { kind: 'aaaa', address: '2001:db8::1' },
        { kind: 'txt', strings: [Uint8Array.from(Buffer.from('v=STSv1; ')), Uint8Array.from(Buffer.from('id=1'))] },
        { kind: 'cname', target: 'example.com' },
        { kind: 'tlsa', usage: 3, selector: 1, matchingType: 1, data: Uint8Array.of(0xab, 0xcd) },
        { kind: 'other', bytes: Uint8Array.of(1, 2, 3) },
      ],
    );
    assert.equal(m.answers[0]?.ttl, 300);
  });

  void it('follows compression pointers backwards', () => {
    // question at offset 12: "example.com"; the answer owner and MX target point into it
    const bytes = message({
      questions: [question('example.com', TYPE.MX)],
      answers: [rr([0xc0, 12], TYPE.MX, [...u16(5), 2, 109, 120, 0xc0, 12])],
    });
    const m = decoded(bytes);
    assert.equal(m.answers[0]?.name, 'example.com');
    assert.deepEqual(m.answers[0]?.data, { kind: 'mx', preference: 5, exchange: 'mx.example.com' });
  });

  void it('reads the root name of a null MX', () => {
    const m = decoded(message({ answers: [rr('example.com', TYPE.MX, [0, 0, 0])] }));
    assert.deepEqual(m.answers[0]?.data, { kind: 'mx', preference: 0, exchange: '' });
  });

  void it('reads EDNS and the extended RCODE', () => {
    const opt = rr('', TYPE.OPT, [], (1 << 24) | 0x8000, 4096); // ext-rcode 1 (BADVERS = 16), DO
    const m = decoded(message({ additionals: [opt, rr('x', TYPE.A, [1, 2, 3, 4])] }));
    assert.deepEqual(m.edns, { udpPayloadSize: 4096, extendedRcode: 1, version: 0, dnssecOk: true });
    assert.equal(m.rcode, 16);
    assert.equal(m.additionals.length, 1);
  });

  void it('escapes odd label bytes', () => {
    const m = decoded(message({ answers: [rr([3, 0x61, 0x2e, 0xff, 0], TYPE.A, [1, 2, 3, 4])] }));
    assert.equal(m.answers[0]?.name, 'a\\046\\255');
    assert.equal(encodeName(m.answers[0]?.name ?? '').ok, false);
  });

  void it('ignores octets after the last record', () => {
    const bytes = message({ answers: [rr('a', TYPE.A, [1, 2, 3, 4])] });
    assert.equal(decoded(Uint8Array.from([...bytes, 9, 9, 9])).answers.length, 1);
  });
});

void describe('decodeMessage: malformed messages', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /shorter than its header/],
    ['short header', Uint8Array.of(1, 2, 3), /shorter than its header/],
    ['missing question', message({ questions: [] }).map((b, i) => (i === 5 ? 1 : b)), /ends inside a name/],
    ['label runs past the end', Uint8Array.from([...message({}).slice(0, 5), 1, ...message({}).slice(6), 5, 97]), /ends inside a label/],
    ['forward pointer', message({ answers: [rr([0xc0, 40], TYPE.A, [1, 2, 3, 4])] }), /does not point backwards/],
    ['self pointer', message({ answers: [rr([0xc0, 12], TYPE.A, [1, 2, 3, 4])] }), /does not point backwards/],
    ['extended label type', message({ answers: [rr([0x41, 0], TYPE.A, [1, 2, 3, 4])] }), /unsupported label type/],
    ['A of 3 octets', message({ answers: [rr('a', TYPE.A, [1, 2, 3])] }), /not 4 octets/],
    ['AAAA of 4 octets', message({ answers: [rr('a', TYPE.AAAA, [1, 2, 3, 4])] }), /not 16 octets/],
    ['TXT overrun', message({ answers: [rr('a', TYPE.TXT, [5, 97])] }), /overruns RDATA/],
    ['empty TXT', message({ answers: [rr('a', TYPE.TXT, [])] }), /empty TXT/],
    ['short TLSA', message({ answers: [rr('a', TYPE.TLSA, [3, 1])] }), /shorter than 3/],
    ['MX name past RDATA', message({ answers: [rr('a', TYPE.MX, [0, 1, 1, 97]), [0, 0]] }), /overruns RDATA|does not fill/],
    ['MX with slack', message({ answers: [rr('a', TYPE.MX, [0, 1, 0, 7])] }), /does not fill RDLENGTH/],
    ['RDLENGTH past the end', Uint8Array.from([...message({ answers: [rr('a', TYPE.A, [1, 2, 3, 4])] }).slice(0, -2)]), /ends inside RDATA/],
    ['two OPT records', message({ additionals: [rr('', TYPE.OPT, []), rr('', TYPE.OPT, [])] }), /more than one OPT/],
    ['record count larger than the records', message({ answers: [rr('a', TYPE.A, [1, 2, 3, 4])] }).map((b, i) => (i === 7 ? 2 : b)), /ends inside a name/],
  ];
  for (const [label, bytes, pattern] of cases) {
    void it(`refuses: ${label}`, () => assert.match(decodeError(bytes), pattern));
  }

  void it('refuses a name longer than 255 octets', () => {
    const long = Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.');
    assert.match(decodeError(message({ answers: [rr(long, TYPE.A, [1, 2, 3, 4])] })), /longer than 255/);
  });

  void it('bounds compression pointer chains', () => {
    // Record 1: owner "a" (offset 12), raw RDATA (offset 25 on) holding pointers, each to the
    // one before it, the first to "a". Record 2's owner points at the last: a long legal chain.
    const count = MAX_POINTER_HOPS + 5;
    const pointer = (to: number) => [0xc0 | (to >> 8), to & 0xff];
    const rdata = Array.from({ length: count }, (_, k) => pointer(k === 0 ? 12 : 25 + 2 * (k - 1))).flat();
    const chained = (n: number) => message({ answers: [rr('a', 99, rdata), rr(pointer(25 + 2 * (n - 1)), TYPE.A, [1, 2, 3, 4])] });
    assert.match(decodeError(chained(count)), /too many compression pointers/);
    assert.equal(decoded(chained(MAX_POINTER_HOPS - 1)).answers[1]?.name, 'a');
  });
});

void describe('decodeHeader', () => {
  void it('reads the flags of a truncated reply', () => {
    const header = decodeHeader(Uint8Array.of(0xab, 0xcd, 0x83, 0xa2, 0, 1, 0, 0, 0, 0, 0, 0, 7));
    assert.ok(header.ok);
    assert.deepEqual(
      { id: header.value.id, qr: header.value.qr, tc: header.value.tc, rd: header.value.rd, ra: header.value.ra, ad: header.value.ad, rcode: header.value.rcode },
      { id: 0xabcd, qr: true, tc: true, rd: true, ra: true, ad: true, rcode: 2 },
    );
  });
});

void describe('ipv6Text', () => {
  const cases: [number[], string][] = [
    [[...Array<number>(15).fill(0), 1], '::1'],
    [Array<number>(16).fill(0), '::'],
    [[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], '2001:db8::1:0:0:1'],
    [[0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], '2001:db8:1:1:1:1:1:1'],
    [[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], '2001:db8:0:1:1:1:1:1'],
    [[0xfe, 0x80, ...Array<number>(13).fill(0), 1], 'fe80::1'],
  ];
  for (const [bytes, text] of cases) void it(text, () => assert.equal(ipv6Text(Uint8Array.from(bytes)), text));

  void it('agrees with the URL parser on random addresses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (bytes, zeros) => {
        if (zeros) bytes.fill(0, 4, 10);
        const text = ipv6Text(bytes);
        assert.equal(new URL(`http://[${text}]/`).hostname, `[${text}]`);
      }),
    );
  });
});

void describe('decodeMessage: properties', () => {
  void it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        decodeMessage(bytes);
        decodeHeader(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  void it('never throws on a valid header followed by arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 4, maxLength: 4 }), fc.uint8Array({ maxLength: 400 }), (counts, rest) => {
        const header = [0, 1, 0x81, 0x80, ...counts.flatMap((c) => u16(c))];
        decodeMessage(Uint8Array.from([...header, ...rest]));
      }),
      { numRuns: 2000 },
    );
  });

  void it('never throws on corrupted valid messages, and decodes the uncorrupted ones', () => {
    const base = message({
      questions: [question('example.com', TYPE.MX)],
      answers: [
        rr([0xc0, 12], TYPE.MX, [...u16(10), 2, 109, 120, 0xc0, 12]),
        rr('mx.example.com', TYPE.A, [192, 0, 2, 1]),
        rr('_25._tcp.mx.example.com', TYPE.TLSA, [3, 1, 1, 1, 2, 3]),
        rr('example.com', TYPE.TXT, txt('hello', 'world')),
      ],
      additionals: [rr('', TYPE.OPT, [], 0x8000, 1232)],
    });
    assert.equal(decoded(base).answers.length, 4);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(base.length), (edits, cut) => {
        const bytes = base.slice(0, Math.max(cut, 1));
        for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
        decodeMessage(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  void it('decodes what the builder encodes', () => {
    const label = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
    const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
    const record = fc.oneof(
      fc.tuple(host, fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 })).map(([o, a]) => ({ bytes: rr(o, TYPE.A, a), data: { kind: 'a', address: a.join('.') } })),
      fc.tuple(host, fc.integer({ min: 0, max: 0xffff }), host).map(([o, p, x]) => ({ bytes: rr(o, TYPE.MX, [...u16(p), ...name(x)]), data: { kind: 'mx', preference: p, exchange: x } })),
      fc.tuple(host, host).map(([o, t]) => ({ bytes: rr(o, TYPE.CNAME, name(t)), data: { kind: 'cname', target: t } })),
    );
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), (records) => {
        const m = decoded(message({ answers: records.map((r) => r.bytes) }));
        assert.deepEqual(m.answers.map((r) => r.data), records.map((r) => r.data));
      }),
    );
  });
});
