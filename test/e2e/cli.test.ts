// The CLI as users and scripts run it (product contract): domain and user commands, init,
// --config before or after the command, exit statuses (0 ok, 1 user error with one line on
// stderr, 2 bad usage), and that a refused command leaves nothing half-written.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inTempDir, runCli, type CliResult } from '../helpers/cli.ts';

const PASSWORD = 'correct horse battery staple';

function assertUserError(result: CliResult, pattern: RegExp): void {
  assert.equal(result.status, 1, `exit 1 expected: ${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, `one line on stderr: ${JSON.stringify(result.stderr)}`);
  assert.match(result.stderr, /^postwarden: /);
}

describe('cli: domains and users', () => {
  it('adds, lists and removes domains and users, and prints DNS records', async () => {
    await inTempDir(async (cwd) => {
      const run = (args: string[], input?: string) => runCli(args, { cwd, ...(input === undefined ? {} : { input }) });
      assert.equal((await run(['domain', 'add', 'Example.COM'])).status, 0);
      assert.equal((await run(['domain', 'add', 'münchen.de'])).status, 0);
      assert.deepEqual((await run(['domain', 'list'])).stdout.trim().split('\n'), ['example.com', 'xn--mnchen-3ya.de (münchen.de)']);

      const dns = await run(['domain', 'dns', 'example.com']);
      assert.equal(dns.status, 0, dns.stderr);
      assert.match(dns.stdout, /^example\.com\. 3600 IN MX 10 localhost\.$/m);
      assert.match(dns.stdout, /^example\.com\. 3600 IN TXT "v=spf1 mx -all"$/m);
      assert.match(dns.stdout, /^pw\d{6}r\._domainkey\.example\.com\. 3600 IN TXT "v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+/m);
      assert.match(dns.stdout, /^pw\d{6}e\._domainkey\.example\.com\. 3600 IN TXT "v=DKIM1; k=ed25519; p=[A-Za-z0-9+/=]{44}"$/m);
      assert.match(dns.stdout, /^_dmarc\.example\.com\. 3600 IN TXT "v=DMARC1; p=quarantine/m);
      assert.match(dns.stdout, /^_mta-sts\.example\.com\. 3600 IN TXT "v=STSv1; id=[0-9a-f]+"$/m);
      assert.match(dns.stdout, /^_smtp\._tls\.example\.com\. 3600 IN TXT "v=TLSRPTv1; rua=mailto:postmaster@example\.com"$/m);

      assert.equal((await run(['user', 'add', 'Alice@Example.com', '--password', PASSWORD, '--quota', '1G'])).status, 0);
      const added = await run(['user', 'add', 'bob@example.com', '--password-stdin'], `${PASSWORD}\n`);
      assert.equal(added.status, 0, added.stderr);
      assert.deepEqual((await run(['user', 'list'])).stdout.trim().split('\n'), ['alice@example.com\t0\t1073741824', 'bob@example.com\t0\tunlimited']);
      assert.deepEqual((await run(['user', 'list', 'example.com'])).stdout.trim().split('\n').length, 2);
      assert.equal((await run(['user', 'passwd', 'bob@example.com', '--password-stdin'], 'another good passphrase\n')).status, 0);
      assert.equal((await run(['user', 'remove', 'bob@example.com'])).status, 0);
      assert.deepEqual((await run(['user', 'list'])).stdout.trim().split('\n'), ['alice@example.com\t0\t1073741824']);
      assertUserError(await run(['domain', 'remove', 'example.com']), /still has 1 accounts or aliases/);
      assert.equal((await run(['user', 'remove', 'alice@example.com'])).status, 0);
      assert.equal((await run(['domain', 'remove', 'example.com'])).status, 0);
      assert.deepEqual((await run(['domain', 'list'])).stdout.trim().split('\n'), ['xn--mnchen-3ya.de (münchen.de)']);
    });
  });

  it('refuses bad input with one clear line and writes nothing', async () => {
    await inTempDir(async (cwd) => {
      const run = (args: string[], input?: string) => runCli(args, { cwd, ...(input === undefined ? {} : { input }) });
      assert.equal((await run(['domain', 'add', 'example.com'])).status, 0);
      assertUserError(await run(['domain', 'add', 'example.com']), /exists already/);
      assertUserError(await run(['domain', 'add', 'not a domain']), /domain/);
      assertUserError(await run(['domain', 'dns', 'missing.example']), /no domain missing\.example/);
      assertUserError(await run(['domain', 'remove', 'missing.example']), /no domain/);
      assertUserError(await run(['user', 'add', 'x@unknown.example', '--password', PASSWORD]), /no domain unknown\.example/);
      assertUserError(await run(['user', 'add', 'not-an-address', '--password', PASSWORD]), /not an email address/);
      assertUserError(await run(['user', 'add', 'a..b@example.com', '--password', PASSWORD]), /not a valid local part/);
      assertUserError(await run(['user', 'add', 'alice@example.com', '--password', 'short']), /weak password/);
      assertUserError(await run(['user', 'add', 'alice@example.com', '--password-stdin'], ''), /weak password/);
      assertUserError(await run(['user', 'add', 'alice@example.com', '--password', 'aliceexample1234']), /weak password/);
      assertUserError(await run(['user', 'add', 'alice@example.com', '--password', PASSWORD, '--quota', 'lots']), /not a quota/);
      assert.equal((await run(['user', 'add', 'alice@example.com', '--password', PASSWORD])).status, 0);
      assertUserError(await run(['user', 'add', 'ALICE@example.com', '--password', PASSWORD]), /exists already/);
      assertUserError(await run(['user', 'passwd', 'nobody@example.com', '--password', PASSWORD]), /no user nobody@example\.com/);
      assertUserError(await run(['user', 'passwd', 'alice@example.com', '--password', 'password123']), /weak password/);
      assertUserError(await run(['user', 'remove', 'nobody@example.com']), /no user/);
      assert.deepEqual((await run(['user', 'list'])).stdout.trim().split('\n'), ['alice@example.com\t0\tunlimited']);
      assert.deepEqual((await run(['domain', 'list'])).stdout.trim().split('\n'), ['example.com']);
    });
  });

  it('answers bad usage with exit status 2', async () => {
    await inTempDir(async (cwd) => {
      for (const args of [['frobnicate'], ['user', 'add'], ['user', 'add', 'a@b.c'], ['user', 'add', 'a@b.c', '--password', 'x', '--password-stdin'], ['domain', 'add'], ['init'], ['serve', '--bogus']]) {
        const result = await runCli(args, { cwd });
        assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, /^postwarden: /);
      }
      assert.equal((await runCli(['--help'], { cwd })).status, 0);
      assert.match((await runCli(['--version'], { cwd })).stdout, /^\d+\.\d+\.\d+/);
      assert.equal(existsSync(join(cwd, 'data')), false, 'usage errors touch nothing');
    });
  });

  it('takes --config before or after the command, and refuses a bad config in one line', async () => {
    await inTempDir(async (cwd) => {
      const config = join(cwd, 'other.toml');
      writeFileSync(config, `hostname = "mx.example.net"\ndata_dir = "${join(cwd, 'elsewhere')}"\n`);
      assert.equal((await runCli(['--config', config, 'domain', 'add', 'example.net'], { cwd })).status, 0);
      assert.equal((await runCli(['domain', 'list', '--config', config], { cwd })).stdout.trim(), 'example.net');
      assert.match((await runCli(['domain', 'dns', 'example.net', '--config', config], { cwd })).stdout, /MX 10 mx\.example\.net\./);
      assert.equal(existsSync(join(cwd, 'elsewhere', 'postwarden.db')), true);
      assert.equal(existsSync(join(cwd, 'data')), false);

      writeFileSync(join(cwd, 'bad.toml'), '[listen]\nsmtp = "nowhere"\n');
      assertUserError(await runCli(['--config', 'bad.toml', 'domain', 'list'], { cwd }), /listen\.smtp = "nowhere": expected "host:port"/);
      writeFileSync(join(cwd, 'typo.toml'), '[listen]\nsmpt = "0.0.0.0:25"\n');
      assertUserError(await runCli(['--config', 'typo.toml', 'domain', 'list'], { cwd }), /unknown key listen\.smpt/);
      writeFileSync(join(cwd, 'broken.toml'), 'hostname = \n');
      assertUserError(await runCli(['--config', 'broken.toml', 'domain', 'list'], { cwd }), /not valid TOML: line 1/);
      assertUserError(await runCli(['--config', 'missing.toml', 'domain', 'list'], { cwd }), /cannot read config file .*missing\.toml: no such file/);
      assertUserError(await runCli(['domain', 'list'], { cwd, env: { POSTWARDEN_DELIVERY_PORT: 'many' } }), /POSTWARDEN_DELIVERY_PORT.*delivery\.port = "many"/);
    });
  });
});

describe('cli: init', () => {
  it('writes a production config, a certificate and DKIM keys, and prints the DNS records', async () => {
    await inTempDir(async (cwd) => {
      const result = await runCli(['init', '--hostname', 'mail.example.co.uk', '--data', 'maildata'], { cwd });
      assert.equal(result.status, 0, result.stderr);
      const config = readFileSync(join(cwd, 'postwarden.toml'), 'utf8');
      assert.match(config, /^hostname = "mail\.example\.co\.uk"$/m);
      assert.match(config, /^smtp = "0\.0\.0\.0:25"$/m);
      assert.match(config, /^imaps = "0\.0\.0\.0:993"$/m);
      assert.ok(existsSync(join(cwd, 'maildata', 'tls', 'cert.pem')));
      assert.ok(existsSync(join(cwd, 'maildata', 'master.key')));
      assert.match(result.stdout, /^example\.co\.uk\. 3600 IN MX 10 mail\.example\.co\.uk\.$/m);
      assert.match(result.stdout, /_domainkey\.example\.co\.uk\. 3600 IN TXT "v=DKIM1; k=rsa; p=/);
      assert.match(result.stdout, /_domainkey\.example\.co\.uk\. 3600 IN TXT "v=DKIM1; k=ed25519; p=/);
      const listed = await runCli(['domain', 'list'], { cwd });
      assert.equal(listed.stdout.trim(), 'example.co.uk', 'the written config is the default config');
      const again = await runCli(['init', '--hostname', 'mail.example.co.uk'], { cwd });
      assertUserError(again, /exists already; init never overwrites/);
      assert.equal(readFileSync(join(cwd, 'postwarden.toml'), 'utf8'), config);
      assertUserError(await runCli(['init', '--hostname', 'bad host', '--config', 'x.toml'], { cwd }), /bad host/);
      assert.equal(existsSync(join(cwd, 'x.toml')), false);
    });
  });
});
