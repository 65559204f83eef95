// Where mail for a destination domain goes and how securely: the smarthost when one is
// configured, else the MX hosts in preference order (RFC 5321 §5.1, src/dns/mx.ts), each
// address a hop. Per host the TLS requirement: DANE when its TLSA records are DNSSEC-validated
// (RFC 7672 §2.2, which takes precedence over MTA-STS, RFC 8461 §2), else MTA-STS enforce
// (RFC 8461 §5: STARTTLS with a valid certificate, hosts outside the policy skipped), else
// opportunistic STARTTLS (RFC 7435). Routes are kept for a minute; MTA-STS policies for as long
// as they say (their own cache).

import type { Clock } from '../core/clock.ts';
import { lookupDane, tlsaText } from '../dns/dane.ts';
import { resolveRoute } from '../dns/mx.ts';
import type { Resolver, TlsaRecord } from '../dns/resolver.ts';
import { discoverStsPolicy, stsRequirement, type StsDependencies, type StsPolicy } from '../mailauth/mta-sts.ts';
import { noPolicyFound, stsReportPolicy, tlsaReportPolicy, unfetchedStsReportPolicy, type TlsRptPolicy } from '../mailauth/tls-rpt.ts';
import type { TlsRequirement } from '../protocols/smtp/client/deliver.ts';

/** How long a resolved destination is reused. */
export const ROUTE_CACHE_MS = 60_000;

export interface Hop {
  /** The host name: SNI, certificate name, Remote-MTA in DSNs. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly tls: TlsRequirement;
  readonly allowedNames?: readonly string[];
  readonly dane?: { readonly records: readonly TlsaRecord[]; readonly hostnames: readonly string[] };
  /** The policy TLS-RPT results of sessions to this hop are counted under. */
  readonly report: TlsRptPolicy;
}

export type Destination =
  | { readonly kind: 'hops'; readonly hops: readonly Hop[] }
  | { readonly kind: 'failed'; readonly permanent: boolean; readonly status: string; readonly detail: string };

export interface DestinationSettings {
  readonly port: number;
  /** "host:port" of the smarthost, or undefined. */
  readonly relay: { readonly host: string; readonly port: number } | undefined;
  readonly mtaSts: boolean;
  readonly dane: boolean;
  /** Our own names, so mail never loops back to us (RFC 5321 §5.1). */
  readonly localHostnames: readonly string[];
}

export class Destinations {
  private readonly resolver: Resolver;
  private readonly settings: DestinationSettings;
  private readonly sts: StsDependencies;
  private readonly clock: Clock;
  private readonly cache = new Map<string, { at: number; destination: Promise<Destination> }>();

  constructor(resolver: Resolver, settings: DestinationSettings, sts: StsDependencies, clock: Clock) {
    this.resolver = resolver;
    this.settings = settings;
    this.sts = sts;
    this.clock = clock;
  }

  /** The hops for mail to `domain`, resolved at most once a minute (concurrent callers share a lookup). */
  resolve(domain: string): Promise<Destination> {
    const key = this.settings.relay ? '' : domain.toLowerCase();
    const now = this.clock.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.at < ROUTE_CACHE_MS) return cached.destination;
    const destination = this.settings.relay ? this.relayHops(this.settings.relay) : this.mxHops(key);
    this.cache.set(key, { at: now, destination });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return destination;
  }

  private async relayHops(relay: { host: string; port: number }): Promise<Destination> {
    const report = noPolicyFound(relay.host);
    const literal = /^[0-9.]+$|:/.test(relay.host);
    if (literal) return { kind: 'hops', hops: [{ name: relay.host, address: relay.host, port: relay.port, tls: 'opportunistic', report }] };
    const addresses = await this.resolver.addresses(relay.host);
    if (!addresses.ok) return { kind: 'failed', permanent: false, status: '4.4.3', detail: `the relay ${relay.host} cannot be resolved: ${addresses.detail}` };
    return { kind: 'hops', hops: addresses.value.map((a) => ({ name: relay.host, address: a.address, port: relay.port, tls: 'opportunistic' as const, report })) };
  }

  private async mxHops(domain: string): Promise<Destination> {
    const route = await resolveRoute(this.resolver, domain, { localHostnames: this.settings.localHostnames });
    if (!route.ok) return { kind: 'failed', ...route.error };
    const discovery = this.settings.mtaSts ? await discoverStsPolicy(domain, this.sts) : undefined;
    const policy: StsPolicy | undefined = discovery?.policy;
    const stsReport = policy ? stsReportPolicy(policy) : discovery?.failure ? unfetchedStsReportPolicy(domain) : noPolicyFound(domain);
    const hops: Hop[] = [];
    let skipped = 0;
    let daneFailure: string | undefined;
    for (const host of route.value.hosts) {
      const base = { name: host.name, port: this.settings.port };
      if (this.settings.dane) {
        const dane = await lookupDane(this.resolver, host, { domain, mxSecure: route.value.dnssec, port: this.settings.port });
        if (!dane.ok) {
          // RFC 7672 §2.2: a TLSA lookup that failed makes the host unusable for now.
          daneFailure = dane.error.detail;
          continue;
        }
        if (dane.value.mode === 'dane') {
          const report = tlsaReportPolicy(domain, host.name, dane.value.records.map(tlsaText));
          for (const a of host.addresses) hops.push({ ...base, address: a.address, tls: 'dane', dane: { records: dane.value.records, hostnames: dane.value.hostnames }, report });
          continue;
        }
        if (dane.value.mode === 'encrypt') {
          for (const a of host.addresses) hops.push({ ...base, address: a.address, tls: 'encrypted', report: tlsaReportPolicy(domain, host.name, []) });
          continue;
        }
      }
      const requirement = stsRequirement(policy, host.name);
      if (requirement === 'skip') {
        skipped++;
        continue;
      }
      const enforce = requirement === 'enforce' && policy !== undefined;
      for (const a of host.addresses) {
        hops.push({ ...base, address: a.address, tls: enforce ? 'required' : 'opportunistic', ...(enforce ? { allowedNames: policy.mx } : {}), report: stsReport });
      }
    }
    if (hops.length > 0) return { kind: 'hops', hops };
    if (daneFailure !== undefined) return { kind: 'failed', permanent: false, status: '4.7.5', detail: daneFailure };
    // RFC 8461 §4.1: with an enforced policy and no listed MX, the mail waits (no plaintext, no other host).
    return { kind: 'failed', permanent: false, status: '4.7.5', detail: `no MX host of ${domain} is allowed by its MTA-STS policy (${skipped} skipped)` };
  }
}
