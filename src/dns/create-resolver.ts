// Chooses the Resolver from the configuration: node:dns by default, our own DNS client when
// DNSSEC status is wanted (DANE, RFC 7672 §2.1). Untrusted input: the [dns] servers strings.
// The AD bit is only as trustworthy as the path to the resolver (RFC 6698 §4.1, RFC 4035 §4.9.3):
// with DANE on, the resolver should be a validating one on loopback.

import { getServers } from 'node:dns';
import { err, ok, type Result } from '../core/result.ts';
import type { Resolver } from './resolver.ts';
import { parseServerAddress, type ServerAddress } from './server-address.ts';
import { SystemResolver } from './system-resolver.ts';
import { WireResolver } from './wire-resolver.ts';

export interface ResolverSettings {
  /** [dns] servers: "ip" or "ip:port"; empty for the system's resolvers. */
  readonly servers: readonly string[];
  /** Use the DNSSEC-aware client (needed for DANE and TLSA lookups). */
  readonly dnssec?: boolean;
  readonly timeoutMs?: number;
  readonly attempts?: number;
}

export function createResolver(settings: ResolverSettings): Result<Resolver, string> {
  const servers: ServerAddress[] = [];
  for (const text of settings.servers) {
    const server = parseServerAddress(text);
    if (!server) return err(`invalid DNS server ${JSON.stringify(text)}: expected "ip" or "ip:port"`);
    servers.push(server);
  }
  if (!settings.dnssec) {
    return ok(new SystemResolver({ servers, ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}) }));
  }
  if (servers.length === 0) {
    // The system's resolvers as node:dns read them (/etc/resolv.conf); scoped link-local ones are skipped.
    for (const text of getServers()) {
      const server = parseServerAddress(text);
      if (server) servers.push(server);
    }
  }
  if (servers.length === 0) return err('no usable DNS server: set [dns] servers');
  return ok(
    new WireResolver({
      servers,
      ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
      ...(settings.attempts !== undefined ? { attempts: settings.attempts } : {}),
    }),
  );
}
