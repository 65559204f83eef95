// `postwarden domain add|list|remove|dns`, and `domain dkim list|rotate` (cli/dkim.ts).

import type { Command } from 'commander';
import { domainToUnicode } from 'node:url';
import { addDomain, dnsRecordsFor, removeDomain } from '../admin/domains.ts';
import type { Config } from '../config/schema.ts';
import { registerDkimCommands } from './dkim.ts';
import { configFor } from './load.ts';
import { withStorage } from './open-storage.ts';
import { orFail, print } from './output.ts';

export function sendingAddresses(config: Config): string[] {
  return [...new Set(Object.values(config.pools).flatMap((pool) => pool.addresses))];
}

function shown(name: string): string {
  const unicode = domainToUnicode(name);
  return unicode !== name ? `${name} (${unicode})` : name;
}

export function registerDomainCommands(program: Command): void {
  const domain = program.command('domain').description('manage the mail domains this server receives for');

  domain
    .command('add <domain>')
    .description('add a domain, with new DKIM keys (RSA 2048 and Ed25519)')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        const created = orFail(await addDomain(storage, name));
        print(`added ${shown(created.name)}`);
        print(`publish its DNS records: postwarden domain dns ${created.name}`);
      });
    });

  domain
    .command('list')
    .description('list domains')
    .action(async (_options: unknown, command: Command) => {
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        for (const entry of await storage.listDomains()) print(shown(entry.name));
      });
    });

  domain
    .command('remove <domain>')
    .description('remove a domain that has no users or aliases left')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        print(`removed ${orFail(await removeDomain(storage, name))}`);
      });
    });

  domain
    .command('dns <domain>')
    .description('print the MX, SPF, DKIM, DMARC, MTA-STS and TLS-RPT records to publish (and retired DKIM keys)')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        const lines = orFail(await dnsRecordsFor(storage, name, { hostname: config.hostname, sendingAddresses: sendingAddresses(config) }));
        for (const line of lines) print(line);
      });
    });

  registerDkimCommands(domain);
}
