// The delivery route of a recipient domain (RFC 5321 §5.1): MX hosts by preference, in random
// order among equals; the implicit MX (the domain's own AAAA/A) when the domain has no MX; a null
// MX (RFC 7505) refuses mail at once; each host with its addresses, IPv6 first then IPv4.
// Untrusted input: the domain (from a recipient address) and every DNS answer. Failures carry an
// enhanced status code (RFC 3463) and say whether they are permanent (bounce) or temporary (retry).

import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { err, ok, type Result } from '../core/result.ts';
import { canonicalName, isTemporaryDnsError, type AddressRecord, type DnsResult, type Resolver } from './resolver.ts';

/** MX hosts kept per domain (the most preferred ones); a domain listing more is not helped by them. */
export const MAX_MX_HOSTS = 10;
/** Addresses kept per host. */
export const MAX_ADDRESSES_PER_HOST = 8;

export interface RouteHost {
  /** The MX host name (or the domain itself for an implicit MX, or an address literal). */
  readonly name: string;
  /** In the order to try: IPv6 first, then IPv4 (unless `families` says otherwise). */
  readonly addresses: readonly AddressRecord[];
  readonly preference: number;
  /** The host's address records were DNSSEC-validated (RFC 7672 §2.2.2: TLSA is looked up only then). */
  readonly dnssec: boolean;
}

export interface Route {
  readonly hosts: readonly RouteHost[];
  /** The MX RRset (or, for an implicit MX, its denial) was DNSSEC-validated (RFC 7672 §2.2.1). */
  readonly dnssec: boolean;
  /** No MX records: the domain's own addresses are used (RFC 5321 §5.1). */
  readonly implicit: boolean;
}

export interface RouteError {
  readonly permanent: boolean;
  /** Enhanced status code (RFC 3463), e.g. 5.1.2, 5.1.10, 4.4.3. */
  readonly status: string;
  readonly detail: string;
}

export interface RouteOptions {
  /** Returns a number in [0, 1); shuffles equal preferences. Default Math.random. */
  readonly random?: () => number;
  /** This server's own names: MX records at or below their preference are dropped (RFC 5321 §5.1). */
  readonly localHostnames?: readonly string[];
  /** Address families in the order to try them; default [6, 4]. */
  readonly families?: readonly (4 | 6)[];
}

function permanent(status: string, detail: string): Result<never, RouteError> {
  return err({ permanent: true, status, detail });
}

function temporary(detail: string): Result<never, RouteError> {
  // RFC 3463 §3.5: X.4.3 "Directory server failure".
  return err({ permanent: false, status: '4.4.3', detail });
}

export async function resolveRoute(resolver: Resolver, recipientDomain: string, options: RouteOptions = {}): Promise<Result<Route, RouteError>> {
  const families = options.families ?? [6, 4];
  const literal = addressLiteral(recipientDomain);
  if (literal !== undefined) {
    // RFC 5321 §4.1.3: an address literal names the host directly; no DNS.
    if (!literal || !families.includes(literal.family)) return permanent('5.1.2', `unusable address literal ${recipientDomain}`);
    return ok({ hosts: [{ name: recipientDomain, addresses: [literal], preference: 0, dnssec: false }], dnssec: false, implicit: true });
  }
  const domain = normalizeDomain(recipientDomain);
  if (domain === undefined) return permanent('5.1.2', `invalid domain ${JSON.stringify(recipientDomain)}`);

  const mx = await resolver.mx(domain);
  let candidates: { name: string; preference: number }[];
  let dnssec: boolean;
  let implicit = false;
  if (mx.ok) {
    dnssec = mx.authenticated;
    const real = mx.value.filter((r) => r.exchange !== '' && r.exchange !== '.');
    // RFC 7505 §3: a null MX says the domain accepts no mail; answer 5.1.10 (RFC 7505 §4.2).
    if (real.length === 0) return permanent('5.1.10', `${domain} does not accept mail (null MX)`);
    candidates = orderByPreference(real.map((r) => ({ name: canonicalName(r.exchange), preference: r.preference })), options.random ?? Math.random);
  } else if (mx.error === 'nodata') {
    // RFC 5321 §5.1: no MX records, so the domain itself is the one host, at preference 0.
    dnssec = mx.authenticated === true;
    implicit = true;
    candidates = [{ name: domain, preference: 0 }];
  } else if (mx.error === 'nxdomain') {
    return permanent('5.1.2', `domain ${domain} does not exist`);
  } else {
    return temporary(`MX lookup for ${domain} failed: ${mx.detail}`);
  }

  const local = new Set((options.localHostnames ?? []).map(canonicalName));
  const ours = candidates.filter((c) => local.has(c.name)).map((c) => c.preference);
  if (ours.length > 0) {
    // RFC 5321 §5.1: when we are an MX host, only more preferred hosts are eligible.
    const mine = Math.min(...ours);
    candidates = candidates.filter((c) => c.preference < mine);
    if (candidates.length === 0) return permanent('5.4.6', `mail for ${domain} loops back to this server`);
  }
  candidates = candidates.slice(0, MAX_MX_HOSTS);

  const lookups = await Promise.all(candidates.map((c) => resolver.addresses(c.name)));
  const hosts: RouteHost[] = [];
  const failures: { name: string; result: DnsResult<AddressRecord[]> }[] = [];
  candidates.forEach((candidate, i) => {
    const result = lookups[i];
    if (!result) return;
    const addresses = result.ok ? orderAddresses(result.value, families) : [];
    if (result.ok && addresses.length > 0) {
      hosts.push({ name: candidate.name, addresses, preference: candidate.preference, dnssec: result.authenticated });
    } else {
      failures.push({ name: candidate.name, result });
    }
  });
  if (hosts.length > 0) return ok({ hosts, dnssec, implicit });

  const temporaryFailure = failures.find((f) => !f.result.ok && isTemporaryDnsError(f.result.error));
  if (temporaryFailure && !temporaryFailure.result.ok) {
    return temporary(`address lookup for ${temporaryFailure.name} failed: ${temporaryFailure.result.detail}`);
  }
  if (implicit) return permanent('5.1.2', `${domain} has no MX and no usable address records`);
  // RFC 3463 §3.5: X.4.4 "Unable to route".
  return permanent('5.4.4', `no MX host of ${domain} has a usable address (${failures.map((f) => f.name).join(', ')})`);
}

/** Sorted by preference, shuffled among equal preferences (RFC 5321 §5.1), duplicates dropped. */
export function orderByPreference<T extends { name: string; preference: number }>(records: readonly T[], random: () => number): T[] {
  const sorted = [...records].sort((a, b) => a.preference - b.preference);
  for (let start = 0; start < sorted.length; ) {
    let end = start;
    while (end < sorted.length && sorted[end]?.preference === sorted[start]?.preference) end++;
    for (let i = end - 1; i > start; i--) {
      const j = start + Math.floor(Math.min(Math.max(random(), 0), 0.999_999_999) * (i - start + 1));
      const a = sorted[i];
      const b = sorted[j];
      if (a !== undefined && b !== undefined) {
        sorted[i] = b;
        sorted[j] = a;
      }
    }
    start = end;
  }
  const seen = new Set<string>();
  return sorted.filter((r) => (seen.has(r.name) ? false : (seen.add(r.name), true)));
}

function orderAddresses(addresses: readonly AddressRecord[], families: readonly (4 | 6)[]): AddressRecord[] {
  const seen = new Set<string>();
  const unique = addresses.filter((a) => (seen.has(a.address) ? false : (seen.add(a.address), true)));
  return families.flatMap((family) => unique.filter((a) => a.family === family)).slice(0, MAX_ADDRESSES_PER_HOST);
}

/** "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 §4.1.3): the address, false if malformed, undefined if no literal. */
function addressLiteral(domain: string): AddressRecord | false | undefined {
  if (!domain.startsWith('[')) return undefined;
  const match = /^\[(?:IPv6:([0-9A-Fa-f:.]+)|([0-9.]+))\]$/i.exec(domain);
  if (!match) return false;
  if (match[1] !== undefined) return isIP(match[1]) === 6 ? { address: match[1], family: 6 } : false;
  return match[2] !== undefined && isIP(match[2]) === 4 ? { address: match[2], family: 4 } : false;
}

/** A-label form (RFC 5890), lower case, no trailing dot; undefined if not a usable host name. */
function normalizeDomain(domain: string): string | undefined {
  const ascii = domainToASCII(domain.endsWith('.') ? domain.slice(0, -1) : domain);
  if (ascii === '' || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (!labels.every((label) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label))) return undefined;
  return ascii;
}
