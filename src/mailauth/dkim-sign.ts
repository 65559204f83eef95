// DKIM signing of outgoing mail from our domains: one DKIM-Signature per key (RSA-SHA256 and,
// RFC 8463, Ed25519-SHA256), relaxed/relaxed, over the usual header list with From oversigned.
// A thin layer over mailauth's DKIM code: its header parser, body canonicalizer and hasher,
// header canonicalization and signature formatting (the same pieces its dkimSign runs). We
// assemble them ourselves only because dkimSign cannot oversign: it lists each header field it
// finds, never one more instance than exists, and an h= name for a field that is absent is what
// stops anyone from adding that field later (RFC 6376 §5.4.2, §8.15).
//
// What is signed is what is sent: the message gets CRLF line ends first (bare CR and bare LF
// become CRLF, and a last line gets its CRLF, exactly as the SMTP client's DATA encoder sends
// them), and that normalized message, signatures prepended, is returned. Dot-stuffing on the
// wire is undone by the receiver, so the signature survives DATA and BDAT alike.
//
// Input it does not trust: the message (any octets). Keys come from our storage; a key that is
// unusable (bad PEM, wrong type, invalid domain or selector) is skipped and reported, never
// thrown. A message without From gets no signature (RFC 6376 §5.4: From MUST be signed).
//
// Standards: RFC 6376 §3.4.2 / §3.4.4 (relaxed canonicalization), §3.5 (tags: v, a, c, d, s, h,
// t, bh, b), §3.7 (hash computation), §5.4 / §5.4.2 (header selection, oversigning), §5.6
// (prepended), RFC 8301 §3.2 (RSA keys of at least 1024 bits), RFC 8463 §3 (Ed25519-SHA256:
// the signature is made over the SHA-256 hash of the canonicalized header).

import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { normalizeDomain } from '../mail/address.ts';
import { headerEnd } from '../mail/header.ts';
import { toCrlf } from '../mail/line-endings.ts';

export type DkimSignAlgorithm = 'rsa-sha256' | 'ed25519-sha256';

export interface DkimSigningKey {
  /** The d= domain (U-labels are converted to A-labels). */
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: DkimSignAlgorithm;
  /** PKCS#8 PEM (mail/dkim-key.ts). */
  readonly privateKeyPem: string;
}

export interface DkimSignOptions {
  /** Header fields to sign when present; default DEFAULT_SIGNED_HEADERS. */
  readonly headers?: readonly string[];
  /** Fields named once more than they occur (RFC 6376 §5.4.2); default OVERSIGNED_HEADERS. */
  readonly oversign?: readonly string[];
  /** The t= time; default now. */
  readonly time?: Date;
}

export type DkimSignErrorCode = 'no-from' | 'invalid-domain' | 'invalid-selector' | 'invalid-key' | 'key-type-mismatch' | 'weak-key' | 'sign-failed';

export interface DkimSignError {
  readonly code: DkimSignErrorCode;
  readonly domain: string;
  readonly selector: string;
  readonly message: string;
}

export interface DkimSignReport {
  /** The message as it must be sent: CRLF line ends, signatures first. */
  readonly message: Uint8Array;
  /** Signatures added. */
  readonly signed: number;
  readonly errors: readonly DkimSignError[];
}

/**
 * The fields signed when present (RFC 6376 §5.4.1 recommends From, Reply-To, Subject, Date, To,
 * Cc, Resent-*, In-Reply-To, References, List-*, and the MIME fields).
 */
export const DEFAULT_SIGNED_HEADERS: readonly string[] = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc',
  'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding', 'Content-ID', 'Content-Description',
  'Resent-Date', 'Resent-From', 'Resent-Sender', 'Resent-To', 'Resent-Cc', 'Resent-Message-ID',
  'In-Reply-To', 'References',
  'List-Id', 'List-Help', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'List-Subscribe', 'List-Post', 'List-Owner', 'List-Archive',
  'Feedback-ID', 'BIMI-Selector',
];
/** RFC 6376 §8.15: a second From cannot be slipped in above a signed one. */
export const OVERSIGNED_HEADERS: readonly string[] = ['From'];
/** RFC 8301 §3.2. */
export const MIN_RSA_BITS = 1024;

// mailauth's DKIM building blocks (mailauth/lib/tools.js, lib/dkim/body, lib/dkim/header), the
// ones its DkimSigner uses; they have no type declarations, so their shapes are stated here.
interface HeaderRow {
  readonly key: string | null;
  readonly casedKey?: string;
  readonly line: Buffer;
}
interface SigningHeaderLines {
  keys: string;
  headers: HeaderRow[];
}
interface MailauthTools {
  parseHeaders(buf: Buffer): { parsed: HeaderRow[] };
  getSigningHeaderLines(parsed: HeaderRow[], fieldNames: string): SigningHeaderLines;
  formatSignatureHeaderLine(type: 'DKIM', values: Record<string, unknown>, folded: boolean): string;
}
interface MailauthBody {
  dkimBody(canonicalization: 'relaxed', algorithm: 'sha256', maxBodyLength: false): { update(chunk: Buffer): void; digest(encoding: 'base64'): string };
}
interface MailauthHeader {
  generateCanonicalizedHeader(
    type: 'DKIM',
    lines: SigningHeaderLines,
    options: Record<string, unknown>,
  ): { canonicalizedHeader: Buffer; dkimHeaderOpts: Record<string, unknown> };
}

const load = createRequire(import.meta.url);
const tools = load('mailauth/lib/tools.js') as MailauthTools;
const body = load('mailauth/lib/dkim/body/index.js') as MailauthBody;
const header = load('mailauth/lib/dkim/header/index.js') as MailauthHeader;

/** RFC 6376 §3.1 selector: dot-separated sub-domain labels. */
const SELECTOR = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** A header field name (RFC 5322 §3.6.8). */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

function fieldList(names: readonly string[]): string[] {
  return names.filter((name) => FIELD_NAME.test(name));
}

type KeyCheck = { readonly ok: true; readonly key: KeyObject; readonly domain: string } | { readonly ok: false; readonly code: DkimSignErrorCode; readonly message: string };

interface ParsedKey {
  readonly key: KeyObject;
  readonly type: string | undefined;
  readonly bits: number;
}

/** Parsed private keys by PEM: parsing costs more than signing, and a domain's keys rarely change. */
const parsedKeys = new Map<string, ParsedKey>();
const PARSED_KEYS_MAX = 256;

function parseKey(pem: string): ParsedKey {
  const cached = parsedKeys.get(pem);
  if (cached) return cached;
  const key = createPrivateKey(pem);
  const parsed = { key, type: key.asymmetricKeyType, bits: key.asymmetricKeyDetails?.modulusLength ?? 0 };
  if (parsedKeys.size >= PARSED_KEYS_MAX) parsedKeys.clear();
  parsedKeys.set(pem, parsed);
  return parsed;
}

/** crypto.sign with a callback runs on the thread pool: RSA never blocks the event loop. */
function signOffThread(algorithm: string | null, data: Buffer, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => sign(algorithm, data, key, (error, signature) => (error ? reject(error) : resolve(signature))));
}

function checkKey(key: DkimSigningKey): KeyCheck {
  const domain = normalizeDomain(key.domain);
  if (!domain.ok) return { ok: false, code: 'invalid-domain', message: domain.error };
  if (!SELECTOR.test(key.selector)) return { ok: false, code: 'invalid-selector', message: `"${key.selector}" is not a valid selector` };
  let parsed: ParsedKey;
  try {
    parsed = parseKey(key.privateKeyPem);
  } catch (error) {
    return { ok: false, code: 'invalid-key', message: `the private key cannot be read: ${(error as Error).message}` };
  }
  const privateKey = parsed.key;
  const type = parsed.type;
  const expected = key.algorithm === 'rsa-sha256' ? 'rsa' : 'ed25519';
  if (type !== expected) return { ok: false, code: 'key-type-mismatch', message: `a ${type ?? 'unknown'} key cannot sign ${key.algorithm}` };
  const bits = parsed.bits;
  if (type === 'rsa' && bits < MIN_RSA_BITS) return { ok: false, code: 'weak-key', message: `RSA keys need at least ${MIN_RSA_BITS} bits (RFC 8301 §3.2), this one has ${bits}` };
  return { ok: true, key: privateKey, domain: domain.value };
}

/** Signs `raw` with every usable key; the report says which keys failed and why. */
export async function signMessageReport(raw: Uint8Array, keys: readonly DkimSigningKey[], options: DkimSignOptions = {}): Promise<DkimSignReport> {
  const message = Buffer.from(toCrlf(raw, true));
  const errors: DkimSignError[] = [];
  const fail = (key: DkimSigningKey, code: DkimSignErrorCode, text: string) => errors.push({ code, domain: key.domain, selector: key.selector, message: text });
  const end = headerEnd(message);
  const parsed = tools.parseHeaders(message.subarray(0, end)).parsed;
  if (!parsed.some((row) => row.key === 'from')) {
    for (const key of keys) fail(key, 'no-from', 'the message has no From field (RFC 6376 §5.4)');
    return { message, signed: 0, errors };
  }

  // RFC 6376 §3.4.4 relaxed body canonicalization, §3.7 body hash (the same for every key).
  const hasher = body.dkimBody('relaxed', 'sha256', false);
  hasher.update(message.subarray(end));
  const bodyHash = hasher.digest('base64');

  const signed = fieldList(options.headers ?? DEFAULT_SIGNED_HEADERS);
  if (!signed.some((name) => name.toLowerCase() === 'from')) signed.unshift('From');
  const oversigned = fieldList(options.oversign ?? OVERSIGNED_HEADERS);
  const time = options.time ?? new Date();
  const timestamp = Math.floor(time.getTime() / 1000);

  // Every key's signature is made at once on the thread pool; they are prepended in key order.
  const made = await Promise.all(
    keys.map(async (key): Promise<string | undefined> => {
      const check = checkKey(key);
      if (!check.ok) {
        fail(key, check.code, check.message);
        return undefined;
      }
      try {
        // RFC 6376 §5.4.2: each present instance from the bottom up, then one more of each oversigned name.
        const lines = tools.getSigningHeaderLines(parsed, signed.join(':'));
        const selected: SigningHeaderLines = { keys: [lines.keys, ...oversigned].filter((k) => k !== '').join(': '), headers: lines.headers };
        const { canonicalizedHeader, dkimHeaderOpts } = header.generateCanonicalizedHeader('DKIM', selected, {
          signingDomain: check.domain,
          selector: key.selector,
          algorithm: key.algorithm,
          canonicalization: 'relaxed/relaxed',
          bodyHash,
          timestamp: Number.isSafeInteger(timestamp) && timestamp >= 0 ? timestamp : false,
          expiration: false,
        });
        // RFC 8463 §3: Ed25519 signs the SHA-256 hash; RSA signs with SHA-256 (RFC 6376 §3.3.1).
        const signature =
          key.algorithm === 'rsa-sha256'
            ? await signOffThread('sha256', canonicalizedHeader, check.key)
            : await signOffThread(null, createHash('sha256').update(canonicalizedHeader).digest(), check.key);
        return `${tools.formatSignatureHeaderLine('DKIM', { ...dkimHeaderOpts, b: signature.toString('base64') }, true)}\r\n`;
      } catch (error) {
        fail(key, 'sign-failed', (error as Error).message);
        return undefined;
      }
    }),
  );
  const signatures = made.filter((line): line is string => line !== undefined);
  // RFC 6376 §5.6: the signatures go in front of the message.
  const out = signatures.length === 0 ? message : Buffer.concat([Buffer.from(signatures.join(''), 'latin1'), message]);
  return { message: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), signed: signatures.length, errors };
}

/** The message with one DKIM-Signature per usable key prepended (signMessageReport without the report). */
export async function signMessage(raw: Uint8Array, keys: readonly DkimSigningKey[], options: DkimSignOptions = {}): Promise<Uint8Array> {
  return (await signMessageReport(raw, keys, options)).message;
}
