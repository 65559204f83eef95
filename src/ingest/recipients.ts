// Who a recipient address is: a local account (directly, through an alias, or with a
// "+tag" subaddress), several accounts and remote addresses (an alias), unknown (a local domain
// without such a user), or remote (a domain this server does not receive for). Used at RCPT
// time so unknown local users are refused then, never accepted and bounced (RFC 5321 §3.3).
// Input is untrusted: the address comes from an SMTP envelope or an API.
//
// Subaddressing: "user+tag@domain" reaches "user@domain" (RFC 5233 §1, the "+" separator).
// Aliases expand recursively up to MAX_ALIAS_DEPTH with loop detection.

import { formatAddress, parseAddress } from '../mail/address.ts';
import type { Account, Storage } from '../storage/api.ts';

export const SUBADDRESS_SEPARATOR = '+';
/** Deepest alias chain followed (an alias whose target is an alias …). */
export const MAX_ALIAS_DEPTH = 8;
/** Most addresses one recipient may expand to. */
export const MAX_EXPANSION = 1000;

export type Resolution =
  | { readonly kind: 'local'; readonly accounts: readonly Account[]; readonly remote: readonly string[] }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'remote' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** The account for an exact canonical address, trying the address without its +tag too. */
async function expand(storage: Storage, address: string, depth: number, seen: Set<string>, into: { accounts: Map<number, Account>; remote: Set<string> }): Promise<boolean> {
  if (seen.has(address) || depth > MAX_ALIAS_DEPTH || seen.size > MAX_EXPANSION) return false;
  seen.add(address);
  let found = await storage.resolveRecipient(address);
  if (!found) {
    const at = address.lastIndexOf('@');
    const plus = address.indexOf(SUBADDRESS_SEPARATOR);
    if (plus > 0 && plus < at) found = await storage.resolveRecipient(address.slice(0, plus) + address.slice(at));
  }
  if (!found) return false;
  if (found.kind === 'account') {
    into.accounts.set(found.account.id, found.account);
    return true;
  }
  let any = false;
  for (const target of found.alias.targets) {
    const domain = target.slice(target.lastIndexOf('@') + 1);
    if (await storage.getDomain(domain)) {
      any = (await expand(storage, target, depth + 1, seen, into)) || any;
    } else {
      into.remote.add(target);
      any = true;
    }
  }
  return any;
}

export async function resolveAddress(storage: Storage, input: string): Promise<Resolution> {
  const parsed = parseAddress(input);
  if (!parsed.ok) return { kind: 'invalid', reason: parsed.error };
  const address = formatAddress(parsed.value);
  // Accounts and aliases exist only under our domains (a domain that has any cannot be removed),
  // so finding one answers "local" without looking the domain up: one lookup in the common case.
  const into = { accounts: new Map<number, Account>(), remote: new Set<string>() };
  if (await expand(storage, address, 0, new Set(), into)) return { kind: 'local', accounts: [...into.accounts.values()], remote: [...into.remote] };
  return (await storage.getDomain(parsed.value.domain)) ? { kind: 'unknown' } : { kind: 'remote' };
}

/** True when `account` may use `address` as its sender: its own address (with any +tag), or an alias that reaches it. */
export async function ownsAddress(storage: Storage, account: Account, address: string): Promise<boolean> {
  const resolution = await resolveAddress(storage, address);
  return resolution.kind === 'local' && resolution.accounts.some((candidate) => candidate.id === account.id);
}
