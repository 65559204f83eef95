// Octets in a named charset to text (RFC 2045 §5.1 charset parameter, RFC 2047 §2 encoded-word
// charset, RFC 2231 §4 parameter charset) through the WHATWG TextDecoder (Node 24 has full ICU).
// Unknown or missing charsets: UTF-8 when the octets are valid UTF-8, else windows-1252 (what
// unlabeled 8-bit mail mostly is). Never throws.

import { TextDecoder } from 'node:util';

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextDecoder('utf-8');
const fallback = new TextDecoder('windows-1252');
const decoders = new Map<string, TextDecoder | null>();

function decoderFor(label: string): TextDecoder | null {
  const key = label.trim().toLowerCase();
  let decoder = decoders.get(key);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(key);
    } catch {
      decoder = null; // Unknown label.
    }
    if (decoders.size < 256) decoders.set(key, decoder);
  }
  return decoder;
}

/** Text of octets without a (known) charset: UTF-8 if valid, else windows-1252. */
export function decodeUnlabeled(bytes: Uint8Array): string {
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    return fallback.decode(bytes);
  }
}

/** Text of octets in `charset` (undefined: unlabeled). */
export function decodeCharset(bytes: Uint8Array, charset: string | undefined): string {
  if (charset === undefined || charset === '') return decodeUnlabeled(bytes);
  const lower = charset.trim().toLowerCase();
  // Labeled UTF-8: invalid sequences become U+FFFD and the valid text around them stays, as
  // Dovecot decodes it (one stray Latin-1 line must not garble a UTF-8 part).
  if (lower === 'utf-8' || lower === 'utf8') return utf8.decode(bytes);
  // US-ASCII labels map to windows-1252 in WHATWG; 8-bit octets there are most often UTF-8.
  if (lower === 'us-ascii' || lower === 'ascii') return decodeUnlabeled(bytes);
  const decoder = decoderFor(lower);
  return decoder ? decoder.decode(bytes) : decodeUnlabeled(bytes);
}
