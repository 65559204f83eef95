// Structural comparison of IMAP value trees from two sources (a server's parsed response and the
// message model, or two servers): a string and a literal are equal when their octets are (IMAP
// lets a server send the same string quoted or as a literal), numbers and NIL compare as such,
// lists element by element. Also a compact IMAP-like rendering for failure messages.

import type { ImapValue } from '../helpers/imap-client.ts';

const encoder = new TextEncoder();

function octets(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value;
}

export function sameValue(a: ImapValue, b: ImapValue): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  const aList = Array.isArray(a);
  const bList = Array.isArray(b);
  if (aList || bList) {
    if (!aList || !bList) return false;
    const left = a as readonly ImapValue[];
    const right = b as readonly ImapValue[];
    return left.length === right.length && left.every((item, i) => sameValue(item, right[i] ?? null));
  }
  return Buffer.from(octets(a as string | Uint8Array)).equals(octets(b as string | Uint8Array));
}

/** IMAP-like text of a value, long octet strings shortened, for messages. */
export function render(value: ImapValue, limit = 2000): string {
  const text = (v: ImapValue): string => {
    if (v === null) return 'NIL';
    if (typeof v === 'number') return String(v);
    if (Array.isArray(v)) return `(${(v as readonly ImapValue[]).map(text).join(' ')})`;
    const bytes = octets(v as string | Uint8Array);
    const shown = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
    return `${JSON.stringify(shown)}${bytes.length > 200 ? `...[${bytes.length} octets]` : ''}`;
  };
  const out = text(value);
  return out.length > limit ? `${out.slice(0, limit)}...` : out;
}
