// Resolver addresses from the [dns] servers setting: "ip", "ip:port" or "[ipv6]:port".
// Untrusted input: the config file and environment. Port 53 by default (RFC 1035 §4.2).

import { isIP } from 'node:net';

export const DNS_PORT = 53;

export interface ServerAddress {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** Parses "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:5353"; undefined if invalid. */
export function parseServerAddress(text: string): ServerAddress | undefined {
  const bare = isIP(text);
  if (bare !== 0) return { host: canonicalIp(text), port: DNS_PORT, family: bare === 6 ? 6 : 4 };
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(text);
  if (!match) return undefined;
  const host = match[1] ?? match[2] ?? '';
  const family = isIP(host);
  const port = Number(match[3]);
  if (family === 0 || (match[1] !== undefined && family !== 6) || port < 1 || port > 65535) return undefined;
  return { host: canonicalIp(host), port, family: family === 6 ? 6 : 4 };
}

/** The address in the form node's sockets report it (IPv6 compressed, lower case). */
export function canonicalIp(address: string): string {
  if (isIP(address) !== 6) return address;
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/** The "ip" / "ip:port" / "[ipv6]:port" form node:dns setServers() accepts. */
export function formatServerAddress(server: ServerAddress): string {
  if (server.port === DNS_PORT) return server.host;
  return server.family === 6 ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}
