// The Resolver interface: the few lookups mail delivery needs (MX, addresses, TXT, TLSA), each
// answering with a value or a classified failure, never an exception (house rule 8).
// Untrusted input: names come from recipient addresses and from DNS answers; answers come from
// the network. `authenticated` is the AD bit of the answer (RFC 4035 §3.2.3, RFC 6840 §5.8):
// it means something only when the path to the resolver is trusted (a resolver on loopback).
// Implementations: SystemResolver (node:dns, never authenticated) and WireResolver (our own
// DNS client with EDNS0 DO, RFC 6891 §6.1.4, for DNSSEC status and TLSA, RFC 6698 §2).

export type DnsErrorCode = 'nxdomain' | 'nodata' | 'servfail' | 'timeout' | 'refused' | 'other';

export type DnsResult<T> =
  | { readonly ok: true; readonly value: T; readonly authenticated: boolean }
  | {
      readonly ok: false;
      readonly error: DnsErrorCode;
      readonly detail: string;
      /** For 'nxdomain' and 'nodata': the denial of existence was DNSSEC-validated (AD bit). */
      readonly authenticated?: boolean;
    };

export interface MxRecord {
  /** Target host name without the trailing dot; '' is the root, a null MX (RFC 7505 §3). */
  readonly exchange: string;
  readonly preference: number;
}

export interface AddressRecord {
  readonly address: string;
  readonly family: 4 | 6;
}

/** A TLSA record (RFC 6698 §2.1). */
export interface TlsaRecord {
  readonly usage: number;
  readonly selector: number;
  readonly matchingType: number;
  readonly data: Uint8Array;
}

export interface Resolver {
  /** MX records of a domain (RFC 1035 §3.3.9), CNAMEs followed. */
  mx(domain: string): Promise<DnsResult<MxRecord[]>>;
  /** AAAA then A records of a host (IPv6 first). */
  addresses(host: string): Promise<DnsResult<AddressRecord[]>>;
  /** TXT records, each record's character-strings joined (RFC 7208 §3.3, RFC 8461 §3.1). */
  txt(name: string): Promise<DnsResult<string[]>>;
  /** TLSA records (RFC 6698); only resolvers that report DNSSEC status implement it. */
  tlsa?(name: string): Promise<DnsResult<TlsaRecord[]>>;
}

export function dnsOk<T>(value: T, authenticated: boolean): DnsResult<T> {
  return { ok: true, value, authenticated };
}

export function dnsFail<T>(error: DnsErrorCode, detail: string, authenticated?: boolean): DnsResult<T> {
  return authenticated === undefined ? { ok: false, error, detail } : { ok: false, error, detail, authenticated };
}

/** A temporary failure: worth trying again later (as opposed to a name that does not exist). */
export function isTemporaryDnsError(error: DnsErrorCode): boolean {
  return error !== 'nxdomain' && error !== 'nodata';
}

/** Lower case, no trailing dot: the form names are compared in (RFC 4343 §3: ASCII case-insensitive). */
export function canonicalName(name: string): string {
  const lower = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Combines the AAAA and A lookups of one host: addresses from either family (IPv6 first) when
 * there are any; else NXDOMAIN if the name does not exist; else a temporary failure if a lookup
 * failed; else NODATA.
 */
export function combineAddressResults(
  aaaa: DnsResult<AddressRecord[]>,
  a: DnsResult<AddressRecord[]>,
): DnsResult<AddressRecord[]> {
  const found = [...(aaaa.ok ? aaaa.value : []), ...(a.ok ? a.value : [])];
  // Secure only when both answers are: data or a denial of existence, each validated.
  const validated = isValidated(aaaa) && isValidated(a);
  if (found.length > 0) return dnsOk(found, validated);
  const denials = [aaaa, a];
  const failed = denials.find((r) => !r.ok && isTemporaryDnsError(r.error));
  if (failed && !failed.ok) return dnsFail(failed.error, failed.detail);
  const nx = denials.find((r) => !r.ok && r.error === 'nxdomain');
  if (nx && !nx.ok) return dnsFail('nxdomain', nx.detail, validated);
  return dnsFail('nodata', 'no AAAA or A records', validated);
}

function isValidated<T>(result: DnsResult<T>): boolean {
  return result.ok ? result.authenticated : result.authenticated === true;
}
