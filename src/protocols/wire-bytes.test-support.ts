// Byte helpers shared by the SMTP, IMAP and POP3 wire tests and test clients: byte strings
// written as text, and the ways of splitting input that house rule 2 asks every incremental
// reader to survive (one byte at a time, random cut points). Not a test file itself.

import fc from 'fast-check';

/** Latin-1 bytes of a test string: each character one octet (escapes like "\x00" included). */
export function bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new RangeError('bytes(): use utf8() for text beyond Latin-1');
    out[i] = code;
  }
  return out;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Latin-1 view of bytes, for readable assertions. */
export function latin1(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Every byte as its own push. */
export function oneByteAtATime(data: Uint8Array): Uint8Array[] {
  return Array.from(data, (byte) => Uint8Array.of(byte));
}

/** Cuts `data` at the given offsets (sorted, deduplicated, clamped). */
export function splitAt(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => Math.max(0, Math.min(data.length, cut))))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let previous = 0;
  for (const point of points) {
    parts.push(data.slice(previous, point));
    previous = point;
  }
  parts.push(data.slice(previous));
  return parts;
}

/** Random cut points for data of up to `max` octets. */
export const cuts = (max: number) => fc.array(fc.nat({ max }), { maxLength: 12 });
