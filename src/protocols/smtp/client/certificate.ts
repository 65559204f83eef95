// TLS policy checks of the client: whether an MX host name is one an MTA-STS policy allows,
// and whether the certificate a server presented is valid for the name we asked for. Pure
// (node:tls's checkServerIdentity does the RFC 6125 name matching). Input it does not trust:
// the certificate (the server's) and the policy patterns (fetched from the recipient domain).
//
// Standards: RFC 8461 §4.1 (an MX host must match an "mx" pattern of the policy: a name
// compared case-insensitively, or "*." followed by a name, the wildcard standing for exactly
// one leftmost label), §4.2 (the certificate must chain to a trusted root, be unexpired, and
// carry a DNS-ID for the MX host name, RFC 6125 rules), RFC 8689 §4.2.1 (REQUIRETLS asks for
// the same validity), RFC 7435 (opportunistic TLS: the certificate is not checked, only
// reported).

import { checkServerIdentity, type PeerCertificate } from 'node:tls';

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** RFC 8461 §4.1: `host` matches the policy pattern `pattern`. */
export function matchesMxPattern(host: string, pattern: string): boolean {
  const name = normalize(host);
  const wanted = normalize(pattern);
  if (name === '' || wanted === '') return false;
  if (!wanted.startsWith('*.')) return name === wanted;
  const suffix = wanted.slice(1);
  // "*.example.com" matches "mail.example.com": one label, neither empty nor itself dotted.
  if (suffix.length < 2 || !name.endsWith(suffix)) return false;
  const label = name.slice(0, -suffix.length);
  return label !== '' && !label.includes('.') && !label.includes('*');
}

/** RFC 8461 §4.1: the host matches one of the patterns. */
export function allowedMxHost(host: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => matchesMxPattern(host, pattern));
}

export interface PresentedCertificate {
  /** node:tls `authorized`: the chain verified against the trusted roots (and is unexpired). */
  readonly chainVerified: boolean;
  /** node:tls `authorizationError`, when the chain did not verify. */
  readonly chainError?: string;
  /** The server's certificate; undefined when it sent none. */
  readonly certificate: PeerCertificate | undefined;
}

/**
 * Why the certificate is not valid for `servername` (RFC 8461 §4.2), or undefined when it
 * is: the chain must verify and the certificate must name the host (RFC 6125).
 */
export function certificateProblem(servername: string, presented: PresentedCertificate): string | undefined {
  const certificate = presented.certificate;
  if (certificate === undefined || Object.keys(certificate).length === 0) return 'the server presented no certificate';
  if (!presented.chainVerified) return `the certificate chain does not verify (${presented.chainError ?? 'unknown reason'})`;
  const mismatch = checkServerIdentity(servername, certificate);
  return mismatch === undefined ? undefined : `the certificate is not valid for ${servername}: ${mismatch.message}`;
}
