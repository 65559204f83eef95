// TLS material: the certificate and key from the config (tls.cert, tls.key), or a self-signed
// pair kept in data_dir/tls and generated on first start (or when it has expired). Every
// listener and STARTTLS upgrade takes its SecureContext from one TlsProvider, which reloads the
// files on SIGHUP (certificate renewal without a restart). TLS 1.2 is the minimum (RFC 8996
// deprecates 1.0 and 1.1; RFC 8314 §4.1 for mail).

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext, type SecureContext, type SecureVersion } from 'node:tls';
import { UserError } from '../core/user-error.ts';

export const TLS_DIRECTORY = 'tls';
export const SELF_SIGNED_CERT = 'cert.pem';
export const SELF_SIGNED_KEY = 'key.pem';
/** Validity of a generated self-signed certificate. */
export const SELF_SIGNED_DAYS = 825;

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

export interface TlsSettings {
  readonly hostname: string;
  readonly dataDir: string;
  /** From the config; empty strings mean "self-signed in data_dir". */
  readonly cert: string;
  readonly key: string;
  readonly minVersion: SecureVersion;
}

/** Writes a file durably: temporary file, fsync, rename. Mode 0600 for keys. */
async function writeFileDurably(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  const handle = await open(temporary, 'w', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

/** Generates a self-signed certificate for `hostname` (plus localhost names) into `dir`. */
export async function generateSelfSigned(hostname: string, dir: string): Promise<TlsFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const names = [...new Set([hostname, 'localhost'])];
  const altNames = [
    ...names.map((name) => (isIP(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name })),
    { type: 7 as const, ip: '127.0.0.1' },
    { type: 7 as const, ip: '::1' },
  ];
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + SELF_SIGNED_DAYS * 86_400_000);
  const { default: selfsigned } = await import('selfsigned');
  const pems = await selfsigned.generate([{ name: 'commonName', value: hostname }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  const files = { cert: join(dir, SELF_SIGNED_CERT), key: join(dir, SELF_SIGNED_KEY) };
  await writeFileDurably(files.key, pems.private, 0o600);
  await writeFileDurably(files.cert, pems.cert, 0o644);
  return files;
}

function selfSignedUsable(files: TlsFiles): boolean {
  if (!existsSync(files.cert) || !existsSync(files.key)) return false;
  try {
    const cert = new X509Certificate(readFileSync(files.cert));
    return new Date(cert.validTo).getTime() > Date.now() + 86_400_000;
  } catch {
    return false;
  }
}

/** The files to use: the configured ones, or the self-signed pair (created when needed). */
export async function resolveTlsFiles(settings: TlsSettings): Promise<TlsFiles> {
  if (settings.cert !== '') return { cert: settings.cert, key: settings.key };
  const dir = join(settings.dataDir, TLS_DIRECTORY);
  const files = { cert: join(dir, SELF_SIGNED_CERT), key: join(dir, SELF_SIGNED_KEY) };
  return selfSignedUsable(files) ? files : generateSelfSigned(settings.hostname, dir);
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UserError(`cannot read the TLS ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly minVersion: SecureVersion;
  readonly context: SecureContext;
  /** Subject and expiry, for logs. */
  readonly summary: string;
}

/** Reads and checks the certificate and key; a mismatch or bad PEM is a UserError. */
export function loadTlsMaterial(files: TlsFiles, minVersion: SecureVersion): TlsMaterial {
  const cert = readPem(files.cert, 'certificate');
  const key = readPem(files.key, 'key');
  let summary: string;
  try {
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error('the key does not belong to the certificate');
    summary = `${x509.subject.replace(/\n/g, ', ')} (valid until ${new Date(x509.validTo).toISOString()})`;
  } catch (error) {
    throw new UserError(`the TLS certificate ${files.cert} or key ${files.key} is not usable: ${(error as Error).message}`);
  }
  const context = createSecureContext({ cert, key, minVersion });
  return { cert, key, minVersion, context, summary };
}

/** Holds the current TLS material; listeners read it at each handshake, so a reload applies at once. */
export class TlsProvider {
  private material: TlsMaterial;
  private readonly files: TlsFiles;
  private readonly listeners = new Set<(material: TlsMaterial) => void>();

  constructor(files: TlsFiles, material: TlsMaterial) {
    this.files = files;
    this.material = material;
  }

  static async create(settings: TlsSettings): Promise<TlsProvider> {
    const files = await resolveTlsFiles(settings);
    return new TlsProvider(files, loadTlsMaterial(files, settings.minVersion));
  }

  get current(): TlsMaterial {
    return this.material;
  }

  /** Re-reads the files; on failure the old material stays in use and the error is thrown. */
  reload(): TlsMaterial {
    this.material = loadTlsMaterial(this.files, this.material.minVersion);
    for (const listener of this.listeners) listener(this.material);
    return this.material;
  }

  onReload(listener: (material: TlsMaterial) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
