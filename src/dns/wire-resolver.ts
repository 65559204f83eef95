// The Resolver on our own DNS client: the one that reports DNSSEC status (the AD bit, RFC 4035
// §3.2.3) and looks up TLSA records (RFC 6698), used when DANE is wanted (RFC 7672 §2.1).
// Untrusted input: the answers. CNAME chains are followed inside each reply and, when a reply
// stops at a CNAME, by asking for the target, bounded by MAX_CNAME_CHAIN (RFC 1034 §3.6.2).
// An answer counts as authenticated only if every reply along the chain had AD set.

import { DnsClient, type DnsClientOptions } from './dns-client.ts';
import {
  canonicalName,
  combineAddressResults,
  dnsFail,
  dnsOk,
  type AddressRecord,
  type DnsResult,
  type MxRecord,
  type Resolver,
  type TlsaRecord,
} from './resolver.ts';
import { CLASS_IN, RCODE, TYPE, type DnsRecord, type RecordData } from './wire/message.ts';

/** CNAME records followed for one lookup (RFC 1034 §3.6.2 advises against chains at all). */
export const MAX_CNAME_CHAIN = 8;

const utf8 = new TextDecoder('utf-8');

export class WireResolver implements Resolver {
  private readonly client: DnsClient;

  constructor(options: DnsClientOptions) {
    this.client = new DnsClient(options);
  }

  async mx(domain: string): Promise<DnsResult<MxRecord[]>> {
    return this.lookup(domain, TYPE.MX, (d) => (d.kind === 'mx' ? { exchange: canonicalName(d.exchange), preference: d.preference } : undefined));
  }

  async addresses(host: string): Promise<DnsResult<AddressRecord[]>> {
    const [aaaa, a] = await Promise.all([
      this.lookup(host, TYPE.AAAA, (d): AddressRecord | undefined => (d.kind === 'aaaa' ? { address: d.address, family: 6 } : undefined)),
      this.lookup(host, TYPE.A, (d): AddressRecord | undefined => (d.kind === 'a' ? { address: d.address, family: 4 } : undefined)),
    ]);
    return combineAddressResults(aaaa, a);
  }

  async txt(name: string): Promise<DnsResult<string[]>> {
    return this.lookup(name, TYPE.TXT, (d) => (d.kind === 'txt' ? d.strings.map((s) => utf8.decode(s)).join('') : undefined));
  }

  async tlsa(name: string): Promise<DnsResult<TlsaRecord[]>> {
    return this.lookup(name, TYPE.TLSA, (d) =>
      d.kind === 'tlsa' ? { usage: d.usage, selector: d.selector, matchingType: d.matchingType, data: d.data } : undefined,
    );
  }

  /** Records of one type at a name, following CNAMEs; NXDOMAIN/NODATA refer to the chain's end (RFC 6604 §3). */
  private async lookup<T>(name: string, type: number, pick: (data: RecordData) => T | undefined): Promise<DnsResult<T[]>> {
    let current = canonicalName(name);
    const visited = new Set<string>([current]);
    let authenticated = true;
    for (let round = 0; round <= MAX_CNAME_CHAIN; round++) {
      const outcome = await this.client.query(current, type);
      if (!outcome.ok) return dnsFail(outcome.error, outcome.detail);
      const message = outcome.message;
      authenticated &&= message.header.ad;
      let owner = current;
      for (;;) {
        const matches = recordsAt(message.answers, owner, type).map((r) => pick(r.data)).filter((v): v is T => v !== undefined);
        if (matches.length > 0) return dnsOk(matches, authenticated);
        const alias = recordsAt(message.answers, owner, TYPE.CNAME)[0]?.data;
        if (alias?.kind !== 'cname') break;
        owner = canonicalName(alias.target);
        if (visited.has(owner)) return dnsFail('other', `CNAME loop at ${owner}`);
        visited.add(owner);
        if (visited.size > MAX_CNAME_CHAIN + 1) return dnsFail('other', `CNAME chain from ${name} longer than ${MAX_CNAME_CHAIN}`);
      }
      if (message.rcode === RCODE.NXDOMAIN) return dnsFail('nxdomain', `${owner} does not exist`, authenticated);
      // The reply ended at a CNAME whose target it did not cover: ask for the target itself.
      if (owner !== current) {
        current = owner;
        continue;
      }
      return dnsFail('nodata', `no ${typeName(type)} records at ${owner}`, authenticated);
    }
    return dnsFail('other', `CNAME chain from ${name} longer than ${MAX_CNAME_CHAIN}`);
  }
}

function recordsAt(records: readonly DnsRecord[], owner: string, type: number): DnsRecord[] {
  return records.filter((r) => r.type === type && r.class === CLASS_IN && canonicalName(r.name) === owner);
}


function typeName(type: number): string {
  return Object.entries(TYPE).find(([, code]) => code === type)?.[0] ?? `TYPE${type}`;
}
