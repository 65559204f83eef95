// Test support: an in-memory zone of MX/A/AAAA/TXT/CNAME/TLSA records answered the way a
// recursive resolver would (CNAME chains chased, NXDOMAIN vs NODATA), shared by the fake
// Resolver and the test DNS server (test/helpers/dns-server.ts). Names are keys of a Map.

import { canonicalName } from './resolver.ts';

export type ZoneRecord =
  | { readonly type: 'A'; readonly address: string }
  | { readonly type: 'AAAA'; readonly address: string }
  | { readonly type: 'MX'; readonly preference: number; readonly exchange: string }
  /** One string, or the record's character-strings (each at most 255 octets). */
  | { readonly type: 'TXT'; readonly text: string | readonly string[] }
  | { readonly type: 'CNAME'; readonly target: string }
  /** data: the certificate association data, as bytes or hex. */
  | { readonly type: 'TLSA'; readonly usage: number; readonly selector: number; readonly matchingType: number; readonly data: Uint8Array | string };

export type ZoneRecordType = ZoneRecord['type'];

export type ZoneInput = Readonly<Record<string, readonly ZoneRecord[]>> | ReadonlyMap<string, readonly ZoneRecord[]>;

export interface ZoneAnswer {
  /** The name at the end of the CNAME chain does not exist. */
  readonly nxdomain: boolean;
  /** CNAMEs along the chain, then the records of the asked type at its end. */
  readonly records: readonly { readonly owner: string; readonly record: ZoneRecord }[];
}

/** How many CNAMEs the zone chases before giving up (a loop in test data). */
const MAX_CHASE = 16;

export class Zone {
  private readonly names = new Map<string, ZoneRecord[]>();

  constructor(input: ZoneInput = {}) {
    const entries = input instanceof Map ? [...input.entries()] : Object.entries(input);
    for (const [name, records] of entries) this.set(name, records);
  }

  /** Replaces the records of a name (an empty list makes the name exist with no data). */
  set(name: string, records: readonly ZoneRecord[]): void {
    this.names.set(canonicalName(name), [...records]);
  }

  add(name: string, ...records: ZoneRecord[]): void {
    const key = canonicalName(name);
    this.names.set(key, [...(this.names.get(key) ?? []), ...records]);
  }

  /** Removes a name: it no longer exists (NXDOMAIN). */
  delete(name: string): void {
    this.names.delete(canonicalName(name));
  }

  resolve(name: string, type: ZoneRecordType): ZoneAnswer {
    const records: { owner: string; record: ZoneRecord }[] = [];
    let owner = canonicalName(name);
    for (let hop = 0; hop <= MAX_CHASE; hop++) {
      const here = this.names.get(owner);
      if (here === undefined) return { nxdomain: true, records };
      const wanted = here.filter((r) => r.type === type);
      if (wanted.length > 0 || type === 'CNAME') return { nxdomain: false, records: [...records, ...wanted.map((record) => ({ owner, record }))] };
      const alias = here.find((r) => r.type === 'CNAME');
      if (alias?.type !== 'CNAME') return { nxdomain: false, records };
      records.push({ owner, record: alias });
      owner = canonicalName(alias.target);
    }
    return { nxdomain: false, records };
  }
}

export function tlsaBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Uint8Array.from(Buffer.from(data, 'hex')) : data;
}
