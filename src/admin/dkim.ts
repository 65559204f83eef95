// Operator verbs for a domain's DKIM keys, shared by the CLI and (later) the admin API: list
// them, and rotate them (RFC 6376 §3.1 selectors make rotation possible: new keys under new
// selectors sign from now on, old ones stay published until mail signed with them has been
// verified; M3AAWG "DKIM Key Rotation Best Common Practices"). Domain names are untrusted
// input and go through the same canonicalization as every domain verb.

import { err, ok, type Result } from '../core/result.ts';
import { generateDkimKeySet } from '../mail/dkim-key.ts';
import type { DkimKey, Domain, Storage } from '../storage/api.ts';
import { existingDomain } from './domains.ts';

export interface DomainKeys {
  readonly domain: Domain;
  /** Oldest first. */
  readonly keys: readonly DkimKey[];
}

export async function dkimKeysOf(storage: Storage, input: string): Promise<Result<DomainKeys, string>> {
  const domain = await existingDomain(storage, input);
  if (!domain.ok) return domain;
  return ok({ domain: domain.value, keys: await storage.listDkimKeys(domain.value.id) });
}

export interface Rotation {
  readonly domain: Domain;
  /** The new signing keys. */
  readonly active: readonly DkimKey[];
  /** The keys this rotation retired (not those retired before). */
  readonly retired: readonly DkimKey[];
}

/**
 * New RSA 2048 and Ed25519 keys under selectors the domain never used, made the signing keys,
 * and every previous key retired, in one storage transaction.
 */
export async function rotateDkim(storage: Storage, input: string, now = new Date()): Promise<Result<Rotation, string>> {
  const before = await dkimKeysOf(storage, input);
  if (!before.ok) return before;
  const { domain, keys } = before.value;
  const fresh = await generateDkimKeySet(now, new Set(keys.map((key) => key.selector)));
  const rotated = await storage.rotateDkimKeys(domain.id, fresh);
  if (!rotated.ok) return err(rotated.error.message);
  const selectors = new Set(fresh.map((key) => key.selector));
  const wasActive = new Set(keys.filter((key) => key.active).map((key) => key.selector));
  return ok({
    domain,
    active: rotated.value.filter((key) => selectors.has(key.selector)),
    retired: rotated.value.filter((key) => wasActive.has(key.selector)),
  });
}
