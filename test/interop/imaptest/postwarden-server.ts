// A real Postwarden for the imaptest suite: a temporary directory, a domain and one fresh
// user per group made through the CLI before `serve` starts (so no group sees another's
// mailboxes), then `serve` on ephemeral loopback ports with LOGIN allowed on the plain IMAP
// port for loopback clients and TZ set to the zone the search-intdate data assumes.
// Input: none untrusted.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.ts';
import { startServe, type RunningServe } from '../../helpers/serve.ts';
import type { Account } from './executor.ts';

const DOMAIN = 'imaptest.example';
const PASSWORD = 'imaptest correct horse battery';
/** CLI processes at once while making users (each hashes a password). */
const PARALLEL_CLI = 4;

export interface ImaptestPostwarden {
  readonly serve: RunningServe;
  readonly port: number;
  /** The fresh account of a group. */
  account(group: string): Account;
  /** The second user, for "user 2: $user2" groups. */
  readonly user2: Account;
  stop(): Promise<void>;
}

export async function startImaptestPostwarden(groups: readonly string[], timeZone: string): Promise<ImaptestPostwarden> {
  const cwd = await mkdtemp(join(tmpdir(), 'postwarden-imaptest-'));
  try {
    const domain = await runCli(['domain', 'add', DOMAIN], { cwd });
    if (domain.status !== 0) throw new Error(domain.stderr);
    const accounts = new Map(groups.map((group, i) => [group, { user: `g${i + 1}@${DOMAIN}`, password: PASSWORD }]));
    const user2: Account = { user: `second@${DOMAIN}`, password: PASSWORD };
    const all = [...accounts.values(), user2];
    for (let i = 0; i < all.length; i += PARALLEL_CLI) {
      await Promise.all(
        all.slice(i, i + PARALLEL_CLI).map(async (account) => {
          const added = await runCli(['user', 'add', account.user, '--password-stdin'], { cwd, input: account.password });
          if (added.status !== 0) throw new Error(`user add ${account.user}: ${added.stderr}`);
        }),
      );
    }
    const serve = await startServe(cwd, { POSTWARDEN_IMAP_PLAINTEXT_LOCALHOST: 'true', TZ: timeZone });
    const port = serve.ports.get('imap');
    if (port === undefined) {
      await serve.stop();
      throw new Error(`serve printed no imap listener:\n${serve.stdout.join('\n')}`);
    }
    return {
      serve,
      port,
      user2,
      account(group) {
        const account = accounts.get(group);
        if (!account) throw new Error(`no account made for group ${group}`);
        return account;
      },
      async stop() {
        await serve.stop();
        await rm(cwd, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(cwd, { recursive: true, force: true });
    throw error;
  }
}
