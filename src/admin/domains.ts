// Operator verbs for domains, shared by the CLI and (later) the admin API: add a domain with
// its DKIM keys (RSA 2048 and Ed25519, in one transaction), list, remove, and the DNS records
// to publish (retired DKIM keys in a section of their own). Domain names are untrusted input:
// U-labels are accepted and stored as A-labels.

import { createHash } from 'node:crypto';
import { err, ok, type Result } from '../core/result.ts';
import { domainRecords, type DkimRecordKey } from '../dns/records.ts';
import { normalizeDomain } from '../mail/address.ts';
import { generateDkimKeySet } from '../mail/dkim-key.ts';
import type { DkimKey, Domain, Storage } from '../storage/api.ts';
import { mtaStsPolicy } from '../dns/records.ts';

export interface DomainSettings {
  /** The server's hostname (MX target). */
  readonly hostname: string;
  /** Source addresses of every sending pool (SPF). */
  readonly sendingAddresses: readonly string[];
}

export function canonicalDomain(input: string): Result<string, string> {
  const normalized = normalizeDomain(input.trim());
  return normalized.ok ? normalized : err(`"${input}": ${normalized.error}`);
}

export async function addDomain(storage: Storage, input: string, now = new Date()): Promise<Result<Domain, string>> {
  const name = canonicalDomain(input);
  if (!name.ok) return name;
  if (await storage.getDomain(name.value)) return err(`the domain ${name.value} exists already`);
  const created = await storage.createDomain(name.value, await generateDkimKeySet(now));
  return created.ok ? created : err(created.error.message);
}

export async function removeDomain(storage: Storage, input: string): Promise<Result<string, string>> {
  const name = canonicalDomain(input);
  if (!name.ok) return name;
  const removed = await storage.deleteDomain(name.value);
  return removed.ok ? ok(name.value) : err(removed.error.message);
}

/** One of our domains, by a name as the operator typed it. */
export async function existingDomain(storage: Storage, input: string): Promise<Result<Domain, string>> {
  const name = canonicalDomain(input);
  if (!name.ok) return name;
  const domain = await storage.getDomain(name.value);
  return domain ? ok(domain) : err(`there is no domain ${name.value}; add it with: postwarden domain add ${name.value}`);
}

function recordKey(key: DkimKey): DkimRecordKey {
  return { selector: key.selector, algorithm: key.algorithm, publicKey: key.publicKey };
}

/** The records to publish: active DKIM keys with the others, retired ones in their own section. */
export async function dnsRecordsFor(storage: Storage, input: string, settings: DomainSettings): Promise<Result<string[], string>> {
  const domain = await existingDomain(storage, input);
  if (!domain.ok) return domain;
  const keys = await storage.listDkimKeys(domain.value.id);
  const stsPolicyId = createHash('sha256').update(mtaStsPolicy(settings.hostname)).digest('hex').slice(0, 20);
  return ok(
    domainRecords({
      domain: domain.value.name,
      hostname: settings.hostname,
      dkim: keys.filter((key) => key.active).map(recordKey),
      retiredDkim: keys.filter((key) => !key.active).map(recordKey),
      sendingAddresses: settings.sendingAddresses,
      stsPolicyId,
    }),
  );
}
