// Domains and their DKIM keys. DKIM private keys are sealed under the master key
// (AES-256-GCM, bound to domain and selector) before they reach the database. A rotation adds
// the new keys and retires the old ones (kept, inactive) in one transaction.

import { err, ok, type Result } from '../../core/result.ts';
import { normalizeDomain } from '../../mail/address.ts';
import type { DkimKey, Domain, DomainId, NewDkimKey } from '../api.ts';
import { open, seal } from '../crypto/seal.ts';
import { mailError, type MailError } from '../mail-error.ts';
import type { StoreContext } from './context.ts';
import { Rollback, writeOrRollback, type SqlQueries, type SqlTransaction } from './driver.ts';
import { isDkimAlgorithm, toDomain, type DkimRow, type DomainRow } from './rows.ts';

/** RFC 6376 §3.1: a selector is a dot-separated list of sub-domain labels. */
const SELECTOR = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function canonical(name: string): string | undefined {
  const normalized = normalizeDomain(name);
  return normalized.ok && normalized.value === name ? name : undefined;
}

export async function createDomain(ctx: StoreContext, name: string, keys: readonly NewDkimKey[] = []): Promise<Result<Domain, MailError>> {
  if (canonical(name) === undefined) return err(mailError('invalid', `"${name}" is not a canonical domain name`));
  const badSelector = keys.find((key) => !SELECTOR.test(key.selector));
  if (badSelector) return err(mailError('invalid', `"${badSelector.selector}" is not a valid DKIM selector`));
  return writeOrRollback(ctx.driver, async (tx) => {
    const row = await tx.get<DomainRow>(
      'INSERT INTO domains (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING RETURNING id, name, created_at',
      [name, ctx.clock.now()],
    );
    if (!row) throw new Rollback(err(mailError('already-exists', `the domain ${name} exists already`)));
    for (const key of keys) {
      const added = await insertDkimKey(ctx, tx, row.id, key);
      if (!added.ok) throw new Rollback(added);
    }
    return ok(toDomain(row));
  });
}

export async function getDomain(ctx: StoreContext, name: string): Promise<Domain | undefined> {
  const row = await ctx.driver.read((q) => q.get<DomainRow>('SELECT id, name, created_at FROM domains WHERE name = ?', [name]));
  return row && toDomain(row);
}

export async function listDomains(ctx: StoreContext): Promise<Domain[]> {
  const rows = await ctx.driver.read((q) => q.all<DomainRow>('SELECT id, name, created_at FROM domains ORDER BY name'));
  return rows.map(toDomain);
}

export async function deleteDomain(ctx: StoreContext, name: string): Promise<Result<void, MailError>> {
  return writeOrRollback(ctx.driver, async (tx) => {
    const domain = await tx.get<{ id: number }>('SELECT id FROM domains WHERE name = ?', [name]);
    if (!domain) return err(mailError('nonexistent', `there is no domain ${name}`));
    const users = await tx.get<{ n: number }>(
      'SELECT (SELECT COUNT(*) FROM accounts WHERE domain_id = ?) + (SELECT COUNT(*) FROM aliases WHERE domain_id = ?) AS n',
      [domain.id, domain.id],
    );
    if ((users?.n ?? 0) > 0) {
      return err(mailError('in-use', `the domain ${name} still has ${users?.n} accounts or aliases; remove them first`));
    }
    await tx.run('DELETE FROM domains WHERE id = ?', [domain.id]);
    return ok(undefined);
  });
}

function dkimContext(domainId: DomainId, selector: string): string {
  return `postwarden/dkim/${domainId}/${selector}`;
}

async function insertDkimKey(ctx: StoreContext, tx: SqlTransaction, domainId: DomainId, key: NewDkimKey): Promise<Result<DkimKey, MailError>> {
  const sealed = seal(ctx.master.key, dkimContext(domainId, key.selector), Buffer.from(key.privateKeyPem, 'utf8'));
  const now = ctx.clock.now();
  const inserted = await tx.run(
    'INSERT INTO dkim_keys (domain_id, selector, algorithm, private_key, public_key, active, created_at) VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (domain_id, selector) DO NOTHING',
    [domainId, key.selector, key.algorithm, sealed, key.publicKey, now],
  );
  if (inserted.changes === 0) return err(mailError('already-exists', `the DKIM selector ${key.selector} exists already`));
  return ok({ ...key, domainId, createdAt: new Date(now), active: true });
}

export async function addDkimKey(ctx: StoreContext, domainId: DomainId, key: NewDkimKey): Promise<Result<DkimKey, MailError>> {
  if (!SELECTOR.test(key.selector)) return err(mailError('invalid', `"${key.selector}" is not a valid DKIM selector`));
  return writeOrRollback(ctx.driver, async (tx) => {
    const domain = await tx.get<{ id: number }>('SELECT id FROM domains WHERE id = ?', [domainId]);
    if (!domain) return err(mailError('nonexistent', `there is no domain with id ${domainId}`));
    return insertDkimKey(ctx, tx, domainId, key);
  });
}

async function readDkimKeys(ctx: StoreContext, q: SqlQueries, domainId: DomainId): Promise<DkimKey[]> {
  const rows = await q.all<DkimRow>(
    'SELECT domain_id, selector, algorithm, private_key, public_key, active, created_at FROM dkim_keys WHERE domain_id = ? ORDER BY created_at, selector',
    [domainId],
  );
  const keys: DkimKey[] = [];
  for (const row of rows) {
    const pem = open(ctx.master.key, dkimContext(row.domain_id, row.selector), row.private_key);
    if (!pem || !isDkimAlgorithm(row.algorithm)) throw new Error(`the DKIM key ${row.selector} does not open with this master key`);
    keys.push({
      domainId: row.domain_id,
      selector: row.selector,
      algorithm: row.algorithm,
      privateKeyPem: Buffer.from(pem).toString('utf8'),
      publicKey: row.public_key,
      active: Number(row.active) === 1,
      createdAt: new Date(Number(row.created_at)),
    });
  }
  return keys;
}

export async function listDkimKeys(ctx: StoreContext, domainId: DomainId): Promise<DkimKey[]> {
  return ctx.driver.read((q) => readDkimKeys(ctx, q, domainId));
}

export async function rotateDkimKeys(ctx: StoreContext, domainId: DomainId, keys: readonly NewDkimKey[]): Promise<Result<DkimKey[], MailError>> {
  if (keys.length === 0) return err(mailError('invalid', 'a rotation needs at least one new DKIM key'));
  const badSelector = keys.find((key) => !SELECTOR.test(key.selector));
  if (badSelector) return err(mailError('invalid', `"${badSelector.selector}" is not a valid DKIM selector`));
  return writeOrRollback(ctx.driver, async (tx) => {
    const domain = await tx.get<{ id: number }>('SELECT id FROM domains WHERE id = ?', [domainId]);
    if (!domain) return err(mailError('nonexistent', `there is no domain with id ${domainId}`));
    await tx.run('UPDATE dkim_keys SET active = 0 WHERE domain_id = ? AND active = 1', [domainId]);
    for (const key of keys) {
      const added = await insertDkimKey(ctx, tx, domainId, key);
      if (!added.ok) throw new Rollback(added);
    }
    return ok(await readDkimKeys(ctx, tx, domainId));
  });
}
