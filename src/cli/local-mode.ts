// Local mode's first start (product contract): the domain `localhost` and the account
// postmaster@localhost with a random password, shown once. Later starts find both and create
// nothing.

import { addDomain } from '../admin/domains.ts';
import { addUser, randomPassword } from '../admin/accounts.ts';
import { UserError } from '../core/user-error.ts';
import type { Storage } from '../storage/api.ts';

export const LOCAL_DOMAIN = 'localhost';
export const LOCAL_POSTMASTER = 'postmaster@localhost';

/** Creates what local mode needs; returns the new postmaster password, or undefined if it existed. */
export async function bootstrapLocalMode(storage: Storage): Promise<string | undefined> {
  if (!(await storage.getDomain(LOCAL_DOMAIN))) {
    const domain = await addDomain(storage, LOCAL_DOMAIN);
    if (!domain.ok) throw new UserError(`cannot create the local domain: ${domain.error}`);
  }
  if (await storage.getAccount(LOCAL_POSTMASTER)) return undefined;
  const password = randomPassword();
  const account = await addUser(storage, { address: LOCAL_POSTMASTER, password });
  if (!account.ok) throw new UserError(`cannot create ${LOCAL_POSTMASTER}: ${account.error}`);
  return password;
}
