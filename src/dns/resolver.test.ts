import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalName, combineAddressResults, dnsFail, dnsOk, isTemporaryDnsError, type AddressRecord, type DnsResult } from './resolver.ts';

const v6: AddressRecord = { address: '2001:db8::1', family: 6 };
const v4: AddressRecord = { address: '192.0.2.1', family: 4 };

void describe('combineAddressResults', () => {
  const cases: [string, DnsResult<AddressRecord[]>, DnsResult<AddressRecord[]>, DnsResult<AddressRecord[]>][] = [
    ['both families, IPv6 first', dnsOk([v6], true), dnsOk([v4], true), dnsOk([v6, v4], true)],
    ['one insecure answer makes the whole insecure', dnsOk([v6], true), dnsOk([v4], false), dnsOk([v6, v4], false)],
    ['IPv4 only, validated NODATA for AAAA', dnsFail('nodata', 'x', true), dnsOk([v4], true), dnsOk([v4], true)],
    ['IPv4 only, unvalidated NODATA for AAAA', dnsFail('nodata', 'x'), dnsOk([v4], true), dnsOk([v4], false)],
    ['addresses despite a failed AAAA lookup', dnsFail('servfail', 'x'), dnsOk([v4], true), dnsOk([v4], false)],
    ['temporary failure wins over NODATA', dnsFail('timeout', 't'), dnsFail('nodata', 'n'), dnsFail('timeout', 't')],
    ['temporary failure wins over NXDOMAIN', dnsFail('nxdomain', 'n'), dnsFail('servfail', 's'), dnsFail('servfail', 's')],
    ['NXDOMAIN', dnsFail('nxdomain', 'gone', true), dnsFail('nxdomain', 'gone', true), dnsFail('nxdomain', 'gone', true)],
    ['NODATA', dnsFail('nodata', 'a'), dnsFail('nodata', 'b'), dnsFail('nodata', 'no AAAA or A records', false)],
  ];
  for (const [label, aaaa, a, expected] of cases) void it(label, () => assert.deepEqual(combineAddressResults(aaaa, a), expected));
});

void describe('canonicalName', () => {
  void it('lowers ASCII case and drops the trailing dot', () => {
    assert.equal(canonicalName('MX.Example.COM.'), 'mx.example.com');
    assert.equal(canonicalName('.'), '');
    assert.equal(canonicalName('ÄB'), 'Äb');
  });
});

void describe('isTemporaryDnsError', () => {
  void it('treats only NXDOMAIN and NODATA as answers', () => {
    assert.deepEqual(
      (['nxdomain', 'nodata', 'servfail', 'timeout', 'refused', 'other'] as const).map(isTemporaryDnsError),
      [false, false, true, true, true, true],
    );
  });
});
