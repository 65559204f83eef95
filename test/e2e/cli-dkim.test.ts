// `postwarden domain dkim list|rotate` as an operator runs it: a rotation makes new keys (new
// selectors, never reused) the ones storage reports active, keeps the previous ones retired,
// and `domain dns` prints the active records as before and the retired ones in their own
// marked section. Errors follow the product contract (1 with one line on stderr, 2 for usage).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadOrCreateMasterKey } from '../../src/storage/crypto/master-key.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/open.ts';
import { inTempDir, runCli, type CliResult } from '../helpers/cli.ts';

interface Listed {
  readonly selector: string;
  readonly algorithm: string;
  readonly status: string;
  readonly created: string;
}

function listed(result: CliResult): Listed[] {
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trimEnd().split('\n').map((line) => {
    const [selector = '', algorithm = '', status = '', created = '', ...rest] = line.split('\t');
    assert.equal(rest.length, 0, line);
    assert.ok(!Number.isNaN(Date.parse(created)), line);
    return { selector, algorithm, status, created };
  });
}

/** The selectors storage itself reports active (the ones outbound mail is signed with). */
async function activeInStorage(cwd: string, domain: string): Promise<string[]> {
  const dataDir = join(cwd, 'data');
  const storage = await openSqliteStorage({ dataDir, master: loadOrCreateMasterKey(dataDir) });
  try {
    const found = await storage.getDomain(domain);
    assert.ok(found);
    return (await storage.listDkimKeys(found.id)).filter((key) => key.active).map((key) => key.selector).sort();
  } finally {
    await storage.close();
  }
}

/** The DKIM selectors `domain dns` publishes, before and after the retired-keys marker. */
function dnsSelectors(result: CliResult): { active: string[]; retired: string[]; marker: string | undefined } {
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  const at = lines.findIndex((line) => line.startsWith('; Retired DKIM keys'));
  const selectors = (part: string[]) => part.flatMap((line) => /^(\S+)\._domainkey\.example\.com\. 3600 IN TXT "v=DKIM1; k=(?:rsa|ed25519); p=/.exec(line)?.[1] ?? []).sort();
  return at < 0 ? { active: selectors(lines), retired: [], marker: undefined } : { active: selectors(lines.slice(0, at)), retired: selectors(lines.slice(at + 1)), marker: lines[at] };
}

function assertUserError(result: CliResult, pattern: RegExp): void {
  assert.equal(result.status, 1, `exit 1 expected: ${result.stderr}`);
  assert.match(result.stderr, /^postwarden: /);
  assert.match(result.stderr, pattern);
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, `one line on stderr: ${JSON.stringify(result.stderr)}`);
}

describe('cli: domain dkim', () => {
  it('rotates the signing keys, retires the old ones and prints both in domain dns', async () => {
    await inTempDir(async (cwd) => {
      const run = (args: string[]) => runCli(args, { cwd });
      assert.equal((await run(['domain', 'add', 'example.com'])).status, 0);
      const first = listed(await run(['domain', 'dkim', 'list', 'example.com']));
      assert.deepEqual(first.map((k) => [k.algorithm, k.status]).sort(), [['ed25519-sha256', 'active'], ['rsa-sha256', 'active']]);
      for (const key of first) assert.match(key.selector, /^pw\d{6}[re]$/);
      const original = first.map((k) => k.selector).sort();
      assert.deepEqual(await activeInStorage(cwd, 'example.com'), original);
      assert.deepEqual(dnsSelectors(await run(['domain', 'dns', 'example.com'])), { active: original, retired: [], marker: undefined });

      const rotated = await run(['domain', 'dkim', 'rotate', 'Example.COM']);
      assert.equal(rotated.status, 0, rotated.stderr);
      assert.equal(rotated.stderr, '');
      const second = listed(await run(['domain', 'dkim', 'list', 'example.com']));
      assert.equal(second.length, 4);
      assert.deepEqual(second.filter((k) => k.status === 'retired').map((k) => k.selector).sort(), original, 'the old keys are kept, retired');
      const fresh = second.filter((k) => k.status === 'active');
      assert.deepEqual(fresh.map((k) => k.algorithm).sort(), ['ed25519-sha256', 'rsa-sha256']);
      const renewed = fresh.map((k) => k.selector).sort();
      for (const selector of renewed) {
        assert.match(selector, /^pw\d{6}[re]\d*$/);
        assert.ok(!original.includes(selector), `${selector} is a new selector`);
        assert.match(rotated.stdout, new RegExp(`^signing now: .*\\b${selector} `, 'm'));
      }
      for (const selector of original) assert.match(rotated.stdout, new RegExp(`^retired: .*\\b${selector} `, 'm'));
      assert.match(rotated.stdout, /postwarden domain dns example\.com/);
      assert.deepEqual(await activeInStorage(cwd, 'example.com'), renewed, 'storage signs with the new keys only');

      const dns = dnsSelectors(await run(['domain', 'dns', 'example.com']));
      assert.deepEqual(dns.active, renewed);
      assert.deepEqual(dns.retired, original);
      assert.match(dns.marker ?? '', /keep published for a few days so mail in transit still verifies/);

      assert.equal((await run(['domain', 'dkim', 'rotate', 'example.com'])).status, 0);
      const third = listed(await run(['domain', 'dkim', 'list', 'example.com']));
      assert.equal(new Set(third.map((k) => k.selector)).size, 6, 'every rotation gets selectors never used before');
      const active = third.filter((k) => k.status === 'active').map((k) => k.selector).sort();
      assert.deepEqual(await activeInStorage(cwd, 'example.com'), active);
      assert.deepEqual(dnsSelectors(await run(['domain', 'dns', 'example.com'])).retired, [...original, ...renewed].sort());
    });
  });

  it('refuses an unknown domain in one line and bad usage with status 2', async () => {
    await inTempDir(async (cwd) => {
      assertUserError(await runCli(['domain', 'dkim', 'rotate', 'missing.example'], { cwd }), /no domain missing\.example/);
      assertUserError(await runCli(['domain', 'dkim', 'list', 'missing.example'], { cwd }), /no domain missing\.example/);
      assertUserError(await runCli(['domain', 'dkim', 'rotate', 'not a domain'], { cwd }), /not a domain/);
      for (const args of [['domain', 'dkim', 'rotate'], ['domain', 'dkim', 'list'], ['domain', 'dkim', 'frobnicate'], ['domain', 'dkim', 'rotate', 'example.com', '--bogus']]) {
        const result = await runCli(args, { cwd });
        assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, /^postwarden: /);
      }
    });
  });
});
