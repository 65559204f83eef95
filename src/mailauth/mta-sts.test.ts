import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../core/clock.ts';
import { err, ok, type Result } from '../core/result.ts';
import { FakeResolver } from '../dns/fake-resolver.test-support.ts';
import type { PolicyFetchFailure, PolicyFetcher } from './mta-sts-fetch.ts';
import { MemoryStsPolicyCache, allowedMx, discoverStsPolicy, parseStsPolicy, parseStsRecord, stsRequirement, type StsPolicy } from './mta-sts.ts';

void describe('parseStsRecord (RFC 8461 §3.1)', () => {
  const valid: [string[], string][] = [
    [['v=STSv1; id=20160831085700Z;'], '20160831085700Z'],
    [['v=STSv1;id=abc'], 'abc'],
    [['v=STSv1 ;  id=abc  ;  '], 'abc'],
    [['v=STSv1; id=first; id=second'], 'first'],
    [['v=STSv1; ext=val.ue; id=X1'], 'X1'],
    [['v=spf1 -all', 'v=STSv1; id=1', 'other'], '1'],
    [[`v=STSv1; id=${'a'.repeat(32)}`], 'a'.repeat(32)],
  ];
  for (const [records, id] of valid) void it(`reads ${JSON.stringify(records)}`, () => assert.deepEqual(parseStsRecord(records), ok(id)));

  const invalid: [string[], string][] = [
    [[], 'no v=STSv1 TXT record'],
    [['v=STSv2; id=1'], 'no v=STSv1 TXT record'],
    [['v=stsv1; id=1'], 'no v=STSv1 TXT record'],
    [['v=STSv1'], 'no v=STSv1 TXT record'],
    [[' v=STSv1; id=1'], 'no v=STSv1 TXT record'],
    [['v=STSv1; id=1', 'v=STSv1; id=2'], 'more than one v=STSv1 TXT record'],
    [['v=STSv1;'], 'TXT record without id'],
    [['v=STSv1; ext=1'], 'TXT record without id'],
    [['v=STSv1; id='], 'malformed id ""'],
    [['v=STSv1; id=a-b'], 'malformed id "a-b"'],
    [[`v=STSv1; id=${'a'.repeat(33)}`], `malformed id "${'a'.repeat(33)}"`],
    [['v=STSv1; id=1;; x=y'], 'malformed field ""'],
    [['v=STSv1; id'], 'malformed field "id"'],
    [['v=STSv1; =x; id=1'], 'malformed field "=x"'],
    [['v=STSv1; e=a;b; id=1'], 'malformed field "b"'],
    [['v=STSv1; e=a=b; id=1'], 'malformed field "e=a=b"'],
  ];
  for (const [records, reason] of invalid) void it(`refuses ${JSON.stringify(records)}`, () => assert.deepEqual(parseStsRecord(records), err(reason)));

  void it('never throws', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.string().map((s) => `v=STSv1;${s}`))), (records) => void parseStsRecord(records)));
  });
});

const POLICY = 'version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmx: *.mx.example.test\r\nmax_age: 86400\r\n';

void describe('parseStsPolicy (RFC 8461 §3.2)', () => {
  void it('reads a policy and keeps its lines for TLS-RPT', () => {
    assert.deepEqual(
      parseStsPolicy(POLICY),
      ok({ mode: 'enforce', mx: ['mx1.example.test', '*.mx.example.test'], maxAge: 86400, lines: ['version: STSv1', 'mode: enforce', 'mx: mx1.example.test', 'mx: *.mx.example.test', 'max_age: 86400'] }),
    );
  });

  void it('reads mode none without mx', () => {
    const result = parseStsPolicy('version: STSv1\nmode: none\nmax_age: 0\n');
    assert.ok(result.ok);
    assert.deepEqual([result.value.mode, result.value.mx, result.value.maxAge], ['none', [], 0]);
  });

  const invalid: [string, RegExp][] = [
    ['', /version/i],
    ['version: STSv2\nmode: enforce\nmx: a\nmax_age: 1\n', /version/i],
    ['version: STSv1\nmode: strict\nmx: a\nmax_age: 1\n', /mode/i],
    ['version: STSv1\nmode: enforce\nmax_age: 1\n', /mx/i],
    ['version: STSv1\nmode: enforce\nmx: a\n', /max_age/i],
    ['version: STSv1\nmode: enforce\nmx: a\nmax_age: 31557601\n', /max_age/i],
    ['version: STSv1\nmode: enforce\nmx: a\nmax_age: -1\n', /max_age/i],
  ];
  for (const [text, pattern] of invalid) {
    void it(`refuses ${JSON.stringify(text.slice(0, 50))}`, () => {
      const result = parseStsPolicy(text);
      assert.ok(!result.ok);
      assert.equal(result.error.resultType, 'sts-policy-invalid');
      assert.match(result.error.detail, pattern);
    });
  }

  void it('never throws', () => {
    const line = fc.oneof(fc.constantFrom('version: STSv1', 'mode: enforce', 'mode: testing', 'mx: a.test', 'max_age: 5'), fc.string());
    fc.assert(fc.property(fc.array(line, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => void parseStsPolicy(lines.join(eol))));
  });
});

void describe('allowedMx (RFC 8461 §4.1)', () => {
  const policy = { mx: ['mx1.example.test', '*.mx.example.test'] };
  const cases: [string, boolean][] = [
    ['mx1.example.test', true],
    ['MX1.Example.Test.', true],
    ['a.mx.example.test', true],
    ['mx.example.test', false],
    ['a.b.mx.example.test', false],
    ['mx2.example.test', false],
    ['xmx1.example.test', false],
    ['*.mx.example.test', false],
    ['', false],
  ];
  for (const [host, allowed] of cases) void it(`${JSON.stringify(host)}: ${allowed}`, () => assert.equal(allowedMx(policy, host), allowed));
});

function policyOf(mode: StsPolicy['mode']): StsPolicy {
  return { domain: 'example.test', id: '1', mode, mx: ['mx1.example.test'], maxAge: 60, fetchedAt: 0, expiresAt: 60_000, lines: [] };
}

void describe('stsRequirement (RFC 8461 §5)', () => {
  void it('maps policy and host to what delivery must do', () => {
    assert.equal(stsRequirement(undefined, 'mx1.example.test'), 'none');
    assert.equal(stsRequirement(policyOf('none'), 'other.test'), 'none');
    assert.equal(stsRequirement(policyOf('testing'), 'other.test'), 'report');
    assert.equal(stsRequirement(policyOf('enforce'), 'mx1.example.test'), 'enforce');
    assert.equal(stsRequirement(policyOf('enforce'), 'other.test'), 'skip');
  });
});

/** A fetcher serving bodies by domain, counting calls. */
class ScriptedFetcher implements PolicyFetcher {
  readonly calls: string[] = [];
  readonly bodies = new Map<string, Result<string, PolicyFetchFailure>>();
  async fetch(domain: string): Promise<Result<string, PolicyFetchFailure>> {
    this.calls.push(domain);
    return this.bodies.get(domain) ?? err({ resultType: 'sts-policy-fetch-error', detail: 'HTTP status 404' });
  }
}

void describe('discoverStsPolicy (RFC 8461 §3, §5.1)', () => {
  function setup() {
    const resolver = new FakeResolver({ '_mta-sts.example.test': [{ type: 'TXT', text: 'v=STSv1; id=one' }] });
    const fetcher = new ScriptedFetcher();
    fetcher.bodies.set('example.test', ok(POLICY));
    const cache = new MemoryStsPolicyCache();
    const clock = new ManualClock(1_000_000);
    return { resolver, fetcher, cache, clock };
  }

  void it('fetches, caches for max_age, and reuses the cache while the id is unchanged', async () => {
    const deps = setup();
    const first = await discoverStsPolicy('Example.Test', deps);
    assert.equal(first.policy?.mode, 'enforce');
    assert.ok(first.policy && 'source' in first && first.source === 'fetched');
    assert.equal(first.policy.id, 'one');
    assert.equal(first.policy.expiresAt, 1_000_000 + 86_400_000);
    deps.clock.advance(3_600_000);
    const second = await discoverStsPolicy('example.test', deps);
    assert.ok(second.policy && second.source === 'cache');
    assert.deepEqual(deps.fetcher.calls, ['example.test']);
  });

  void it('fetches again when the id changes', async () => {
    const deps = setup();
    await discoverStsPolicy('example.test', deps);
    deps.resolver.zone.set('_mta-sts.example.test', [{ type: 'TXT', text: 'v=STSv1; id=two' }]);
    deps.fetcher.bodies.set('example.test', ok(POLICY.replace('enforce', 'testing')));
    const result = await discoverStsPolicy('example.test', deps);
    assert.equal(result.policy?.mode, 'testing');
    assert.equal(result.policy?.id, 'two');
    assert.equal((await deps.cache.get('example.test'))?.id, 'two');
  });

  void it('keeps using a valid cached policy when the new one cannot be fetched', async () => {
    const deps = setup();
    await discoverStsPolicy('example.test', deps);
    deps.resolver.zone.set('_mta-sts.example.test', [{ type: 'TXT', text: 'v=STSv1; id=two' }]);
    deps.fetcher.bodies.set('example.test', err({ resultType: 'sts-webpki-invalid', detail: 'certificate not valid' }));
    const result = await discoverStsPolicy('example.test', deps);
    assert.ok(result.policy && result.source === 'cache');
    assert.equal(result.policy.id, 'one');
    assert.deepEqual(result.failure, { resultType: 'sts-webpki-invalid', detail: 'certificate not valid' });
  });

  void it('keeps using a valid cached policy when the TXT record is gone or unreadable', async () => {
    const deps = setup();
    await discoverStsPolicy('example.test', deps);
    deps.resolver.zone.delete('_mta-sts.example.test');
    assert.equal((await discoverStsPolicy('example.test', deps)).policy?.id, 'one');
    deps.resolver.fail('_mta-sts.example.test', 'servfail');
    assert.equal((await discoverStsPolicy('example.test', deps)).policy?.id, 'one');
    deps.resolver.fail('_mta-sts.example.test', undefined);
    deps.resolver.zone.set('_mta-sts.example.test', [{ type: 'TXT', text: 'v=STSv1; id=bad-id' }]);
    assert.equal((await discoverStsPolicy('example.test', deps)).policy?.id, 'one');
  });

  void it('drops an expired cached policy', async () => {
    const deps = setup();
    await discoverStsPolicy('example.test', deps);
    deps.clock.advance(86_400_001);
    deps.fetcher.bodies.set('example.test', err({ resultType: 'sts-policy-fetch-error', detail: 'HTTP status 500' }));
    const result = await discoverStsPolicy('example.test', deps);
    assert.equal(result.policy, undefined);
    assert.deepEqual(result.failure, { resultType: 'sts-policy-fetch-error', detail: 'HTTP status 500' });
  });

  void it('has no policy without a TXT record, and reports a TXT record without a usable policy', async () => {
    const deps = setup();
    const none = await discoverStsPolicy('other.test', deps);
    assert.equal(none.policy, undefined);
    assert.equal(none.failure, undefined);
    assert.deepEqual(deps.fetcher.calls, []);
    deps.fetcher.bodies.set('example.test', ok('version: STSv1\nmode: bogus\n'));
    const invalid = await discoverStsPolicy('example.test', deps);
    assert.equal(invalid.policy, undefined);
    assert.equal(invalid.failure?.resultType, 'sts-policy-invalid');
    assert.equal(await deps.cache.get('example.test'), undefined);
  });

  void it('caches a mode none policy, which replaces an enforcing one (RFC 8461 §8.3)', async () => {
    const deps = setup();
    await discoverStsPolicy('example.test', deps);
    deps.resolver.zone.set('_mta-sts.example.test', [{ type: 'TXT', text: 'v=STSv1; id=off' }]);
    deps.fetcher.bodies.set('example.test', ok('version: STSv1\nmode: none\nmax_age: 86400\n'));
    const result = await discoverStsPolicy('example.test', deps);
    assert.equal(result.policy?.mode, 'none');
    assert.equal(stsRequirement(result.policy, 'anything.test'), 'none');
  });
});

void describe('MemoryStsPolicyCache', () => {
  void it('keys by domain, case-insensitively, and drops the oldest past its limit', async () => {
    const cache = new MemoryStsPolicyCache(2);
    for (const domain of ['a.test', 'b.test', 'c.test']) await cache.set({ ...policyOf('enforce'), domain });
    assert.equal(await cache.get('a.test'), undefined);
    assert.equal((await cache.get('B.TEST.'))?.domain, 'b.test');
    await cache.delete('b.test');
    assert.equal(await cache.get('b.test'), undefined);
    assert.equal((await cache.get('c.test'))?.domain, 'c.test');
  });
});
