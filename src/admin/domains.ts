// Operator verbs for domains, shared by the CLI and (later) the admin API: add a domain with
// its DKIM keys (RSA 2048 and Ed25519, in one transaction), list, remove, and the DNS records
// to publish. Domain names are untrusted input: U-labels are accepted and stored as A-labels.

import { createHash } from 'node:crypto';
import { err, ok, type Result } from '../core/result.ts';
import { domainRecords } from '../dns/records.ts';
import { normalizeDomain } from '../mail/address.ts';
import { dkimSelector, generateDkimKey } from '../mail/dkim-key.ts';
import type { Domain, Storage } from '../storage/api.ts';
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
  const keys = await Promise.all(
    (['rsa', 'ed25519'] as const).map(async (type) => {
      const key = await generateDkimKey(type);
      return { selector: dkimSelector(type, now), algorithm: key.algorithm, privateKeyPem: key.privateKeyPem, publicKey: key.publicKey };
    }),
  );
  const created = await storage.createDomain(name.value, keys);
  return created.ok ? created : err(created.error.message);
}

export async function removeDomain(storage: Storage, input: string): Promise<Result<string, string>> {
  const name = canonicalDomain(input);
  if (!name.ok) return name;
  const removed = await storage.deleteDomain(name.value);
  return removed.ok ? ok(name.value) : err(removed.error.message);
}

export async function dnsRecordsFor(storage: Storage, input: string, settings: DomainSettings): Promise<Result<string[], string>> {
  const name = canonicalDomain(input);
  if (!name.ok) return name;
  const domain = await storage.getDomain(name.value);
  if (!domain) return err(`there is no domain ${name.value}; add it with: postwarden domain add ${name.value}`);
  const keys = (await storage.listDkimKeys(domain.id)).filter((key) => key.active);
  const stsPolicyId = createHash('sha256').update(mtaStsPolicy(settings.hostname)).digest('hex').slice(0, 20);
  return ok(
    domainRecords({
      domain: domain.name,
      hostname: settings.hostname,
      dkim: keys.map((key) => ({ selector: key.selector, algorithm: key.algorithm, publicKey: key.publicKey })),
      sendingAddresses: settings.sendingAddresses,
      stsPolicyId,
    }),
  );
}
