// VERP-style return paths (variable envelope return path): the MAIL FROM of each outgoing
// message and recipient is `<prefix>+<token>@<sender domain>`, where the token carries the
// queue id and the recipient's index in the queue entry, authenticated with an HMAC. A bounce
// that comes back to that address names its message and recipient; a forged or mangled one
// names nothing (decodeVerp gives undefined), so it cannot mark a recipient as bounced.
//
// Input it does not trust: the address given to decodeVerp (anyone can send mail to a bounce
// address). Nothing here throws on input; encodeVerp returns an error value for inputs it cannot
// represent within the limits.
//
// Standards: RFC 5321 §4.5.3.1.1 (a local part is at most 64 octets) and §4.5.3.1.3 (a path at
// most 256 octets, so an address at most 254), RFC 5322 §3.2.3 (the token uses only atext
// characters: lower-case letters and digits), RFC 4648 §6 (base32, written in lower case and
// without padding: case-insensitive, since some MTAs lowercase local parts, and without "+", so
// the one "+" is the separator), RFC 2104 (HMAC; SHA-256 truncated to MAC_OCTETS, RFC 2104 §5).
//
// Token octets: VERP_VERSION, the recipient index as an unsigned LEB128 varint, the queue id in
// UTF-8, then the MAC over "postwarden-verp" NUL domain NUL (all octets before the MAC): the
// domain is bound too, so a token only counts at the domain it was made for.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { err, ok, type Result } from '../core/result.ts';
import { MAX_ADDRESS_OCTETS, MAX_LOCAL_PART_OCTETS, normalizeDomain } from './address.ts';

/** First token octet; a later layout gets a new number. */
export const VERP_VERSION = 1;
/** HMAC-SHA256 truncated to 80 bits (RFC 2104 §5 allows truncation to at least 80 bits). */
export const MAC_OCTETS = 10;
/** Largest recipient index: the varint then takes at most 5 octets. */
export const MAX_RECIPIENT_INDEX = 0xffff_ffff;
/** The separator between the prefix and the token. */
export const VERP_SEPARATOR = '+';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** A prefix: a dot-atom of letters, digits, "-" and "_" (no "+", which is the separator). */
const PREFIX = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const MAC_LABEL = 'postwarden-verp';

export interface VerpInput {
  /** The local part before the separator, e.g. "bounces". */
  readonly localPart: string;
  /** The sender's domain (U-labels are converted to A-labels). */
  readonly domain: string;
  readonly queueId: string;
  /** The recipient's position in the queue entry, from 0. */
  readonly recipientIndex: number;
  /** The HMAC key; keep it secret and stable (a new one orphans bounces of mail in flight). */
  readonly secret: string | Uint8Array;
}

export interface VerpAddress {
  /** The prefix as written in the address. */
  readonly localPart: string;
  /** Canonical domain (lower-case A-labels). */
  readonly domain: string;
  readonly queueId: string;
  readonly recipientIndex: number;
}

export type VerpError = 'invalid-local-part' | 'invalid-domain' | 'invalid-queue-id' | 'invalid-recipient-index' | 'too-long';

/** RFC 4648 §6 base32, lower case, no padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes base32 in either case; undefined for any other character, for a length no encoding
 * has, or for non-zero padding bits (only the canonical spelling of a token is accepted).
 */
export function base32Decode(text: string): Uint8Array | undefined {
  const remainder = text.length % 8;
  if (remainder === 1 || remainder === 3 || remainder === 6) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // ASCII letters only are folded: toLowerCase() would also map U+212A KELVIN SIGN to "k".
    const value = code < 0x80 ? BASE32.indexOf(String.fromCharCode(code >= 0x41 && code <= 0x5a ? code + 0x20 : code)) : -1;
    if (value < 0) return undefined;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[n++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    const low = rest % 128;
    rest = Math.floor(rest / 128);
    out.push(rest > 0 ? low | 0x80 : low);
  } while (rest > 0);
  return out;
}

function mac(secret: string | Uint8Array, domain: string, payload: Uint8Array): Uint8Array {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${MAC_LABEL}\0${domain}\0`);
  hmac.update(payload);
  return hmac.digest().subarray(0, MAC_OCTETS);
}

/** The return path `<localPart>+<token>@<domain>` for one recipient of a queued message. */
export function encodeVerp(input: VerpInput): Result<string, VerpError> {
  if (!PREFIX.test(input.localPart)) return err('invalid-local-part');
  const domain = normalizeDomain(input.domain);
  if (!domain.ok) return err('invalid-domain');
  const index = input.recipientIndex;
  if (!Number.isSafeInteger(index) || index < 0 || index > MAX_RECIPIENT_INDEX) return err('invalid-recipient-index');
  if (input.queueId.length === 0 || !input.queueId.isWellFormed()) return err('invalid-queue-id');
  const payload = Buffer.concat([Buffer.from([VERP_VERSION, ...varint(index)]), Buffer.from(input.queueId, 'utf8')]);
  const token = base32Encode(Buffer.concat([payload, mac(input.secret, domain.value, payload)]));
  const local = `${input.localPart}${VERP_SEPARATOR}${token}`;
  // RFC 5321 §4.5.3.1.1 and §4.5.3.1.3.
  if (local.length > MAX_LOCAL_PART_OCTETS) return err('too-long');
  const address = `${local}@${domain.value}`;
  if (address.length > MAX_ADDRESS_OCTETS) return err('too-long');
  return ok(address);
}

/** Reads a varint at `offset`: [value, next offset], or undefined when it is not one. */
function readVarint(bytes: Uint8Array, offset: number): [number, number] | undefined {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < bytes.length && i < offset + 5; i++) {
    const byte = bytes[i] ?? 0;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) {
      // Only the shortest encoding (no trailing zero group) is canonical.
      if (i > offset && byte === 0) return undefined;
      return value <= MAX_RECIPIENT_INDEX ? [value, i + 1] : undefined;
    }
  }
  return undefined;
}

/**
 * The queue id and recipient index a VERP address names, when its MAC is right for `secret`;
 * undefined for every other address (no token, a mangled or forged one, another domain's).
 * Accepts the address with or without angle brackets, in any letter case.
 */
export function decodeVerp(address: string, secret: string | Uint8Array): VerpAddress | undefined {
  if (address.length > MAX_ADDRESS_OCTETS + 2) return undefined;
  const bare = address.startsWith('<') && address.endsWith('>') ? address.slice(1, -1) : address;
  const at = bare.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = bare.slice(0, at);
  const domain = normalizeDomain(bare.slice(at + 1));
  if (!domain.ok) return undefined;
  const separator = local.lastIndexOf(VERP_SEPARATOR);
  if (separator <= 0 || local.length > MAX_LOCAL_PART_OCTETS) return undefined;
  const prefix = local.slice(0, separator);
  if (!PREFIX.test(prefix)) return undefined;
  const bytes = base32Decode(local.slice(separator + 1));
  if (!bytes || bytes.length < 2 + MAC_OCTETS + 1 || bytes[0] !== VERP_VERSION) return undefined;
  const payload = bytes.subarray(0, bytes.length - MAC_OCTETS);
  const expected = mac(secret, domain.value, payload);
  if (!timingSafeEqual(expected, bytes.subarray(bytes.length - MAC_OCTETS))) return undefined;
  const index = readVarint(payload, 1);
  if (!index) return undefined;
  const queueBytes = payload.subarray(index[1]);
  let queueId: string;
  try {
    queueId = new TextDecoder('utf-8', { fatal: true }).decode(queueBytes);
  } catch {
    return undefined; // A MAC we made always covers UTF-8; this only guards the decoder.
  }
  if (queueId.length === 0) return undefined;
  return { localPart: prefix, domain: domain.value, queueId, recipientIndex: index[0] };
}
