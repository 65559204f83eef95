// Writes the value trees the MIME model produces (ENVELOPE, BODYSTRUCTURE: strings, numbers,
// NIL, literal octets and nested lists, RFC 9051 §4) into a response, with the session's
// string encoding (quoted, or a literal when needed). A tree shared between sessions (the
// parsed caches of message-caches.ts) is encoded once per string encoding and kept beside it.

import type { ImapValue } from '../../../mail/mime/mime.ts';
import { encodeNumber, encodeString, type EncodeOptions } from '../wire/encoder.ts';
import type { ResponseBuilder } from '../wire/response-builder.ts';

export function writeValue(response: ResponseBuilder, value: ImapValue): void {
  if (value === null) {
    response.atom('NIL');
  } else if (typeof value === 'number') {
    response.number(value);
  } else if (typeof value === 'string') {
    response.string(value);
  } else if (value instanceof Uint8Array) {
    response.literal(value);
  } else {
    response.open();
    for (const item of value) writeValue(response, item);
    response.close();
  }
}

/**
 * The wire text of a value as writeValue would write it (RFC 9051 §4.4: a list is its items
 * separated by one space, in parentheses), or undefined when it holds literal octets.
 */
export function encodeValue(value: ImapValue, options: EncodeOptions): string | undefined {
  if (value === null) return 'NIL';
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'string') return encodeString(value, options);
  if (value instanceof Uint8Array) return undefined;
  const items: string[] = [];
  for (const item of value) {
    const text = encodeValue(item, options);
    if (text === undefined) return undefined;
    items.push(text);
  }
  return `(${items.join(' ')})`;
}

interface Encoded {
  /** The text without UTF-8 in quoted strings, and with it (RFC 6855 §3); null: holds octets. */
  ascii?: string | null;
  utf8?: string | null;
}

/** Encoded forms of shared trees, dropped with the tree. */
const ENCODED = new WeakMap<readonly ImapValue[], Encoded>();

/** writeValue for a tree that does not change (a cached ENVELOPE or BODYSTRUCTURE): encoded once. */
export function writeSharedValue(response: ResponseBuilder, value: ImapValue, options: EncodeOptions): void {
  if (!Array.isArray(value)) {
    writeValue(response, value);
    return;
  }
  let encoded = ENCODED.get(value);
  if (!encoded) {
    encoded = {};
    ENCODED.set(value, encoded);
  }
  let text = options.utf8 ? encoded.utf8 : encoded.ascii;
  if (text === undefined) {
    text = encodeValue(value, options) ?? null;
    if (options.utf8) encoded.utf8 = text;
    else encoded.ascii = text;
  }
  if (text === null) writeValue(response, value);
  else response.item(text);
}
