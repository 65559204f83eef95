import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ipGroupKey } from './ip-group.ts';

void test('IPv4 stays itself; IPv6 groups by /64; IPv4-mapped becomes IPv4', () => {
  const table: [string, string][] = [
    ['192.0.2.1', '192.0.2.1'],
    ['127.0.0.1', '127.0.0.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::ffff', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:192.0.2.1', '192.0.2.1'],
    ['::ffff:c000:201', '192.0.2.1'],
    ['0:0:0:0:0:ffff:192.0.2.1', '192.0.2.1'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['not an address', 'other:not an address'],
    ['', 'other:'],
  ];
  for (const [input, key] of table) assert.equal(ipGroupKey(input), key, input);
});

void test('two addresses in one /64 share a key; neighbouring /64s do not', () => {
  assert.equal(ipGroupKey('2001:db8:a:b::1'), ipGroupKey('2001:db8:a:b:ffff:ffff:ffff:ffff'));
  assert.notEqual(ipGroupKey('2001:db8:a:b::1'), ipGroupKey('2001:db8:a:c::1'));
});

void test('property: never throws, keys are bounded; every IPv6 of a /64 maps to its prefix', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      assert.ok(ipGroupKey(text).length <= 80);
    }),
  );
  fc.assert(
    fc.property(fc.ipV6(), (address) => {
      const key = ipGroupKey(address);
      assert.ok(key.endsWith('::/64') || /^\d+\.\d+\.\d+\.\d+$/.test(key), `${address} -> ${key}`);
    }),
  );
  fc.assert(fc.property(fc.ipV4(), (address) => assert.equal(ipGroupKey(`::ffff:${address}`), address)));
});
