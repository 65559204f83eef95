// Accounts and aliases. An account is created with its data key (wrapped by the master key)
// and its default mailboxes in one transaction; deleting it removes the wrapped key, the rows
// and the blobs together, so no half-deleted account can remain.

import { err, ok, type Result } from '../../core/result.ts';
import { parseAddress, formatAddress } from '../../mail/address.ts';
import type { Account, AccountId, Alias, Credentials, NewAccount, Recipient } from '../api.ts';
import { generateDataKey, wrapDataKey } from '../crypto/keys.ts';
import { DEFAULT_MAILBOXES } from '../default-mailboxes.ts';
import { mailError, type MailError } from '../mail-error.ts';
import type { StoreContext } from './context.ts';
import { Rollback, writeOrRollback, type SqlQueries, type SqlTransaction } from './driver.ts';
import { ACCOUNT_COLUMNS, toAccount, type AccountRow } from './rows.ts';
import { nextUidValidity } from './uid-validity.ts';

interface CanonicalAddress {
  readonly address: string;
  readonly domain: string;
}

function canonicalAddress(input: string): Result<CanonicalAddress, MailError> {
  const parsed = parseAddress(input);
  if (!parsed.ok) return err(mailError('invalid', parsed.error));
  const address = formatAddress(parsed.value);
  if (address !== input) return err(mailError('invalid', `"${input}" is not in canonical form (${address})`));
  return ok({ address, domain: parsed.value.domain });
}

function validQuota(quota: number | null | undefined): boolean {
  return quota === null || quota === undefined || (Number.isSafeInteger(quota) && quota >= 0);
}

async function domainIdOf(q: SqlQueries, domain: string): Promise<number | undefined> {
  return (await q.get<{ id: number }>('SELECT id FROM domains WHERE name = ?', [domain]))?.id;
}

async function aliasExists(q: SqlQueries, address: string): Promise<boolean> {
  return (await q.get('SELECT 1 AS one FROM aliases WHERE address = ? LIMIT 1', [address])) !== undefined;
}

export async function createAccount(ctx: StoreContext, input: NewAccount): Promise<Result<Account, MailError>> {
  const canonical = canonicalAddress(input.address);
  if (!canonical.ok) return canonical;
  if (!validQuota(input.quotaBytes)) return err(mailError('invalid', 'the quota must be a whole number of bytes'));
  const { address, domain } = canonical.value;
  const now = ctx.clock.now();
  const dataKey = generateDataKey();
  return writeOrRollback(ctx.driver, async (tx) => {
    const domainId = await domainIdOf(tx, domain);
    if (domainId === undefined) return err(mailError('nonexistent', `there is no domain ${domain}; add it first`));
    if (await aliasExists(tx, address)) return err(mailError('already-exists', `${address} is an alias already`));
    // The wrapped key is bound to the account id, which the insert assigns: insert, then seal.
    const row = await tx.get<AccountRow>(
      `INSERT INTO accounts (domain_id, address, password_hash, scram_sha256, wrapped_key, quota_bytes, used_bytes, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (address) DO NOTHING RETURNING ${ACCOUNT_COLUMNS}`,
      [domainId, address, input.credentials.passwordHash, input.credentials.scramSha256, new Uint8Array(0), input.quotaBytes ?? null, now],
    );
    if (!row) throw new Rollback(err(mailError('already-exists', `the account ${address} exists already`)));
    await tx.run('UPDATE accounts SET wrapped_key = ? WHERE id = ?', [wrapDataKey(ctx.master.key, row.id, dataKey), row.id]);
    for (const mailbox of DEFAULT_MAILBOXES) {
      await tx.run(
        'INSERT INTO mailboxes (account_id, name, special_use, uid_validity, uid_next, highest_modseq, created_at) VALUES (?, ?, ?, ?, 1, 1, ?)',
        [row.id, mailbox.name, mailbox.specialUse, await nextUidValidity(tx, now), now],
      );
      await tx.run('INSERT INTO subscriptions (account_id, name) VALUES (?, ?)', [row.id, mailbox.name]);
    }
    return ok(toAccount(row));
  });
}

export async function getAccount(ctx: StoreContext, address: string): Promise<Account | undefined> {
  const row = await ctx.driver.read((q) => q.get<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE address = ?`, [address]));
  return row && toAccount(row);
}

export async function getAccountById(ctx: StoreContext, id: AccountId): Promise<Account | undefined> {
  const row = await ctx.driver.read((q) => q.get<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ?`, [id]));
  return row && toAccount(row);
}

export async function listAccounts(ctx: StoreContext, domain?: string): Promise<Account[]> {
  const rows = await ctx.driver.read((q) =>
    domain === undefined
      ? q.all<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY address`)
      : q.all<AccountRow>(
          `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE domain_id = (SELECT id FROM domains WHERE name = ?) ORDER BY address`,
          [domain],
        ),
  );
  return rows.map(toAccount);
}

async function updateAccount(ctx: StoreContext, accountId: AccountId, sql: string, params: (string | number | null)[]): Promise<Result<void, MailError>> {
  return writeOrRollback(ctx.driver, async (tx) => {
    const result = await tx.run(sql, [...params, accountId]);
    if (result.changes === 0) return err(mailError('nonexistent', `there is no account with id ${accountId}`));
    return ok(undefined);
  });
}

export function setCredentials(ctx: StoreContext, accountId: AccountId, credentials: Credentials): Promise<Result<void, MailError>> {
  return updateAccount(ctx, accountId, 'UPDATE accounts SET password_hash = ?, scram_sha256 = ? WHERE id = ?', [
    credentials.passwordHash,
    credentials.scramSha256,
  ]);
}

export async function setQuota(ctx: StoreContext, accountId: AccountId, quotaBytes: number | null): Promise<Result<void, MailError>> {
  if (!validQuota(quotaBytes)) return err(mailError('invalid', 'the quota must be a whole number of bytes'));
  return updateAccount(ctx, accountId, 'UPDATE accounts SET quota_bytes = ? WHERE id = ?', [quotaBytes]);
}

export async function deleteAccount(ctx: StoreContext, accountId: AccountId): Promise<Result<void, MailError>> {
  const result = await writeOrRollback(ctx.driver, async (tx: SqlTransaction) => {
    // The wrapped data key goes first: from this commit on, the account's blobs cannot be read.
    const removed = await tx.run('DELETE FROM accounts WHERE id = ?', [accountId]);
    if (removed.changes === 0) return err(mailError('nonexistent', `there is no account with id ${accountId}`));
    await ctx.blobs.dropOwner(tx, accountId);
    tx.afterCommit(() => ctx.keys.forget(accountId));
    return ok(undefined);
  });
  return result;
}

export async function setAlias(ctx: StoreContext, alias: Alias): Promise<Result<void, MailError>> {
  const canonical = canonicalAddress(alias.address);
  if (!canonical.ok) return canonical;
  if (alias.targets.length === 0) return err(mailError('invalid', 'an alias needs at least one target'));
  for (const target of alias.targets) {
    const checked = canonicalAddress(target);
    if (!checked.ok) return checked;
  }
  return writeOrRollback(ctx.driver, async (tx) => {
    const domainId = await domainIdOf(tx, canonical.value.domain);
    if (domainId === undefined) return err(mailError('nonexistent', `there is no domain ${canonical.value.domain}; add it first`));
    const account = await tx.get('SELECT 1 AS one FROM accounts WHERE address = ?', [alias.address]);
    if (account) return err(mailError('already-exists', `${alias.address} is an account already`));
    await tx.run('DELETE FROM aliases WHERE address = ?', [alias.address]);
    for (const target of new Set(alias.targets)) {
      await tx.run('INSERT INTO aliases (address, domain_id, target) VALUES (?, ?, ?)', [alias.address, domainId, target]);
    }
    return ok(undefined);
  });
}

export async function deleteAlias(ctx: StoreContext, address: string): Promise<Result<void, MailError>> {
  return writeOrRollback(ctx.driver, async (tx) => {
    const removed = await tx.run('DELETE FROM aliases WHERE address = ?', [address]);
    if (removed.changes === 0) return err(mailError('nonexistent', `there is no alias ${address}`));
    return ok(undefined);
  });
}

function groupAliases(rows: { address: string; target: string }[]): Alias[] {
  const byAddress = new Map<string, string[]>();
  for (const row of rows) {
    const targets = byAddress.get(row.address) ?? [];
    targets.push(row.target);
    byAddress.set(row.address, targets);
  }
  return [...byAddress].map(([address, targets]) => ({ address, targets }));
}

export async function listAliases(ctx: StoreContext, domain?: string): Promise<Alias[]> {
  const rows = await ctx.driver.read((q) =>
    domain === undefined
      ? q.all<{ address: string; target: string }>('SELECT address, target FROM aliases ORDER BY address, target')
      : q.all<{ address: string; target: string }>(
          'SELECT address, target FROM aliases WHERE domain_id = (SELECT id FROM domains WHERE name = ?) ORDER BY address, target',
          [domain],
        ),
  );
  return groupAliases(rows);
}

export async function resolveRecipient(ctx: StoreContext, address: string): Promise<Recipient | undefined> {
  return ctx.driver.read(async (q) => {
    const row = await q.get<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE address = ?`, [address]);
    if (row) return { kind: 'account', account: toAccount(row) };
    const targets = await q.all<{ address: string; target: string }>('SELECT address, target FROM aliases WHERE address = ? ORDER BY target', [address]);
    const alias = groupAliases(targets)[0];
    return alias ? { kind: 'alias', alias } : undefined;
  });
}
