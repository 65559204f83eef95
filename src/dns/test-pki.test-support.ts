// Test support: a throwaway PKI (a root CA, intermediates, server certificates) made with
// selfsigned, for TLS tests on loopback: MTA-STS policy hosts and DANE-matched SMTP servers.

import { X509Certificate } from 'node:crypto';
import selfsigned from 'selfsigned';

export interface TestCertificate {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
  readonly x509: X509Certificate;
}

export interface CertificateOptions {
  /** Signed by this CA; self-signed when absent. */
  readonly issuer?: TestCertificate;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

const DAY_MS = 86_400_000;

async function make(commonName: string, isCa: boolean, hostnames: readonly string[], options: CertificateOptions): Promise<TestCertificate> {
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY_MS);
  const notAfter = options.notAfter ?? new Date(Date.now() + 30 * DAY_MS);
  const pems = await selfsigned.generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: isCa
      ? [
          { name: 'basicConstraints', cA: true, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
        ]
      : [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: hostnames.map((value) => ({ type: 2 as const, value })) },
        ],
    ...(options.issuer ? { ca: { key: options.issuer.key, cert: options.issuer.cert } } : {}),
  });
  const cert = pems.cert.endsWith('\n') ? pems.cert : `${pems.cert}\n`;
  return { cert, key: pems.private, x509: new X509Certificate(cert) };
}

/** A CA certificate: a root when no issuer is given, else an intermediate. */
export function makeCa(commonName: string, options: CertificateOptions = {}): Promise<TestCertificate> {
  return make(commonName, true, [], options);
}

/** A server certificate for the given DNS names. */
export function makeServerCertificate(hostnames: readonly string[], options: CertificateOptions = {}): Promise<TestCertificate> {
  return make(hostnames[0] ?? 'server', false, hostnames, options);
}
