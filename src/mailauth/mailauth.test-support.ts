// Test support for the mailauth wrappers: a fake DNS resolver over a fixed table of TXT records
// (what every DKIM, SPF, DMARC and ARC test publishes), and the dkimpy checker run through
// test/interop/python/dkim_verify.py. No network: a name missing from the table is NXDOMAIN.

import { runPython } from '../../test/helpers/python.ts';
import type { DnsResolver } from './arc.ts';

/** TXT records by owner name ("sel._domainkey.example.com"); a name may hold several records. */
export type TxtTable = ReadonlyMap<string, readonly string[]>;

function dnsError(code: 'ENOTFOUND' | 'ENODATA', name: string): Error {
  return Object.assign(new Error(`${code} ${name}`), { code });
}

/** A resolver answering TXT queries from `table` (mailauth's resolver shape: chunks per record). */
export function fakeResolver(table: TxtTable): DnsResolver & { readonly queries: string[] } {
  const queries: string[] = [];
  const resolver = async (name: string, rrtype: string): Promise<string[][]> => {
    const key = name.replace(/\.$/, '').toLowerCase();
    queries.push(`${rrtype} ${key}`);
    const records = table.get(key);
    if (!records) throw dnsError('ENOTFOUND', key);
    if (rrtype !== 'TXT') throw dnsError('ENODATA', key);
    // Long TXT data as 255-octet character-strings, as a real answer splits it (RFC 1035 §3.3.14).
    return records.map((record) => record.match(/.{1,255}/gs) ?? ['']);
  };
  return Object.assign(resolver, { queries });
}

export interface DkimpyResult {
  readonly dkim: readonly { readonly valid: boolean; readonly domain: string | null; readonly selector: string | null; readonly error: string | null }[];
  readonly arc?: {
    readonly cv: string | null;
    readonly reason: string;
    readonly instances: readonly { readonly instance: number; readonly ams_valid: boolean; readonly as_valid: boolean; readonly cv: string }[];
  };
}

/**
 * Verifies every DKIM-Signature (and with `arc`, the ARC chain) of each message with dkimpy,
 * against the records of `table`; one Python run for all of them.
 */
export async function dkimpyVerifyAll(messages: readonly Uint8Array[], table: TxtTable, arc = false): Promise<DkimpyResult[]> {
  const records: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, values] of table) if (values[0] !== undefined) records[name] = values[0];
  const output = await runPython<{ results: DkimpyResult[] }>('dkim_verify.py', {
    messages: messages.map((message) => Buffer.from(message).toString('base64')),
    records,
    arc,
  });
  return output.results;
}

export async function dkimpyVerify(message: Uint8Array, table: TxtTable, arc = false): Promise<DkimpyResult> {
  const [result] = await dkimpyVerifyAll([message], table, arc);
  if (!result) throw new Error('dkim_verify.py returned no result');
  return result;
}
