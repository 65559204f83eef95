// Our Resolver (src/dns) in the shape mailauth asks for, so SPF, DKIM, DMARC and ARC checks
// look names up through the configured servers like the rest of delivery: TXT answers as
// arrays of strings, MX as {exchange, priority}, addresses as strings, and a name without
// records rejects with code ENOTFOUND or ENODATA as node:dns does (mailauth tells "no record"
// from "lookup failed" by that code). PTR is not among our lookups: it rejects with ENOTFOUND,
// which SPF's "ptr" mechanism (RFC 7208 §5.5, "SHOULD NOT be used") treats as no match.

import type { DNSResolver } from 'mailauth';
import type { DnsResult, Resolver } from '../dns/resolver.ts';

const CODES: Readonly<Record<string, string>> = { nxdomain: 'ENOTFOUND', nodata: 'ENODATA', servfail: 'ESERVFAIL', timeout: 'ETIMEOUT', refused: 'EREFUSED', other: 'EBADRESP' };

function failure(name: string, code: string, detail: string): Error {
  return Object.assign(new Error(`${code} ${name}: ${detail}`), { code });
}

function unwrap<T>(name: string, result: DnsResult<T>): T {
  if (!result.ok) throw failure(name, CODES[result.error] ?? 'EBADRESP', result.detail);
  return result.value;
}

export function mailauthResolver(resolver: Resolver): DNSResolver {
  const lookup = async (name: string, rrtype: string): Promise<unknown> => {
    switch (rrtype.toUpperCase()) {
      case 'TXT':
        return unwrap(name, await resolver.txt(name)).map((text) => [text]);
      case 'MX':
        return unwrap(name, await resolver.mx(name)).map((mx) => ({ exchange: mx.exchange, priority: mx.preference }));
      case 'A':
      case 'AAAA': {
        const family = rrtype.toUpperCase() === 'A' ? 4 : 6;
        const found = unwrap(name, await resolver.addresses(name)).filter((a) => a.family === family);
        if (found.length === 0) throw failure(name, 'ENODATA', `no ${rrtype} records`);
        return found.map((a) => a.address);
      }
      default:
        throw failure(name, 'ENOTFOUND', `${rrtype} lookups are not supported`);
    }
  };
  return lookup as DNSResolver;
}
