// Fetching an MTA-STS policy file (RFC 8461 §3.3): HTTPS GET of
// https://mta-sts.<domain>/.well-known/mta-sts.txt with a certificate valid for the policy host,
// no redirects, only 200, media type text/plain, bounded in size and time. The policy host is
// resolved through our Resolver (so tests can point it at loopback) and the trusted CAs can be
// extended (a test CA). Untrusted input: DNS answers and everything the web server sends.

import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { err, ok, type Result } from '../core/result.ts';
import type { AddressRecord, Resolver } from '../dns/resolver.ts';

export const POLICY_PATH = '/.well-known/mta-sts.txt';
/** RFC 8461 §3.3: senders may limit the body; 64 KiB is its example. */
export const MAX_POLICY_OCTETS = 64 * 1024;
/** RFC 8461 §3.3: a timeout well above expected latencies; one minute. */
export const DEFAULT_FETCH_TIMEOUT_MS = 60_000;
/** Addresses of the policy host tried before giving up. */
export const MAX_POLICY_HOST_ADDRESSES = 4;

export interface PolicyFetchFailure {
  /** TLS-RPT result type (RFC 8460 §4.3.2.2). */
  readonly resultType: 'sts-policy-fetch-error' | 'sts-webpki-invalid' | 'sts-policy-invalid';
  readonly detail: string;
}

/** Fetches the policy file body for a Policy Domain. Injectable: tests may serve it any way. */
export interface PolicyFetcher {
  fetch(domain: string): Promise<Result<string, PolicyFetchFailure>>;
}

export interface HttpsPolicyFetcherOptions {
  readonly resolver: Resolver;
  /** PEM certificates trusted in addition to Node's bundled roots (a test CA). */
  readonly extraCa?: string | readonly string[];
  /** HTTPS port; 443 except in tests. */
  readonly port?: number;
  readonly timeoutMs?: number;
  readonly maxOctets?: number;
}

/** OpenSSL verification errors: the policy host could not be authenticated (RFC 8461 §3.3). */
const WEBPKI_ERRORS = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Connection failures after which the next address is worth trying. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ECONNRESET']);

type Attempt = Result<string, PolicyFetchFailure & { readonly retryable: boolean }>;

export function httpsPolicyFetcher(options: HttpsPolicyFetcherOptions): PolicyFetcher {
  const extra = options.extraCa === undefined ? [] : typeof options.extraCa === 'string' ? [options.extraCa] : [...options.extraCa];
  const ca = extra.length > 0 ? [...rootCertificates, ...extra] : undefined;
  const settings = {
    ca,
    port: options.port ?? 443,
    timeoutMs: options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
    maxOctets: options.maxOctets ?? MAX_POLICY_OCTETS,
  };
  return {
    async fetch(domain: string): Promise<Result<string, PolicyFetchFailure>> {
      const host = `mta-sts.${domain}`;
      const addresses = await options.resolver.addresses(host);
      if (!addresses.ok) return err({ resultType: 'sts-policy-fetch-error', detail: `${host}: ${addresses.detail}` });
      let last: PolicyFetchFailure = { resultType: 'sts-policy-fetch-error', detail: `${host} has no addresses` };
      for (const address of addresses.value.slice(0, MAX_POLICY_HOST_ADDRESSES)) {
        const attempt = await getOnce(host, address, settings);
        if (attempt.ok) return attempt;
        last = { resultType: attempt.error.resultType, detail: attempt.error.detail };
        if (!attempt.error.retryable) break;
      }
      return err(last);
    },
  };
}

interface Settings {
  readonly ca: string[] | undefined;
  readonly port: number;
  readonly timeoutMs: number;
  readonly maxOctets: number;
}

function getOnce(host: string, address: AddressRecord, settings: Settings): Promise<Attempt> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const fail = (resultType: PolicyFetchFailure['resultType'], detail: string, retryable = false) =>
      finish(err({ resultType, detail: `https://${host}${POLICY_PATH} (${address.address}): ${detail}`, retryable }));
    const req = request({
      host: address.address,
      family: address.family,
      port: settings.port,
      path: POLICY_PATH,
      method: 'GET',
      servername: host, // SNI and the name the certificate must carry
      headers: { host: settings.port === 443 ? host : `${host}:${settings.port}`, accept: 'text/plain' },
      ...(settings.ca ? { ca: settings.ca } : {}),
      rejectUnauthorized: true,
      agent: false,
      timeout: settings.timeoutMs,
    });
    const timer = setTimeout(() => fail('sts-policy-fetch-error', `no complete reply within ${settings.timeoutMs} ms`), settings.timeoutMs);
    req.on('timeout', () => fail('sts-policy-fetch-error', 'connection idle too long'));
    req.on('error', (error: Error & { code?: string }) => {
      const code = error.code ?? '';
      if (WEBPKI_ERRORS.has(code)) fail('sts-webpki-invalid', `certificate not valid: ${code}`);
      else fail('sts-policy-fetch-error', `${code || 'error'}: ${error.message}`, CONNECT_ERRORS.has(code));
    });
    req.on('response', (res: IncomingMessage) => {
      // RFC 8461 §3.3: only 200 counts; redirects are not followed.
      if (res.statusCode !== 200) return fail('sts-policy-fetch-error', `HTTP status ${res.statusCode ?? '?'}`);
      const mediaType = (res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      // RFC 8461 §3.2: the policy is served as text/plain.
      if (mediaType !== 'text/plain') return fail('sts-policy-invalid', `media type ${JSON.stringify(mediaType ?? '')}, expected text/plain`);
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > settings.maxOctets) return fail('sts-policy-fetch-error', `policy larger than ${settings.maxOctets} octets`);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > settings.maxOctets) return fail('sts-policy-fetch-error', `policy larger than ${settings.maxOctets} octets`);
        chunks.push(chunk);
      });
      res.on('end', () => finish(ok(Buffer.concat(chunks).toString('utf8'))));
      res.on('error', (error: Error) => fail('sts-policy-fetch-error', error.message));
      res.on('close', () => {
        if (!res.complete) fail('sts-policy-fetch-error', 'connection closed before the whole policy arrived');
      });
    });
    req.end();
  });
}
