// The Resolver on node:dns (c-ares): the system's resolvers, or the [dns] servers ("ip" or
// "ip:port"). It cannot see the AD bit, so nothing it returns is authenticated and it offers no
// TLSA lookup: DANE (RFC 7672) needs the WireResolver. Untrusted input: the answers, already
// parsed by c-ares; error codes are mapped to DnsErrorCode in one table.

import { Resolver as NodeResolver } from 'node:dns/promises';
import {
  canonicalName,
  combineAddressResults,
  dnsFail,
  dnsOk,
  type AddressRecord,
  type DnsErrorCode,
  type DnsResult,
  type MxRecord,
  type Resolver,
} from './resolver.ts';
import { formatServerAddress, type ServerAddress } from './server-address.ts';

export interface SystemResolverOptions {
  /** Empty or absent: the system's resolvers (/etc/resolv.conf). */
  readonly servers?: readonly ServerAddress[];
  /** Per-try timeout in milliseconds (c-ares doubles it on each retry). */
  readonly timeoutMs?: number;
  readonly tries?: number;
}

/** c-ares error codes (node:dns "Error codes") and what they mean for delivery. */
const ERROR_CODES: ReadonlyMap<string, DnsErrorCode> = new Map([
  ['ENOTFOUND', 'nxdomain'],
  ['ENODATA', 'nodata'],
  ['ESERVFAIL', 'servfail'],
  ['ETIMEOUT', 'timeout'],
  ['EREFUSED', 'refused'],
  ['ECONNREFUSED', 'timeout'],
]);

export class SystemResolver implements Resolver {
  private readonly resolver: NodeResolver;

  constructor(options: SystemResolverOptions = {}) {
    this.resolver = new NodeResolver({ timeout: options.timeoutMs ?? 3_000, tries: options.tries ?? 2 });
    if (options.servers && options.servers.length > 0) this.resolver.setServers(options.servers.map(formatServerAddress));
  }

  async mx(domain: string): Promise<DnsResult<MxRecord[]>> {
    return settle(domain, this.resolver.resolveMx(domain), (records) =>
      records.map((r) => ({ exchange: canonicalName(r.exchange), preference: r.priority })),
    );
  }

  async addresses(host: string): Promise<DnsResult<AddressRecord[]>> {
    const [aaaa, a] = await Promise.all([
      settle(host, this.resolver.resolve6(host), (list) => list.map((address): AddressRecord => ({ address, family: 6 }))),
      settle(host, this.resolver.resolve4(host), (list) => list.map((address): AddressRecord => ({ address, family: 4 }))),
    ]);
    return combineAddressResults(aaaa, a);
  }

  async txt(name: string): Promise<DnsResult<string[]>> {
    return settle(name, this.resolver.resolveTxt(name), (records) => records.map((strings) => strings.join('')));
  }
}

async function settle<R, T>(name: string, pending: Promise<R>, convert: (raw: R) => T[]): Promise<DnsResult<T[]>> {
  try {
    const value = convert(await pending);
    return value.length > 0 ? dnsOk(value, false) : dnsFail('nodata', `no records at ${name}`);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const mapped = typeof code === 'string' ? ERROR_CODES.get(code) : undefined;
    return dnsFail(mapped ?? 'other', `${typeof code === 'string' ? code : 'error'} looking up ${name}`);
  }
}
