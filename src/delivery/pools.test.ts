import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { PoolRouter } from './pools.ts';

const settings = {
  dedicated: { addresses: ['127.0.0.2'], helo: 'out-dedicated.example', dedicated_to: ['brand.example'] },
  shared: { addresses: ['127.0.0.3', '127.0.0.4'], helo: '', dedicated_to: [] },
};

void test('a dedicated domain uses its pool; others use the shared one; the header may name a pool the sender may use', () => {
  const router = new PoolRouter(settings, 'mx.local', 60_000, new ManualClock());
  assert.equal(router.choosePool('Brand.Example')?.name, 'dedicated');
  assert.equal(router.choosePool('other.example')?.name, 'shared');
  assert.equal(router.choosePool('other.example', 'dedicated')?.name, 'shared', 'a dedicated pool is not for other domains');
  assert.equal(router.choosePool('brand.example', 'shared')?.name, 'shared', 'an owner may choose a shared pool');
  assert.equal(router.choosePool('other.example', 'missing')?.name, 'shared');
  assert.equal(new PoolRouter({ only: settings.dedicated }, 'mx.local', 0, new ManualClock()).choosePool('other.example'), null, 'no shared pool: the system default');
});

void test('addresses take turns; a blocked one rests for that destination only, until its rest ends', () => {
  const clock = new ManualClock();
  const router = new PoolRouter(settings, 'mx.local', 60_000, clock);
  const shared = router.choosePool('x.example');
  const pick = (destination: string): string | number => {
    const choice = router.pickSource(shared, destination);
    return choice.kind === 'source' ? (choice.source.address ?? '') : choice.until;
  };
  assert.deepEqual([pick('d.example'), pick('d.example'), pick('d.example')], ['127.0.0.3', '127.0.0.4', '127.0.0.3']);
  router.rest({ pool: 'shared', address: '127.0.0.4', helo: 'mx.local' }, 'd.example');
  assert.deepEqual([pick('d.example'), pick('d.example')], ['127.0.0.3', '127.0.0.3']);
  assert.equal(pick('e.example'), '127.0.0.4', 'other destinations still get it');
  router.rest({ pool: 'shared', address: '127.0.0.3', helo: 'mx.local' }, 'd.example');
  assert.equal(pick('d.example'), clock.now() + 60_000, 'every address resting: wait for the first to come back');
  clock.advance(60_000);
  assert.equal(typeof pick('d.example'), 'string');
  const choice = router.pickSource(null, 'd.example');
  assert.deepEqual(choice, { kind: 'source', source: { pool: null, address: undefined, helo: 'mx.local' } });
  const dedicated = router.pickSource(router.choosePool('brand.example'), 'd.example');
  assert.equal(dedicated.kind === 'source' ? dedicated.source.helo : '', 'out-dedicated.example');
});
