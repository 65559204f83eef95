// `postwarden user add|list|remove|passwd`. Passwords come from --password or, better (no
// shell history, no process list), from --password-stdin.

import type { Command } from 'commander';
import { addUser, changePassword, parseQuota, removeUser } from '../admin/accounts.ts';
import { UsageError } from '../core/user-error.ts';
import { configFor } from './load.ts';
import { withStorage } from './open-storage.ts';
import { orFail, print, readStdin } from './output.ts';

interface PasswordOptions {
  password?: string;
  passwordStdin?: boolean;
}

async function passwordFrom(options: PasswordOptions): Promise<string> {
  if ((options.password !== undefined) === (options.passwordStdin === true)) {
    throw new UsageError('give the password with exactly one of --password P or --password-stdin');
  }
  return options.password ?? (await readStdin());
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage user accounts (users log in with their full address)');

  user
    .command('add <address>')
    .description('add a user')
    .option('--password <password>', 'the password (visible to other local users; prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--quota <bytes>', 'storage quota in bytes (K, M, G, T suffixes allowed)')
    .action(async (address: string, options: PasswordOptions & { quota?: string }, command: Command) => {
      const quotaBytes = options.quota === undefined ? null : orFail(parseQuota(options.quota));
      const password = await passwordFrom(options);
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        const account = orFail(await addUser(storage, { address, password, quotaBytes }));
        print(`added ${account.address}`);
      });
    });

  user
    .command('list [domain]')
    .description('list users: address, bytes used, quota')
    .action(async (domain: string | undefined, _options: unknown, command: Command) => {
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        for (const account of await storage.listAccounts(domain?.toLowerCase())) {
          print(`${account.address}\t${account.usedBytes}\t${account.quotaBytes ?? 'unlimited'}`);
        }
      });
    });

  user
    .command('remove <address>')
    .description('remove a user and erase their mail (their data key is destroyed)')
    .action(async (address: string, _options: unknown, command: Command) => {
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        print(`removed ${orFail(await removeUser(storage, address)).address}`);
      });
    });

  user
    .command('passwd <address>')
    .description("change a user's password")
    .option('--password <password>', 'the new password')
    .option('--password-stdin', 'read the new password from standard input')
    .action(async (address: string, options: PasswordOptions, command: Command) => {
      const password = await passwordFrom(options);
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        print(`changed the password of ${orFail(await changePassword(storage, address, password)).address}`);
      });
    });
}
