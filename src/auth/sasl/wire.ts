// The SASL data lines shared by SMTP AUTH, IMAP AUTHENTICATE and POP3 AUTH: base64 text in,
// bytes (or a cancel, or an error) out, and bytes back to base64 challenges. Pure. Input it
// does not trust: every line and initial response (client data); nothing here throws.
//
// Standards: RFC 4954 §4 (SMTP: "=" is an empty initial response, "*" cancels),
// RFC 9051 §6.2.2 (IMAP: the same, with SASL-IR from RFC 4959 §3), RFC 5034 §4 (POP3: the
// same), RFC 4422 §3 (exchange), RFC 4648 §4 (base64, strict: see base64.ts).

import { err, ok, type Result } from '../../core/result.ts';
import { decodeBase64, encodeBase64 } from '../base64.ts';

/**
 * Longest response line or initial response accepted, checked before decoding. 12 KiB of
 * base64 carries 9 KiB, far more than any of our mechanisms needs; RFC 4954 §4 lets the
 * server bound it and RFC 9051 §6.2.2 leaves it to the server too.
 */
export const MAX_SASL_LINE_OCTETS = 12 * 1024;

export type ClientData = { readonly kind: 'data'; readonly bytes: Uint8Array } | { readonly kind: 'cancel' };

export type WireError = 'too-long' | 'not-base64';

/** RFC 4954 §4 / RFC 4959 §3: an initial response, "=" meaning present but empty. */
export function decodeInitialResponse(text: string): Result<Uint8Array, WireError> {
  if (text.length > MAX_SASL_LINE_OCTETS) return err('too-long');
  if (text === '=') return ok(new Uint8Array(0));
  if (text === '') return err('not-base64');
  const decoded = decodeBase64(text);
  return decoded.ok ? decoded : err('not-base64');
}

/** RFC 4954 §4: a response line; "*" cancels, an empty line is an empty response. */
export function decodeResponseLine(line: string): Result<ClientData, WireError> {
  if (line.length > MAX_SASL_LINE_OCTETS) return err('too-long');
  if (line === '*') return ok({ kind: 'cancel' });
  const decoded = decodeBase64(line);
  return decoded.ok ? ok({ kind: 'data', bytes: decoded.value }) : err('not-base64');
}

/** A challenge or success-data as the base64 text the protocols send. */
export function encodeServerData(bytes: Uint8Array): string {
  return encodeBase64(bytes);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict UTF-8 (RFC 3629): undefined on any invalid sequence. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function encodeUtf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
