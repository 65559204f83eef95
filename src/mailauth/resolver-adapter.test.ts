import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeResolver } from '../dns/fake-resolver.test-support.ts';
import { mailauthResolver } from './resolver-adapter.ts';

void test('answers in mailauth shape; a missing record rejects with ENOTFOUND or ENODATA, a failure otherwise', async () => {
  const fake = new FakeResolver({
    'example.com': [
      { type: 'TXT', text: 'v=spf1 -all' },
      { type: 'MX', preference: 10, exchange: 'mx.example.com' },
      { type: 'A', address: '192.0.2.1' },
    ],
  });
  const resolve = mailauthResolver(fake);
  assert.deepEqual(await resolve('example.com', 'TXT'), [['v=spf1 -all']]);
  assert.deepEqual(await resolve('example.com', 'MX'), [{ exchange: 'mx.example.com', priority: 10 }]);
  assert.deepEqual(await resolve('example.com', 'A'), ['192.0.2.1']);
  const code = async (name: string, type: string): Promise<unknown> => resolve(name, type).then(() => 'resolved', (e: unknown) => (e as { code?: string }).code);
  assert.equal(await code('example.com', 'AAAA'), 'ENODATA');
  assert.equal(await code('missing.example', 'TXT'), 'ENOTFOUND');
  assert.equal(await code('example.com', 'PTR'), 'ENOTFOUND');
  fake.fail('broken.example', 'servfail');
  assert.equal(await code('broken.example', 'TXT'), 'ESERVFAIL');
});
