// The header section of a message (RFC 5322 §2.2): where it ends, and its fields as an ordered
// list of (name, raw value) pairs with folding removed (§2.2.3). Input is untrusted: any bytes,
// any size; field names are compared case-insensitively and kept in an array, never used as
// object keys, so names like "__proto__" are just names. Fields are decoded as UTF-8 (RFC 6532
// §3.2 allows UTF-8 in header values).

/** Most header fields read from one message; the rest are ignored (a bound, not a refusal). */
export const MAX_HEADER_FIELDS = 1000;

export interface HeaderField {
  /** As written (case preserved). */
  readonly name: string;
  /** Unfolded value without the leading white space after the colon. */
  readonly value: string;
}

/** Offset of the first byte of the body: after the first empty line, or the end when there is none. */
export function headerEnd(message: Uint8Array): number {
  for (let i = 0; i < message.length; i++) {
    if (message[i] !== 0x0a) continue;
    // An LF that ends an empty line: preceded by LF or by CR LF.
    if (i >= 1 && message[i - 1] === 0x0a) return i + 1;
    if (i >= 2 && message[i - 1] === 0x0d && message[i - 2] === 0x0a) return i + 1;
    if (i === 0 || (i === 1 && message[0] === 0x0d)) return i + 1;
  }
  return message.length;
}

export function parseHeader(message: Uint8Array): HeaderField[] {
  const text = Buffer.from(message.buffer, message.byteOffset, headerEnd(message)).toString('utf8');
  const fields: HeaderField[] = [];
  let current: { name: string; value: string } | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if ((line.startsWith(' ') || line.startsWith('\t')) && current) {
      current.value += line; // §2.2.3 unfolding: remove the CRLF, keep the white space.
      continue;
    }
    if (current) fields.push({ name: current.name, value: current.value.trim() });
    current = undefined;
    if (fields.length >= MAX_HEADER_FIELDS) break;
    const colon = line.indexOf(':');
    // §2.2: field-name = 1*ftext (printable US-ASCII except colon); anything else is not a field.
    if (colon <= 0 || !/^[\x21-\x39\x3b-\x7e]+$/.test(line.slice(0, colon))) continue;
    current = { name: line.slice(0, colon), value: line.slice(colon + 1) };
  }
  if (current && fields.length < MAX_HEADER_FIELDS) fields.push({ name: current.name, value: current.value.trim() });
  return fields;
}

/** Values of every field with the given name (case-insensitive), in order. */
export function fieldValues(fields: readonly HeaderField[], name: string): string[] {
  const lower = name.toLowerCase();
  return fields.filter((field) => field.name.toLowerCase() === lower).map((field) => field.value);
}
