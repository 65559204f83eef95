// MTA-STS for outbound delivery (RFC 8461): discover a domain's policy (the _mta-sts TXT record,
// §3.1), fetch it over HTTPS (§3.3, mta-sts-fetch.ts), parse it (§3.2, mailauth's parser), cache
// it by domain with its id and max_age (§5.1), and decide per MX host (§4.1, §5). Untrusted
// input: the TXT records, the policy file. Expected failures are values; TLS-RPT result types
// (RFC 8460 §4.3.2.2) come with them so the caller can record them.

import { parsePolicy, validateMx } from 'mailauth/lib/mta-sts.js';
import type { Clock } from '../core/clock.ts';
import { err, ok, type Result } from '../core/result.ts';
import { canonicalName, type Resolver } from '../dns/resolver.ts';
import type { PolicyFetchFailure, PolicyFetcher } from './mta-sts-fetch.ts';

export type StsMode = 'enforce' | 'testing' | 'none';

export interface StsPolicy {
  /** The Policy Domain. */
  readonly domain: string;
  /** The id of the TXT record the policy was fetched under. */
  readonly id: string;
  readonly mode: StsMode;
  /** MX patterns ("mx.example.com", "*.example.com"). */
  readonly mx: readonly string[];
  /** Seconds the policy may be cached (RFC 8461 §3.2: at most 31557600). */
  readonly maxAge: number;
  readonly fetchedAt: number;
  /** fetchedAt + maxAge, in milliseconds since the epoch. */
  readonly expiresAt: number;
  /** The policy file's non-empty lines: TLS-RPT's policy-string (RFC 8460 §4.4). */
  readonly lines: readonly string[];
}

/** Where policies are kept between deliveries; persistent stores implement the same interface. */
export interface StsPolicyCache {
  get(domain: string): Promise<StsPolicy | undefined>;
  set(policy: StsPolicy): Promise<void>;
  delete(domain: string): Promise<void>;
}

/** Policies kept in memory, the oldest dropped past MAX_CACHED_POLICIES. */
export const MAX_CACHED_POLICIES = 10_000;

export class MemoryStsPolicyCache implements StsPolicyCache {
  private readonly policies = new Map<string, StsPolicy>();
  private readonly limit: number;

  constructor(limit = MAX_CACHED_POLICIES) {
    this.limit = limit;
  }

  async get(domain: string): Promise<StsPolicy | undefined> {
    return this.policies.get(canonicalName(domain));
  }

  async set(policy: StsPolicy): Promise<void> {
    const key = canonicalName(policy.domain);
    this.policies.delete(key);
    this.policies.set(key, policy);
    while (this.policies.size > this.limit) {
      const oldest = this.policies.keys().next();
      if (oldest.done) break;
      this.policies.delete(oldest.value);
    }
  }

  async delete(domain: string): Promise<void> {
    this.policies.delete(canonicalName(domain));
  }
}

export type StsDiscovery =
  | {
      readonly policy: StsPolicy;
      readonly source: 'fetched' | 'cache';
      /** Set when a newer policy could not be fetched and the cached one was used (RFC 8461 §5.1). */
      readonly failure?: PolicyFetchFailure;
    }
  | {
      readonly policy: undefined;
      readonly reason: string;
      /** Set when the domain has a TXT record but its policy could not be had: report it (RFC 8460). */
      readonly failure?: PolicyFetchFailure;
    };

export interface StsDependencies {
  readonly resolver: Resolver;
  readonly fetcher: PolicyFetcher;
  readonly cache: StsPolicyCache;
  readonly clock: Clock;
}

/**
 * The MTA-STS policy that applies to mail for a domain (RFC 8461 §3, §5.1). A valid cached
 * policy is used when the TXT id is unchanged, when the TXT record cannot be had, and when a
 * new policy cannot be fetched. Without a usable policy delivery proceeds as without MTA-STS.
 */
export async function discoverStsPolicy(recipientDomain: string, deps: StsDependencies): Promise<StsDiscovery> {
  const domain = canonicalName(recipientDomain);
  const now = deps.clock.now();
  const cachedEntry = await deps.cache.get(domain);
  const cached = cachedEntry && cachedEntry.expiresAt > now ? cachedEntry : undefined;
  const txt = await deps.resolver.txt(`_mta-sts.${domain}`);
  if (!txt.ok) {
    if (cached) return { policy: cached, source: 'cache' };
    return { policy: undefined, reason: `no MTA-STS record (${txt.detail})` };
  }
  const id = parseStsRecord(txt.value);
  if (!id.ok) {
    if (cached) return { policy: cached, source: 'cache' };
    return { policy: undefined, reason: id.error };
  }
  if (cached && cached.id === id.value) return { policy: cached, source: 'cache' };

  const body = await deps.fetcher.fetch(domain);
  const parsed = body.ok ? parseStsPolicy(body.value) : body;
  if (!parsed.ok) {
    if (cached) return { policy: cached, source: 'cache', failure: parsed.error };
    return { policy: undefined, reason: `policy for ${domain} unavailable: ${parsed.error.detail}`, failure: parsed.error };
  }
  const policy: StsPolicy = { domain, id: id.value, ...parsed.value, fetchedAt: now, expiresAt: now + parsed.value.maxAge * 1000 };
  await deps.cache.set(policy);
  return { policy, source: 'fetched' };
}

/** RFC 8461 §3.1: ABNF of the TXT record's fields. */
const STS_ID = /^[A-Za-z0-9]{1,32}$/;
const EXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const EXT_VALUE = /^[\x21-\x3a\x3c\x3e-\x7e]+$/;

/**
 * The policy id from the _mta-sts TXT records (RFC 8461 §3.1): records not beginning with
 * "v=STSv1;" are ignored; exactly one must remain, and it must be well formed.
 */
export function parseStsRecord(records: readonly string[]): Result<string, string> {
  const candidates = records.filter((r) => /^v=STSv1[ \t]*;/.test(r));
  if (candidates.length === 0) return err('no v=STSv1 TXT record');
  if (candidates.length > 1) return err('more than one v=STSv1 TXT record');
  const fields = (candidates[0] ?? '').split(';').slice(1);
  let id: string | undefined;
  for (const [i, raw] of fields.entries()) {
    const field = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (field === '' && i === fields.length - 1) break; // an optional trailing separator
    const eq = field.indexOf('=');
    if (eq < 1) return err(`malformed field ${JSON.stringify(field)}`);
    const name = field.slice(0, eq);
    const value = field.slice(eq + 1);
    if (name === 'id') {
      if (!STS_ID.test(value)) return err(`malformed id ${JSON.stringify(value)}`);
      id ??= value; // the first id counts
    } else if (!EXT_NAME.test(name) || !EXT_VALUE.test(value)) {
      return err(`malformed field ${JSON.stringify(field)}`);
    }
  }
  return id === undefined ? err('TXT record without id') : ok(id);
}

export interface ParsedStsPolicy {
  readonly mode: StsMode;
  readonly mx: readonly string[];
  readonly maxAge: number;
  readonly lines: readonly string[];
}

/** Parses a policy file (RFC 8461 §3.2) with mailauth's parser; invalid policies are values. */
export function parseStsPolicy(text: string): Result<ParsedStsPolicy, PolicyFetchFailure> {
  let parsed;
  try {
    parsed = parsePolicy(text);
  } catch (error) {
    return err({ resultType: 'sts-policy-invalid', detail: error instanceof Error ? error.message : 'invalid policy' });
  }
  const maxAge = parsed.maxAge ?? 0;
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  return ok({ mode: parsed.mode, mx: parsed.mx ?? [], maxAge, lines });
}

/** Whether an MX host matches the policy's mx patterns (RFC 8461 §4.1: "*." covers one leftmost label). */
export function allowedMx(policy: Pick<StsPolicy, 'mx'>, mxHost: string): boolean {
  return validateMx(mxHost, { mode: 'enforce', mx: [...policy.mx] }).valid;
}

/**
 * What a policy asks of delivery to one MX host (RFC 8461 §5):
 * - 'none': no policy (or mode none): opportunistic TLS;
 * - 'enforce': STARTTLS with a certificate valid for the MX host (PKIX, RFC 8461 §4.2), else defer;
 * - 'skip': enforce mode and the host is not listed: do not deliver to it (§4.1);
 * - 'report': testing mode: deliver as usual, record failures in TLS-RPT (§5).
 */
export function stsRequirement(policy: StsPolicy | undefined, mxHost: string): 'none' | 'enforce' | 'skip' | 'report' {
  if (!policy || policy.mode === 'none') return 'none';
  if (policy.mode === 'testing') return 'report';
  return allowedMx(policy, mxHost) ? 'enforce' : 'skip';
}
