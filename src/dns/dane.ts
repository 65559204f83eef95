// DANE for SMTP (RFC 7672) with TLSA records (RFC 6698, RFC 7671): which policy applies to an
// MX host, and whether a presented certificate chain matches its TLSA records. TLSA records are
// used only from a DNSSEC-validated answer (AD bit) for a host whose address records validated
// too (RFC 7672 §2.2). Untrusted input: the TLSA records and the server's certificate chain.
// The SMTP client applies the policy: 'dane' — STARTTLS required, the chain must pass
// verifyDane (no PKIX); 'encrypt' — STARTTLS required, certificate not checked; 'none' —
// the usual opportunistic TLS. SNI should name the MX host (RFC 7672 §8.1).

import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { err, ok, type Result } from '../core/result.ts';
import type { RouteHost } from './mx.ts';
import { canonicalName, type Resolver, type TlsaRecord } from './resolver.ts';

export const SMTP_PORT = 25;
/** Certificates read from a peer's chain. */
export const MAX_CHAIN_LENGTH = 10;

/** RFC 7218 §2 names. */
export const USAGE = { PKIX_TA: 0, PKIX_EE: 1, DANE_TA: 2, DANE_EE: 3 } as const;
export const SELECTOR = { CERT: 0, SPKI: 1 } as const;
export const MATCHING = { FULL: 0, SHA2_256: 1, SHA2_512: 2 } as const;

export type DanePolicy =
  | { readonly mode: 'none'; readonly reason: string }
  | {
      readonly mode: 'dane';
      readonly tlsaName: string;
      /** The usable records (DANE-TA and DANE-EE); verifyDane matches against these. */
      readonly records: readonly TlsaRecord[];
      /** Reference identifiers for DANE-TA name checks (RFC 7672 §3.2.2). */
      readonly hostnames: readonly string[];
    }
  | { readonly mode: 'encrypt'; readonly tlsaName: string; readonly reason: string };

export interface DaneLookupFailure {
  /** TLS-RPT result type (RFC 8460 §4.3.2.1). */
  readonly resultType: 'dnssec-invalid';
  readonly detail: string;
}

export interface DaneLookupOptions {
  /** The recipient domain (the next-hop domain). */
  readonly domain: string;
  /** Whether the MX RRset was DNSSEC-validated (Route.dnssec). */
  readonly mxSecure: boolean;
  readonly port?: number;
}

/**
 * The DANE policy for one MX host (RFC 7672 §2.2). A failed TLSA lookup (SERVFAIL: bogus or
 * indeterminate) is a failure: the host must not be used now (RFC 7672 §2.2), try later.
 */
export async function lookupDane(resolver: Resolver, host: RouteHost, options: DaneLookupOptions): Promise<Result<DanePolicy, DaneLookupFailure>> {
  if (!resolver.tlsa) return ok({ mode: 'none', reason: 'the resolver does not report DNSSEC status' });
  // RFC 7672 §2.2.2: TLSA records are looked up only for hosts whose addresses are secure.
  if (!host.dnssec) return ok({ mode: 'none', reason: `address records of ${host.name} are not DNSSEC-validated` });
  // Deviation from RFC 7672 §2.2.2: when the MX host name is a CNAME, TLSA records are looked up
  // only at the original name (the resolver follows a CNAME at the TLSA owner name itself), not
  // first at the expanded name, since the Resolver does not report the expanded name.
  const tlsaName = `_${options.port ?? SMTP_PORT}._tcp.${canonicalName(host.name)}`;
  const result = await resolver.tlsa(tlsaName);
  if (!result.ok) {
    // RFC 7672 §2.2.3: NXDOMAIN/NODATA (secure or not) mean no DANE for this host.
    if (result.error === 'nxdomain' || result.error === 'nodata') return ok({ mode: 'none', reason: `no TLSA records at ${tlsaName}` });
    return err({ resultType: 'dnssec-invalid', detail: `TLSA lookup for ${tlsaName} failed: ${result.detail}` });
  }
  if (!result.authenticated) return ok({ mode: 'none', reason: `TLSA records at ${tlsaName} are not DNSSEC-validated` });
  const records = result.value.filter(isUsable);
  // RFC 7672 §2.2: secure but all unusable records still mean "use TLS", without authentication.
  if (records.length === 0) return ok({ mode: 'encrypt', tlsaName, reason: `no usable TLSA records at ${tlsaName}` });
  // RFC 7672 §3.2.2: the MX host name, and the next-hop domain when the MX RRset is secure.
  const hostnames = [...new Set([canonicalName(host.name), ...(options.mxSecure ? [canonicalName(options.domain)] : [])])];
  return ok({ mode: 'dane', tlsaName, records, hostnames });
}

/**
 * Usable for SMTP: DANE-TA(2) or DANE-EE(3) (RFC 7672 §3.1.3: PKIX-TA/EE are unusable), a known
 * selector and matching type, and a digest of the right length (RFC 7671 §5.1).
 */
export function isUsable(record: TlsaRecord): boolean {
  if (record.usage !== USAGE.DANE_TA && record.usage !== USAGE.DANE_EE) return false;
  if (record.selector !== SELECTOR.CERT && record.selector !== SELECTOR.SPKI) return false;
  switch (record.matchingType) {
    case MATCHING.FULL:
      return record.data.length > 0;
    case MATCHING.SHA2_256:
      return record.data.length === 32;
    case MATCHING.SHA2_512:
      return record.data.length === 64;
    default:
      return false;
  }
}

export interface DaneMatch {
  readonly record: TlsaRecord;
  /** Chain position of the matched certificate (0 = the server's own). */
  readonly depth: number;
}

export interface DaneFailure {
  /** TLS-RPT result type (RFC 8460 §4.3.1). */
  readonly resultType: 'validation-failure' | 'certificate-host-mismatch' | 'certificate-expired';
  readonly detail: string;
}

export interface VerifyDaneOptions {
  /** Reference identifiers for DANE-TA (DanePolicy.hostnames). */
  readonly hostnames: readonly string[];
  /** The time certificates must be valid at (DANE-TA); default now. */
  readonly now?: Date;
}

/**
 * Checks a presented chain (server certificate first) against TLSA records (RFC 7672 §3.1).
 * DANE-EE(3): the server certificate or key matches; no name or date checks (§3.1.1).
 * DANE-TA(2): a certificate of the chain (or, for a full SPKI record, the key that signed one)
 * matches, the chain up to it is signed link by link and valid now, and the server certificate
 * names one of the reference identifiers (§3.1.2, §3.2.3).
 */
export function verifyDane(chain: readonly X509Certificate[], records: readonly TlsaRecord[], options: VerifyDaneOptions): Result<DaneMatch, DaneFailure> {
  const usable = records.filter(isUsable);
  if (chain.length === 0) return err({ resultType: 'validation-failure', detail: 'no certificate presented' });
  for (const record of usable) {
    if (record.usage === USAGE.DANE_EE && chain[0] && matches(chain[0], record)) return ok({ record, depth: 0 });
  }
  let nearMiss: DaneFailure | undefined;
  for (const record of usable) {
    if (record.usage !== USAGE.DANE_TA) continue;
    for (let depth = 1; depth < chain.length; depth++) {
      const anchor = chain[depth];
      if (!anchor || !matches(anchor, record)) continue;
      const verdict = checkPath(chain, depth, options);
      if (verdict === undefined) return ok({ record, depth });
      nearMiss ??= verdict;
    }
    // A full public key need not be in the chain (RFC 7671 §5.2.2): accept a chain it signed.
    const key = record.selector === SELECTOR.SPKI && record.matchingType === MATCHING.FULL ? spkiKey(record.data) : undefined;
    if (!key) continue;
    for (let depth = 0; depth < chain.length; depth++) {
      const top = chain[depth];
      if (!top || !safeVerify(top, key)) continue;
      const verdict = checkPath(chain, depth, options, true);
      if (verdict === undefined) return ok({ record, depth: depth + 1 });
      nearMiss ??= verdict;
    }
  }
  return err(nearMiss ?? { resultType: 'validation-failure', detail: 'no TLSA record matches the certificate chain' });
}

/** Problems with the path chain[0..top] (top = the trust anchor, or signed by it); undefined if sound. */
function checkPath(chain: readonly X509Certificate[], top: number, options: VerifyDaneOptions, topIsBelowAnchor = false): DaneFailure | undefined {
  for (let i = 0; i < top; i++) {
    const child = chain[i];
    const parent = chain[i + 1];
    if (!child || !parent || !child.checkIssued(parent) || !safeVerify(child, parent.publicKey)) {
      return { resultType: 'validation-failure', detail: `certificate ${i} is not signed by certificate ${i + 1}` };
    }
  }
  const now = options.now ?? new Date();
  // The anchor's own dates do not matter (RFC 7671 §5.2.2); a certificate below it must be current.
  for (let i = 0; i < (topIsBelowAnchor ? top + 1 : top); i++) {
    const cert = chain[i];
    if (cert && (now < cert.validFromDate || now > cert.validToDate)) {
      return { resultType: 'certificate-expired', detail: `certificate ${i} is not valid at ${now.toISOString()}` };
    }
  }
  const leaf = chain[0];
  const named = leaf !== undefined && options.hostnames.some((name) => leaf.checkHost(name, { subject: 'default', wildcards: true, partialWildcards: false, multiLabelWildcards: false }) !== undefined);
  if (!named) return { resultType: 'certificate-host-mismatch', detail: `certificate names none of ${options.hostnames.join(', ')}` };
  return undefined;
}

function matches(cert: X509Certificate, record: TlsaRecord): boolean {
  const selected = record.selector === SELECTOR.CERT ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
  const digest =
    record.matchingType === MATCHING.SHA2_256 ? createHash('sha256').update(selected).digest() : record.matchingType === MATCHING.SHA2_512 ? createHash('sha512').update(selected).digest() : selected;
  return Buffer.compare(digest, record.data) === 0;
}

function spkiKey(der: Uint8Array): KeyObject | undefined {
  try {
    return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

function safeVerify(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.verify(key);
  } catch {
    return false;
  }
}

/** The chain a TLS peer presented, server certificate first (for verifyDane). */
export function peerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  let current = socket.getPeerCertificate(true);
  while (chain.length < MAX_CHAIN_LENGTH && current && current.raw) {
    if (seen.has(current.fingerprint256)) break;
    seen.add(current.fingerprint256);
    chain.push(new X509Certificate(current.raw));
    current = current.issuerCertificate;
  }
  return chain;
}

/** A TLSA record in presentation form, "3 1 1 <HEX>" (RFC 6698 §2.2), as TLS-RPT policy-string shows it. */
export function tlsaText(record: TlsaRecord): string {
  return `${record.usage} ${record.selector} ${record.matchingType} ${Buffer.from(record.data).toString('hex').toUpperCase()}`;
}
