import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../core/user-error.ts';
import { coerceEnvValue, environmentKeys } from './env.ts';
import { DEFAULT_CONFIG_FILE, loadConfig, validateConfig } from './load.ts';
import { LOCAL_MODE_LISTENERS } from './local-mode.ts';
import { LISTENER_NAMES, parseHostPort, type Config } from './schema.ts';

const root = mkdtempSync(join(tmpdir(), 'postwarden-config-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A fresh empty directory. */
function freshDir(): string {
  const dir = join(root, `d${counter++}`);
  mkdirSync(dir);
  return dir;
}

/** Writes `text` to a new TOML file; returns its directory and absolute path. */
function writeConfig(text: string, name = 'config.toml'): { dir: string; file: string } {
  const dir = freshDir();
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

function loadText(text: string, env: NodeJS.ProcessEnv = {}): Config {
  const { dir, file } = writeConfig(text);
  return loadConfig({ file, env, cwd: dir }).config;
}

/** Runs `fn`, expects a one-line UserError, checks it contains every fragment; returns the message. */
function expectUserError(fn: () => unknown, ...fragments: string[]): string {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof UserError, `expected a UserError, got ${String(caught)}`);
  const message = caught.message;
  assert.doesNotMatch(message, /[\r\n]/, `message is not one line: ${JSON.stringify(message)}`);
  for (const fragment of fragments) assert.ok(message.includes(fragment), `${JSON.stringify(message)} does not mention ${JSON.stringify(fragment)}`);
  return message;
}

function expectFileError(text: string, ...fragments: string[]): string {
  const { dir, file } = writeConfig(text);
  return expectUserError(() => loadConfig({ file, env: {}, cwd: dir }), file, ...fragments);
}

function expectEnvError(env: NodeJS.ProcessEnv, ...fragments: string[]): string {
  return expectUserError(() => loadConfig({ env, cwd: freshDir() }), ...fragments);
}

void describe('choosing the config source', () => {
  void it('uses local mode when there is no file in the working directory', () => {
    const loaded = loadConfig({ env: {}, cwd: freshDir() });
    assert.equal(loaded.localMode, true);
    assert.equal(loaded.file, undefined);
    assert.deepEqual(loaded.overrides, []);
    const { config } = loaded;
    assert.equal(config.hostname, 'localhost');
    assert.equal(config.data_dir, 'data');
    assert.deepEqual(config.listen, {
      smtp: '127.0.0.1:2525',
      submission: '127.0.0.1:2587',
      submissions: '127.0.0.1:2465',
      imap: '127.0.0.1:2143',
      imaps: '127.0.0.1:2993',
      pop3: '127.0.0.1:2110',
      pop3s: '127.0.0.1:2995',
      http: '127.0.0.1:8025',
    });
    assert.deepEqual(config.listen, { ...LOCAL_MODE_LISTENERS });
    assert.equal(config.storage.driver, 'sqlite');
    assert.equal(config.storage.encryption, true);
    assert.equal(config.delivery.port, 25);
    assert.deepEqual(config.pools, {});
  });

  void it('reads ./postwarden.toml from the working directory when present', () => {
    const { dir, file } = writeConfig('hostname = "mail.example.com"\n[listen]\nhttp = "127.0.0.1:9000"\n', DEFAULT_CONFIG_FILE);
    const loaded = loadConfig({ env: {}, cwd: dir });
    assert.equal(loaded.localMode, false);
    assert.equal(loaded.file, file);
    assert.equal(loaded.config.hostname, 'mail.example.com');
    assert.equal(loaded.config.listen.http, '127.0.0.1:9000');
    // Not local mode: the schema defaults (standard ports) apply.
    assert.equal(loaded.config.listen.smtp, '0.0.0.0:25');
    assert.equal(loaded.config.listen.imaps, '0.0.0.0:993');
  });

  void it('an empty file gives the schema defaults', () => {
    const config = loadText('');
    assert.equal(config.hostname, 'localhost');
    assert.deepEqual(config.listen, {
      smtp: '0.0.0.0:25',
      submission: '0.0.0.0:587',
      submissions: '0.0.0.0:465',
      imap: '0.0.0.0:143',
      imaps: '0.0.0.0:993',
      pop3: '0.0.0.0:110',
      pop3s: '0.0.0.0:995',
      http: '127.0.0.1:8025',
    });
    assert.deepEqual(config.dns.servers, []);
    assert.equal(config.tls.min_version, 'TLSv1.2');
  });

  void it('resolves an explicit relative file against cwd', () => {
    const { dir, file } = writeConfig('hostname = "relative.example"\n', 'custom.toml');
    const loaded = loadConfig({ file: 'custom.toml', env: {}, cwd: dir });
    assert.equal(loaded.file, file);
    assert.equal(loaded.config.hostname, 'relative.example');
  });

  void it('an explicit file wins over ./postwarden.toml', () => {
    const { dir } = writeConfig('hostname = "default.example"\n', DEFAULT_CONFIG_FILE);
    writeFileSync(join(dir, 'other.toml'), 'hostname = "other.example"\n');
    assert.equal(loadConfig({ file: 'other.toml', env: {}, cwd: dir }).config.hostname, 'other.example');
  });

  void it('an explicit missing file is an error, not local mode', () => {
    const dir = freshDir();
    expectUserError(() => loadConfig({ file: 'missing.toml', env: {}, cwd: dir }), `cannot read config file ${join(dir, 'missing.toml')}`, 'no such file');
  });

  void it('an unreadable path (a directory) is a UserError', () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'dir.toml'));
    expectUserError(() => loadConfig({ file: 'dir.toml', env: {}, cwd: dir }), 'cannot read config file', 'EISDIR');
  });
});

void describe('config file errors', () => {
  void it('reports invalid TOML with line and column', () => {
    expectFileError('hostname = "mail.example.com"\n[listen]\nsmtp = = "x"\n', 'not valid TOML', 'line 3, column 8');
    expectFileError('hostname = \n', 'line 1, column 12');
    expectFileError('[listen\nsmtp = "x"\n', 'not valid TOML', 'line ');
  });

  void it('names an unknown key with its section', () => {
    expectFileError('[listen]\nsmpt = "127.0.0.1:25"\n', 'unknown key listen.smpt');
    expectFileError('colour = "blue"\n', 'unknown key colour');
    expectFileError('[storage]\ndrvier = "sqlite"\n', 'unknown key storage.drvier');
    expectFileError('[nonsense]\nx = 1\n', 'unknown key nonsense');
  });

  void it('names the key and value of a wrong type', () => {
    expectFileError('[delivery]\nport = "x"\n', 'delivery.port = "x"', 'expected a number');
    expectFileError('[delivery]\nport = 25.5\n', 'delivery.port = 25.5', 'integer');
    expectFileError('[delivery]\nport = 70000\n', 'delivery.port = 70000', '65535');
    expectFileError('[delivery]\nport = 0\n', 'delivery.port = 0');
    expectFileError('hostname = 42\n', 'hostname = 42');
    expectFileError('hostname = ""\n', 'hostname = ""');
    expectFileError('[storage]\nencryption = "yes"\n', 'storage.encryption = "yes"', 'boolean');
    expectFileError('[storage]\ndriver = "mysql"\n', 'storage.driver = "mysql"', '"sqlite", "postgres"');
    expectFileError('[tls]\nmin_version = "TLSv1.0"\n', 'tls.min_version = "TLSv1.0"');
    expectFileError('[dns]\nservers = "1.1.1.1"\n', 'dns.servers = "1.1.1.1"');
    expectFileError('[dns]\nservers = ["resolver.example"]\n', 'dns.servers.0 = "resolver.example"');
    expectFileError('listen = 5\n', 'listen = 5');
    expectFileError('[delivery]\nrelay = "smarthost"\n', 'delivery.relay = "smarthost"');
  });

  void it('names a bad listener value and what it expected', () => {
    expectFileError('[listen]\nsmtp = "nohost"\n', 'listen.smtp = "nohost"', '"host:port"');
    expectFileError('[listen]\nimap = "127.0.0.1:99999"\n', 'listen.imap = "127.0.0.1:99999"');
    expectFileError('[listen]\nhttp = ":8025"\n', 'listen.http = ":8025"');
    // A value with a newline stays on one line (JSON-quoted).
    expectFileError('[listen]\nsmtp = "a\\nb:25"\n', 'listen.smtp = "a\\nb:25"');
  });

  void it('requires storage.url when storage.driver = "postgres"', () => {
    expectFileError('[storage]\ndriver = "postgres"\n', 'storage.url = ""', 'postgres');
    const config = loadText('[storage]\ndriver = "postgres"\nurl = "postgres://localhost/pw"\n');
    assert.equal(config.storage.driver, 'postgres');
    assert.equal(config.storage.url, 'postgres://localhost/pw');
  });

  void it('requires tls.cert and tls.key together', () => {
    expectFileError('[tls]\ncert = "/etc/pw/cert.pem"\n', 'tls.cert', 'tls.key');
    expectFileError('[tls]\nkey = "/etc/pw/key.pem"\n', 'tls.cert', 'tls.key');
    const config = loadText('[tls]\ncert = "/etc/pw/cert.pem"\nkey = "/etc/pw/key.pem"\n');
    assert.equal(config.tls.cert, '/etc/pw/cert.pem');
  });

  void it('rejects a bad master_key without printing it', () => {
    const message = expectFileError('[storage]\nmaster_key = "not-hex-secret"\n', 'storage.master_key', '64 hexadecimal digits');
    assert.ok(!message.includes('not-hex-secret'), message);
    expectFileError(`[storage]\nmaster_key = "${'a'.repeat(63)}"\n`, 'storage.master_key');
    expectFileError(`[storage]\nmaster_key = "${'a'.repeat(65)}"\n`, 'storage.master_key');
    const key = '0123456789abcdefABCDEF0123456789abcdef0123456789abcdef0123456789';
    assert.equal(loadText(`[storage]\nmaster_key = "${key}"\n`).storage.master_key, key);
  });

  // Every config error is one line on stderr (product contract). TOML quoted keys may hold
  // any character, so a key name must not break the message into several lines either.
  void it('keeps the message on one line when an unknown key contains a newline', () => {
    expectFileError('[listen]\n"sm\\ntp" = "127.0.0.1:25"\n', 'unknown key');
  });

  void it('keeps the message on one line when a pool name contains a newline', () => {
    expectFileError('[pools."bad\\nname"]\naddresses = []\n', 'pools.');
  });
});

void describe('pools', () => {
  void it('parses pool tables with defaults', () => {
    const config = loadText(
      '[pools.transactional]\naddresses = ["192.0.2.10"]\nhelo = "out1.example.com"\n\n' +
        '[pools.bulk]\naddresses = ["192.0.2.20", "2001:db8::20"]\ndedicated_to = ["news.example.com"]\n',
    );
    assert.deepEqual(config.pools.transactional, { addresses: ['192.0.2.10'], helo: 'out1.example.com', dedicated_to: [] });
    assert.deepEqual(config.pools.bulk, { addresses: ['192.0.2.20', '2001:db8::20'], helo: '', dedicated_to: ['news.example.com'] });
  });

  void it('rejects a bad IP address, naming the entry', () => {
    expectFileError('[pools.transactional]\naddresses = ["192.0.2.300"]\n', 'pools.transactional.addresses.0 = "192.0.2.300"', 'IP address');
    expectFileError('[pools.transactional]\naddresses = ["192.0.2.1", "out.example.com"]\n', 'pools.transactional.addresses.1 = "out.example.com"');
  });

  void it('rejects unknown keys and bad names in a pool', () => {
    expectFileError('[pools.t]\naddress = ["192.0.2.1"]\n', 'unknown key pools.t.address');
    expectFileError('[pools."bad name"]\naddresses = []\n', 'pools."bad name"', 'letters, digits');
  });
});

void describe('environment overrides', () => {
  void it('POSTWARDEN_LISTEN_SMTP replaces a listener', () => {
    const loaded = loadConfig({ env: { POSTWARDEN_LISTEN_SMTP: '0.0.0.0:25' }, cwd: freshDir() });
    assert.equal(loaded.config.listen.smtp, '0.0.0.0:25');
    assert.equal(loaded.config.listen.imap, '127.0.0.1:2143');
    assert.deepEqual(loaded.overrides, [{ variable: 'POSTWARDEN_LISTEN_SMTP', path: ['listen', 'smtp'] }]);
  });

  void it('an empty listener override disables the listener', () => {
    assert.equal(loadConfig({ env: { POSTWARDEN_LISTEN_POP3: '' }, cwd: freshDir() }).config.listen.pop3, '');
  });

  void it('environment overrides the file', () => {
    const config = loadText('hostname = "file.example"\n[delivery]\nport = 2525\n', { POSTWARDEN_HOSTNAME: 'env.example', POSTWARDEN_DELIVERY_PORT: '587' });
    assert.equal(config.hostname, 'env.example');
    assert.equal(config.delivery.port, 587);
  });

  void it('coerces numbers: POSTWARDEN_DELIVERY_PORT', () => {
    assert.equal(loadConfig({ env: { POSTWARDEN_DELIVERY_PORT: '2525' }, cwd: freshDir() }).config.delivery.port, 2525);
    assert.equal(loadConfig({ env: { POSTWARDEN_DELIVERY_PORT: ' 2526 ' }, cwd: freshDir() }).config.delivery.port, 2526);
  });

  void it('coerces booleans: POSTWARDEN_STORAGE_ENCRYPTION', () => {
    for (const value of ['false', 'FALSE', '0', 'no', 'off']) {
      assert.equal(loadConfig({ env: { POSTWARDEN_STORAGE_ENCRYPTION: value }, cwd: freshDir() }).config.storage.encryption, false, value);
    }
    for (const value of ['true', 'True', '1', 'yes', 'on']) {
      assert.equal(loadConfig({ env: { POSTWARDEN_STORAGE_ENCRYPTION: value }, cwd: freshDir() }).config.storage.encryption, true, value);
    }
  });

  void it('reads lists as comma-separated or JSON: POSTWARDEN_DNS_SERVERS', () => {
    const servers = (value: string) => loadConfig({ env: { POSTWARDEN_DNS_SERVERS: value }, cwd: freshDir() }).config.dns.servers;
    assert.deepEqual(servers('1.1.1.1'), ['1.1.1.1']);
    assert.deepEqual(servers('1.1.1.1, 8.8.8.8:53'), ['1.1.1.1', '8.8.8.8:53']);
    assert.deepEqual(servers('["1.1.1.1", "[::1]:5353"]'), ['1.1.1.1', '[::1]:5353']);
    assert.deepEqual(servers(''), []);
    assert.deepEqual(servers('[]'), []);
  });

  void it('names the variable when an environment value is bad', () => {
    expectEnvError({ POSTWARDEN_DELIVERY_PORT: 'x' }, 'POSTWARDEN_DELIVERY_PORT', 'delivery.port = "x"');
    expectEnvError({ POSTWARDEN_DELIVERY_PORT: '' }, 'POSTWARDEN_DELIVERY_PORT');
    expectEnvError({ POSTWARDEN_STORAGE_ENCRYPTION: 'maybe' }, 'POSTWARDEN_STORAGE_ENCRYPTION', 'storage.encryption = "maybe"');
    expectEnvError({ POSTWARDEN_LISTEN_SMTP: 'bad' }, 'POSTWARDEN_LISTEN_SMTP', 'listen.smtp = "bad"');
    expectEnvError({ POSTWARDEN_LISTEN_SMTP: 'a\nb' }, 'POSTWARDEN_LISTEN_SMTP');
    expectEnvError({ POSTWARDEN_DNS_SERVERS: 'nope' }, 'POSTWARDEN_DNS_SERVERS', 'dns.servers.0 = "nope"');
    expectEnvError({ POSTWARDEN_DNS_SERVERS: '[broken json' }, 'POSTWARDEN_DNS_SERVERS');
    expectEnvError({ POSTWARDEN_STORAGE_DRIVER: 'mysql' }, 'POSTWARDEN_STORAGE_DRIVER', 'storage.driver = "mysql"');
  });

  void it('blames the file, not an unrelated variable, for a file error', () => {
    const { dir, file } = writeConfig('[delivery]\nport = "x"\n');
    const message = expectUserError(() => loadConfig({ file, env: { POSTWARDEN_LISTEN_SMTP: '0.0.0.0:25' }, cwd: dir }), file, 'delivery.port');
    assert.ok(!message.includes('POSTWARDEN_LISTEN_SMTP'), message);
  });

  void it('ignores unrelated and unknown variables', () => {
    const loaded = loadConfig({ env: { PATH: '/bin', POSTWARDEN_NOT_A_KEY: 'x', POSTWARDEN_POOLS_X: 'y' }, cwd: freshDir() });
    assert.deepEqual(loaded.overrides, []);
    assert.equal(loaded.localMode, true);
  });
});

void describe('environmentKeys', () => {
  const keys = environmentKeys();
  const byVariable = new Map(keys.map((k) => [k.variable, k]));

  void it('lists no variable twice', () => {
    assert.equal(byVariable.size, keys.length);
    assert.equal(new Set(keys.map((k) => k.path.join('.'))).size, keys.length);
  });

  void it('has a variable for every leaf key of every object section and every top-level scalar', () => {
    const defaults = validateConfig({}, 'test') as unknown as Record<string, unknown>;
    let expected = 0;
    for (const [section, value] of Object.entries(defaults)) {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const key of Object.keys(value)) {
          const variable = `POSTWARDEN_${section}_${key}`.toUpperCase();
          assert.deepEqual(byVariable.get(variable)?.path, [section, key], variable);
          expected++;
        }
      } else {
        const variable = `POSTWARDEN_${section}`.toUpperCase();
        assert.deepEqual(byVariable.get(variable)?.path, [section], variable);
        expected++;
      }
    }
    assert.equal(keys.length, expected);
    assert.ok(!keys.some((k) => k.path[0] === 'pools'), 'pools are file-only');
  });

  void it('names a few keys with their types', () => {
    assert.equal(byVariable.get('POSTWARDEN_HOSTNAME')?.type, 'string');
    assert.equal(byVariable.get('POSTWARDEN_LISTEN_SMTP')?.type, 'string');
    assert.equal(byVariable.get('POSTWARDEN_DELIVERY_PORT')?.type, 'integer');
    assert.equal(byVariable.get('POSTWARDEN_STORAGE_ENCRYPTION')?.type, 'boolean');
    assert.equal(byVariable.get('POSTWARDEN_DNS_SERVERS')?.type, 'array');
    assert.equal(byVariable.get('POSTWARDEN_STORAGE_MASTER_KEY')?.type, 'string');
    for (const name of LISTENER_NAMES) assert.ok(byVariable.has(`POSTWARDEN_LISTEN_${name.toUpperCase()}`), name);
  });

  void it('every variable, set to its default written as text, loads to the defaults', () => {
    const { dir, file } = writeConfig('');
    const defaults = loadConfig({ file, env: {}, cwd: dir }).config as unknown as Record<string, unknown>;
    const env: NodeJS.ProcessEnv = {};
    for (const key of keys) {
      let value: unknown = defaults;
      for (const segment of key.path) value = (value as Record<string, unknown>)[segment];
      env[key.variable] = Array.isArray(value) ? JSON.stringify(value) : String(value);
    }
    const loaded = loadConfig({ file, env, cwd: dir });
    assert.equal(loaded.overrides.length, keys.length);
    assert.deepEqual(loaded.config, defaults);
  });
});

void describe('coerceEnvValue', () => {
  void it('converts by type and leaves unconvertible text for validation to reject', () => {
    assert.equal(coerceEnvValue('25', 'integer'), 25);
    assert.equal(coerceEnvValue('2.5', 'number'), 2.5);
    assert.equal(coerceEnvValue('x', 'integer'), 'x');
    assert.equal(coerceEnvValue('', 'number'), '');
    assert.equal(coerceEnvValue('on', 'boolean'), true);
    assert.equal(coerceEnvValue('off', 'boolean'), false);
    assert.equal(coerceEnvValue('perhaps', 'boolean'), 'perhaps');
    assert.deepEqual(coerceEnvValue('a, b,c', 'array'), ['a', 'b', 'c']);
    assert.deepEqual(coerceEnvValue('["a,b"]', 'array'), ['a,b']);
    assert.equal(coerceEnvValue('[oops', 'array'), '[oops');
    assert.equal(coerceEnvValue(' keep spaces ', 'string'), ' keep spaces ');
  });
});

void describe('parseHostPort (listener values)', () => {
  const valid: [string, { host: string; port: number }][] = [
    ['127.0.0.1:25', { host: '127.0.0.1', port: 25 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['localhost:65535', { host: 'localhost', port: 65535 }],
    ['mail.example.com:587', { host: 'mail.example.com', port: 587 }],
    ['[::1]:143', { host: '::1', port: 143 }],
    ['[::]:993', { host: '::', port: 993 }],
    ['[2001:db8::1]:25', { host: '2001:db8::1', port: 25 }],
  ];
  for (const [input, expected] of valid) {
    void it(`parses ${input}`, () => assert.deepEqual(parseHostPort(input), expected));
  }
  const invalid = ['', '127.0.0.1', ':25', '127.0.0.1:', '127.0.0.1:65536', '127.0.0.1:123456', '::1:25', '[::1]', '[zz]:25', '[127.0.0.1]:25', 'host name:25', 'host:25 ', ' host:25', 'host:-1', 'host:2a'];
  for (const input of invalid) {
    void it(`rejects ${JSON.stringify(input)}`, () => assert.equal(parseHostPort(input), undefined));
  }
});
