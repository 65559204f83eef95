// Test support: a Resolver answering from an in-memory Zone, for tests that need DNS answers
// without sockets (house rule 12: inject a fake Resolver). Failures and DNSSEC status are set
// per name; every lookup is logged.

import { canonicalName, combineAddressResults, dnsFail, dnsOk, type AddressRecord, type DnsErrorCode, type DnsResult, type MxRecord, type Resolver, type TlsaRecord } from './resolver.ts';
import { Zone, tlsaBytes, type ZoneInput, type ZoneRecord, type ZoneRecordType } from './zone.test-support.ts';

export interface FakeResolverOptions {
  /** Whether answers carry the AD bit: all, none, or per name and type. */
  readonly authenticated?: boolean | ((name: string, type: ZoneRecordType) => boolean);
}

export class FakeResolver implements Resolver {
  readonly zone: Zone;
  readonly lookups: { name: string; type: ZoneRecordType }[] = [];
  authenticated: boolean | ((name: string, type: ZoneRecordType) => boolean);
  private readonly failures = new Map<string, DnsErrorCode>();

  constructor(zone: ZoneInput | Zone = {}, options: FakeResolverOptions = {}) {
    this.zone = zone instanceof Zone ? zone : new Zone(zone);
    this.authenticated = options.authenticated ?? false;
  }

  /** Makes lookups of a name (of one type, or every type) fail; undefined clears it. */
  fail(name: string, error: DnsErrorCode | undefined, type?: ZoneRecordType): void {
    const key = `${canonicalName(name)}/${type ?? '*'}`;
    if (error === undefined) this.failures.delete(key);
    else this.failures.set(key, error);
  }

  async mx(domain: string): Promise<DnsResult<MxRecord[]>> {
    return this.lookup(domain, 'MX', (r) => (r.type === 'MX' ? { exchange: canonicalName(r.exchange), preference: r.preference } : undefined));
  }

  async addresses(host: string): Promise<DnsResult<AddressRecord[]>> {
    const aaaa = this.lookup(host, 'AAAA', (r): AddressRecord | undefined => (r.type === 'AAAA' ? { address: r.address, family: 6 } : undefined));
    const a = this.lookup(host, 'A', (r): AddressRecord | undefined => (r.type === 'A' ? { address: r.address, family: 4 } : undefined));
    return combineAddressResults(aaaa, a);
  }

  async txt(name: string): Promise<DnsResult<string[]>> {
    return this.lookup(name, 'TXT', (r) => (r.type === 'TXT' ? (typeof r.text === 'string' ? r.text : r.text.join('')) : undefined));
  }

  async tlsa(name: string): Promise<DnsResult<TlsaRecord[]>> {
    return this.lookup(name, 'TLSA', (r) =>
      r.type === 'TLSA' ? { usage: r.usage, selector: r.selector, matchingType: r.matchingType, data: tlsaBytes(r.data) } : undefined,
    );
  }

  private lookup<T>(name: string, type: ZoneRecordType, pick: (record: ZoneRecord) => T | undefined): DnsResult<T[]> {
    this.lookups.push({ name: canonicalName(name), type });
    const failure = this.failures.get(`${canonicalName(name)}/${type}`) ?? this.failures.get(`${canonicalName(name)}/*`);
    if (failure) return dnsFail(failure, `injected ${failure} for ${name} ${type}`);
    const secure = typeof this.authenticated === 'function' ? this.authenticated(canonicalName(name), type) : this.authenticated;
    const answer = this.zone.resolve(name, type);
    if (answer.nxdomain) return dnsFail('nxdomain', `${name} does not exist`, secure);
    const values = answer.records.map((r) => pick(r.record)).filter((v): v is T => v !== undefined);
    return values.length > 0 ? dnsOk(values, secure) : dnsFail('nodata', `no ${type} records at ${name}`, secure);
  }
}
