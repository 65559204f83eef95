import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addressLiteralKind, isDomain, isIPv4, isIPv6, MAX_DOMAIN_OCTETS, MAX_LABEL_OCTETS } from './domain.ts';

void test('domains: RFC 5321 §4.1.2 sub-domains, U-labels only with utf8 (RFC 6531 §3.3)', () => {
  const ascii = { utf8: false };
  const utf8 = { utf8: true };
  for (const domain of ['example.com', 'a', 'localhost', 'xn--bcher-kva.example', 'a-b.c-d', '1.2.3.4', 'EXAMPLE.COM', '0x.example']) {
    assert.ok(isDomain(domain, ascii), domain);
  }
  for (const domain of ['bücher.example', 'пример.испытание', 'münchen.de', 'BÜCHER.example']) {
    assert.ok(isDomain(domain, utf8), domain);
    assert.ok(!isDomain(domain, ascii), domain);
  }
  for (const domain of ['', '.', 'example.com.', '.example.com', 'a..b', '-a.com', 'a-.com', 'a_b.com', 'a b.com', 'exa\u0000mple.com', '[1.2.3.4]', 'a.com:25', 'ü-.example', 'a\u3002b', '\u00a0.com']) {
    assert.ok(!isDomain(domain, utf8), JSON.stringify(domain));
  }
});

void test('MAX_LABEL_OCTETS and MAX_DOMAIN_OCTETS', () => {
  assert.equal(MAX_LABEL_OCTETS, 63);
  assert.equal(MAX_DOMAIN_OCTETS, 255);
  assert.ok(isDomain(`${'a'.repeat(63)}.com`, { utf8: false }));
  assert.ok(!isDomain(`${'a'.repeat(64)}.com`, { utf8: false }));
  const label = 'a'.repeat(63);
  const longest = [label, label, label, 'a'.repeat(63)].join('.'); // 255 octets
  assert.equal(longest.length, 255);
  assert.ok(isDomain(longest, { utf8: false }));
  assert.ok(!isDomain(`a${longest}`, { utf8: false }));
  // A U-label counts by its A-label: 30 "ü" make an A-label longer than 63 octets.
  assert.ok(isDomain(`${'ü'.repeat(10)}.example`, { utf8: true }));
  assert.ok(!isDomain(`${'ü'.repeat(60)}.example`, { utf8: true }));
});

void test('address literals: RFC 5321 §4.1.3', () => {
  const valid: readonly (readonly [string, string])[] = [
    ['[192.0.2.1]', 'ipv4'],
    ['[0.0.0.0]', 'ipv4'],
    ['[255.255.255.255]', 'ipv4'],
    ['[IPv6:2001:db8::1]', 'ipv6'],
    ['[ipv6:2001:DB8::1]', 'ipv6'],
    ['[IPv6:::]', 'ipv6'],
    ['[IPv6:1:2:3:4:5:6:7:8]', 'ipv6'],
    ['[IPv6:1:2:3:4:5:6:192.0.2.1]', 'ipv6'],
    ['[IPv6:::ffff:192.0.2.1]', 'ipv6'],
    ['[IPv6:1::192.0.2.1]', 'ipv6'],
    ['[IPv6:1:2:3:4:5:6::]', 'ipv6'],
    ['[x-tag:anything!]', 'general'],
  ];
  for (const [text, kind] of valid) assert.equal(addressLiteralKind(text), kind, text);
  for (const text of [
    '[]',
    '[192.0.2]',
    '[192.0.2.256]',
    '[192.0.2.1.5]',
    '[1234.0.2.1]',
    '192.0.2.1',
    '[192.0.2.1',
    '[IPv6:2001:db8::1::2]',
    '[IPv6:1:2:3:4:5:6:7]',
    '[IPv6:1:2:3:4:5:6:7:8:9]',
    '[IPv6:1:2:3:4:5:6::7]', // "::" must stand for at least two groups (RFC 5321 §4.1.3)
    '[IPv6:1:2:3:4:5::192.0.2.1]',
    '[IPv6:12345::]',
    '[IPv6:g::]',
    '[IPv6::1:2]',
    '[IPv6:1.2.3.4]',
    '[IPv6:]',
    '[:x]',
    '[-:x]',
    '[tag:]',
    '[tag:a[b]',
    '[tag:a\\b]',
    '[tag:a b]',
  ]) {
    assert.equal(addressLiteralKind(text), undefined, text);
  }
  assert.ok(isIPv4('10.0.0.1') && !isIPv4('10.0.0.01.1'));
});

void test('property: the parsers never throw; RFC 5321 IPv6 forms are accepted', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
      isDomain(text, { utf8: true });
      isDomain(text, { utf8: false });
      addressLiteralKind(text);
      addressLiteralKind(`[${text}]`);
      isIPv6(text);
    }),
    { numRuns: 2000 },
  );
  const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
  fc.assert(
    fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.nat(7), fc.integer({ min: 2, max: 8 }), (groups, from, size) => {
      assert.ok(isIPv6(groups.join(':')));
      // Compress a run of at least two groups into "::".
      const to = Math.min(8, from + size);
      if (to - from < 2) return;
      const compressed = `${groups.slice(0, from).join(':')}::${groups.slice(to).join(':')}`;
      assert.ok(isIPv6(compressed), compressed);
    }),
  );
});
