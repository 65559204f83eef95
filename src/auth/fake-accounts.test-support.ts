// Test support for the auth layer: an in-memory stand-in for Storage.getAccount and accounts
// with cheap credentials. Not a test file itself; used by the auth tests only. Input it does
// not trust: none (test data).
//
// Standards: none (the credential formats are those of password.ts and scram.ts).

import type { Account, Storage } from '../storage/api.ts';
import { hashPassword, type ScryptParams } from './password.ts';
import { makeScramVerifier } from './scram.ts';

/** Cheap scrypt parameters for tests; stored strings carry them, so verification follows. */
export const TEST_SCRYPT_PARAMS: ScryptParams = { ln: 4, r: 8, p: 1 };

export class FakeAccounts implements Pick<Storage, 'getAccount'> {
  readonly accounts = new Map<string, Account>();
  lookups = 0;
  failing = false;

  async getAccount(address: string): Promise<Account | undefined> {
    this.lookups++;
    if (this.failing) throw new Error('database is down');
    return this.accounts.get(address);
  }

  async add(address: string, password: string, id = this.accounts.size + 1): Promise<Account> {
    const account: Account = {
      id,
      domainId: 1,
      address,
      credentials: await makeCredentials(password),
      quotaBytes: null,
      usedBytes: 0,
      createdAt: new Date(0),
    };
    this.accounts.set(address, account);
    return account;
  }

  async setPassword(address: string, password: string): Promise<void> {
    const account = this.accounts.get(address);
    if (account === undefined) throw new Error(`no account ${address}`);
    this.accounts.set(address, { ...account, credentials: await makeCredentials(password) });
  }
}

async function makeCredentials(password: string): Promise<Account['credentials']> {
  const scram = await makeScramVerifier(password);
  if (!scram.ok) throw new Error(scram.error);
  return { passwordHash: await hashPassword(password, TEST_SCRYPT_PARAMS), scramSha256: scram.value };
}

/** An injectable sleep that records the delays instead of waiting. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { sleep: async (ms) => void delays.push(ms), delays };
}
