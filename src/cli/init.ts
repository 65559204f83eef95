// `postwarden init --hostname H [--data DIR] [--domain D]`: sets up a production server. It
// creates the data directory (master key, database), a certificate for H (self-signed until
// replaced; reloaded on SIGHUP), the mail domain (by default H's registrable domain) with its
// DKIM keys (RSA 2048 and Ed25519), writes the config file last, and prints the DNS records to
// publish. It never overwrites an existing config file.

import { existsSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse as parseToml } from 'smol-toml';
import { getDomain } from 'tldts';
import { addDomain, canonicalDomain, dnsRecordsFor } from '../admin/domains.ts';
import { DEFAULT_CONFIG_FILE, validateConfig } from '../config/load.ts';
import { UserError } from '../core/user-error.ts';
import { openSqliteStorage, ensureDirectory } from '../storage/sqlite/open.ts';
import { loadOrCreateMasterKey } from '../storage/crypto/master-key.ts';
import { generateSelfSigned, TLS_DIRECTORY } from '../tls/certificates.ts';
import { configOption } from './program.ts';
import { orFail, print } from './output.ts';

export interface InitOptions {
  readonly hostname: string;
  readonly data: string;
  readonly domain?: string;
}

function tomlString(value: string): string {
  return JSON.stringify(value);
}

export function productionConfig(hostname: string, dataDir: string, cert: string, key: string): string {
  return `# Postwarden configuration, written by \`postwarden init\`.
# Every key has a default; POSTWARDEN_<SECTION>_<KEY> environment variables override them.
# The full reference is in the README.

hostname = ${tomlString(hostname)}
data_dir = ${tomlString(dataDir)}

[listen]
smtp = "0.0.0.0:25"
submission = "0.0.0.0:587"
submissions = "0.0.0.0:465"
imap = "0.0.0.0:143"
imaps = "0.0.0.0:993"
pop3 = "0.0.0.0:110"
pop3s = "0.0.0.0:995"
http = "127.0.0.1:8025"

[tls]
# Self-signed until you replace these files with a real certificate; send SIGHUP to reload.
cert = ${tomlString(cert)}
key = ${tomlString(key)}

[storage]
driver = "sqlite"
`;
}

async function writeNewFile(path: string, content: string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  const handle = await open(temporary, 'wx', 0o640);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (existsSync(path)) throw new UserError(`${path} exists already; init never overwrites a config`);
  await rename(temporary, path);
}

export async function init(configPath: string, options: InitOptions): Promise<void> {
  const hostname = orFail(canonicalDomain(options.hostname));
  const mailDomain = orFail(canonicalDomain(options.domain ?? getDomain(hostname) ?? hostname));
  if (existsSync(configPath)) throw new UserError(`${configPath} exists already; init never overwrites a config`);
  const dataDir = resolve(options.data);
  ensureDirectory(dataDir);
  const tls = await generateSelfSigned(hostname, join(dataDir, TLS_DIRECTORY));
  const text = productionConfig(hostname, dataDir, tls.cert, tls.key);
  const config = validateConfig(parseToml(text), configPath);
  const storage = await openSqliteStorage({ dataDir, master: loadOrCreateMasterKey(dataDir), encrypt: config.storage.encryption });
  let records: string[];
  try {
    if (!(await storage.getDomain(mailDomain))) orFail(await addDomain(storage, mailDomain));
    records = orFail(await dnsRecordsFor(storage, mailDomain, { hostname, sendingAddresses: [] }));
  } finally {
    await storage.close();
  }
  await writeNewFile(configPath, text);
  print(`Wrote ${configPath} (hostname ${hostname}, data in ${dataDir}).`);
  print(`Certificate: ${tls.cert} (self-signed; replace it and its key, then send SIGHUP).`);
  print(`Mail domain ${mailDomain} is ready. Publish these DNS records:`);
  print();
  for (const line of records) print(line);
  print();
  print(`Next: postwarden user add postmaster@${mailDomain} --password-stdin`);
  print(`Then: postwarden serve`);
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('write a production config, a certificate and DKIM keys, and print the DNS records to publish')
    .requiredOption('--hostname <name>', "this server's host name, e.g. mail.example.com")
    .option('--data <dir>', 'data directory', 'data')
    .option('--domain <domain>', "mail domain (default: the hostname's registrable domain)")
    .action(async (options: { hostname: string; data: string; domain?: string }, command: Command) => {
      const configPath = resolve(configOption(command) ?? DEFAULT_CONFIG_FILE);
      await init(configPath, options);
    });
}
