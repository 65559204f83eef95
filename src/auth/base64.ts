// Strict base64: the decoder behind SASL lines, SCRAM attributes, PHC strings and stored
// verifiers. Input is untrusted (client lines, stored strings); the decoder never throws.
//
// Standards: RFC 4648 §4 (base64 alphabet and padding). RFC 4648 §3.3 lets a decoder reject
// characters outside the alphabet and §3.5 lets it reject non-canonical encodings (pad bits
// not zero); we do both, so one byte string has exactly one accepted text. PHC strings use the
// same alphabet without padding (PHC string format, "B64").

import { err, ok, type Result } from '../core/result.ts';

export type Base64Padding = 'required' | 'forbidden';

export type Base64Error = 'not-base64';

const PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UNPADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2,3})?$/;

/** Encodes bytes as base64, padded (RFC 4648 §4) unless `padding` is 'forbidden'. */
export function encodeBase64(bytes: Uint8Array, padding: Base64Padding = 'required'): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return padding === 'required' ? text : text.replace(/=+$/, '');
}

/**
 * Decodes strict base64: alphabet only (no whitespace), padding as asked, and canonical pad
 * bits. The empty string decodes to no bytes.
 */
export function decodeBase64(text: string, padding: Base64Padding = 'required'): Result<Uint8Array, Base64Error> {
  const shape = padding === 'required' ? PADDED : UNPADDED;
  if (!shape.test(text)) return err('not-base64');
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  // RFC 4648 §3.5: the unused bits of the last character must be zero.
  if (encodeBase64(bytes, padding) !== text) return err('not-base64');
  return ok(bytes);
}
