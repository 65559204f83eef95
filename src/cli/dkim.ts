// `postwarden domain dkim list|rotate <domain>`: a domain's DKIM keys, and their rotation (new
// RSA 2048 and Ed25519 keys sign from now on; the previous ones are retired but kept, and
// `domain dns` prints them in a section of their own until the operator unpublishes them).

import type { Command } from 'commander';
import { dkimKeysOf, rotateDkim } from '../admin/dkim.ts';
import type { DkimKey } from '../storage/api.ts';
import { configFor } from './load.ts';
import { withStorage } from './open-storage.ts';
import { orFail, print } from './output.ts';

function named(keys: readonly DkimKey[]): string {
  return keys.map((key) => `${key.selector} (${key.algorithm})`).join(', ');
}

export function registerDkimCommands(domain: Command): void {
  const dkim = domain.command('dkim').description("list and rotate a domain's DKIM signing keys");

  dkim
    .command('list <domain>')
    .description('list DKIM keys: selector, algorithm, active or retired, created (tab-separated, oldest first)')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        const { keys } = orFail(await dkimKeysOf(storage, name));
        for (const key of keys) print(`${key.selector}\t${key.algorithm}\t${key.active ? 'active' : 'retired'}\t${key.createdAt.toISOString()}`);
      });
    });

  dkim
    .command('rotate <domain>')
    .description('make new DKIM keys (RSA 2048 and Ed25519) the signing keys and retire the previous ones')
    .action(async (name: string, _options: unknown, command: Command) => {
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        const rotation = orFail(await rotateDkim(storage, name));
        // Loaded only here: the delivery code is big, and every other command starts faster without it.
        const { KEY_CACHE_MS } = await import('../delivery/signer.ts');
        const domainName = rotation.domain.name;
        print(`rotated the DKIM keys of ${domainName}`);
        print(`signing now: ${named(rotation.active)}`);
        if (rotation.retired.length > 0) print(`retired: ${named(rotation.retired)}`);
        print(`a running server signs with the new keys within ${KEY_CACHE_MS / 1000} seconds.`);
        print(`publish the new DKIM records now (receivers cannot verify the new signatures before): postwarden domain dns ${domainName}`);
        print('keep the retired records published for a few days so mail in transit still verifies.');
      });
    });
}
