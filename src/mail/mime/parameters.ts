// A MIME parameter's value as text (RFC 2045 §5.1), for display and search: an RFC 2231 §4
// extended value ("name*" = charset'language'%XX...) is percent-decoded in its charset; a plain
// value may hold RFC 2047 encoded words (common in filename=, though RFC 2047 §5 forbids them)
// and raw UTF-8. The index keeps parameters as written (IMAP BODYSTRUCTURE carries them so);
// this reads them. Names compare case-insensitively; nothing throws.

import { decodeCharset } from './charset.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import type { MimeParam } from './types.ts';

function percentDecode(value: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const hex = value.slice(i + 1, i + 3);
    if (value[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(value.charCodeAt(i) & 0xff);
    }
  }
  return new Uint8Array(out);
}

/** The decoded value of parameter `name` (extended "name*" preferred), or undefined. */
export function parameterValue(params: readonly MimeParam[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of params) {
    if (key.toLowerCase() !== `${lower}*`) continue;
    const match = /^([^']*)'[^']*'([\s\S]*)$/.exec(value);
    if (!match) return decodeCharset(percentDecode(value), undefined);
    return decodeCharset(percentDecode(match[2] ?? ''), match[1] || undefined);
  }
  for (const [key, value] of params) if (key.toLowerCase() === lower) return decodeEncodedWords(value);
  return undefined;
}

/** The file name a client shows for a part: Content-Disposition filename, else Content-Type name. */
export function partFileName(part: { readonly contentType?: { readonly params: readonly MimeParam[] }; readonly disposition?: { readonly params: readonly MimeParam[] } }): string | undefined {
  return parameterValue(part.disposition?.params ?? [], 'filename') ?? parameterValue(part.contentType?.params ?? [], 'name');
}
