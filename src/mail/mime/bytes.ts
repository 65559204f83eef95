// Octet helpers shared by the message model: binary strings (one UTF-16 unit per octet) over
// message bytes, and the choice between a decoded string and raw octets for an IMAP value.
// Input is untrusted message bytes; nothing here throws on content.

import type { ImapValue } from './types.ts';

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const TAB = 0x09;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The octets [start, end) as a binary string. */
export function binaryString(raw: Uint8Array, start = 0, end = raw.length): string {
  return bufferView(raw).toString('latin1', start, end);
}

/** The octets of a binary string. */
export function binaryBytes(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, 'latin1'));
}

/** True when a binary string holds only US-ASCII. */
export function isAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) >= 0x80) return false;
  return true;
}

/**
 * A binary string as an IMAP value: the decoded text when its octets are US-ASCII or valid UTF-8
 * (RFC 6532 §3.2 allows UTF-8 in header values), otherwise the octets themselves, so a server
 * sends exactly what the message holds (as Dovecot does).
 */
export function imapText(value: string): string | Uint8Array {
  if (isAscii(value)) return value;
  const bytes = binaryBytes(value);
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes;
  }
}

export function imapNText(value: string | undefined): ImapValue {
  return value === undefined ? null : imapText(value);
}

/** A Buffer over the same memory (Buffer.indexOf is a fast octet search). */
export function bufferView(raw: Uint8Array): Buffer {
  return Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** Line feeds in [start, end). */
export function countLines(raw: Uint8Array, start: number, end: number): number {
  const view = bufferView(raw).subarray(start, end);
  let count = 0;
  let i = 0;
  for (;;) {
    const lf = view.indexOf(LF, i);
    if (lf < 0) return count;
    count++;
    i = lf + 1;
  }
}
