import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatServerAddress, parseServerAddress } from './server-address.ts';

void describe('parseServerAddress', () => {
  const valid: [string, { host: string; port: number; family: 4 | 6 }, string][] = [
    ['192.0.2.1', { host: '192.0.2.1', port: 53, family: 4 }, '192.0.2.1'],
    ['127.0.0.1:5353', { host: '127.0.0.1', port: 5353, family: 4 }, '127.0.0.1:5353'],
    ['2001:db8::1', { host: '2001:db8::1', port: 53, family: 6 }, '2001:db8::1'],
    ['[::1]:5353', { host: '::1', port: 5353, family: 6 }, '[::1]:5353'],
    ['[2001:DB8:0:0::1]:53', { host: '2001:db8::1', port: 53, family: 6 }, '2001:db8::1'],
    ['127.0.0.1:53', { host: '127.0.0.1', port: 53, family: 4 }, '127.0.0.1'],
  ];
  for (const [text, expected, formatted] of valid) {
    void it(`reads ${text}`, () => {
      const parsed = parseServerAddress(text);
      assert.deepEqual(parsed, expected);
      assert.equal(parsed && formatServerAddress(parsed), formatted);
    });
  }
  const invalid = ['', 'dns.example', '127.0.0.1:', '127.0.0.1:0', '127.0.0.1:65536', '[127.0.0.1]:53', '::1:53x', '[::1]', '1.2.3:53', ' 127.0.0.1'];
  for (const text of invalid) void it(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseServerAddress(text), undefined));

  void it('never throws', () => {
    fc.assert(fc.property(fc.string(), (text) => void parseServerAddress(text)));
  });
});
