// SCRAM wire messages, server side: parses client-first-message and client-final-message,
// formats server-first-message and server-final-message. Pure: text in, values out. Input it
// does not trust: both client messages (any string); the parsers never throw.
//
// Standards: RFC 5802 §7 (grammar), §5.1 (attributes, saslname escaping), §6 (channel
// binding: we offer no -PLUS mechanism, so "p=" is refused and "y" is accepted), RFC 7677
// (SCRAM-SHA-256). Failures are named after the RFC 5802 §7 server-error-value they map to.

import { err, ok, type Result } from '../core/result.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';

/** RFC 5802 §7 server-error-value names for what can go wrong in a client message. */
export type ScramMessageError =
  | 'invalid-encoding'
  | 'extensions-not-supported'
  | 'channel-binding-not-supported'
  | 'channel-bindings-dont-match'
  | 'invalid-proof'
  | 'other-error';

export interface ClientFirst {
  /** The gs2-header exactly as sent, e.g. "n,," or "y,a=alice@example.com,". */
  readonly gs2Header: string;
  /** Decoded authzid, when the client named one (RFC 5802 §5.1 "a"). */
  readonly authzid: string | undefined;
  /** Decoded user name (RFC 5802 §5.1 "n"). */
  readonly username: string;
  readonly clientNonce: string;
  /** client-first-message-bare as sent; part of AuthMessage (RFC 5802 §3). */
  readonly bare: string;
}

export interface ClientFinal {
  /** Decoded c= attribute (the gs2-header, since no channel binding data is sent). */
  readonly channelBinding: Uint8Array;
  readonly nonce: string;
  readonly proof: Uint8Array;
  /** client-final-message-without-proof as sent; part of AuthMessage (RFC 5802 §3). */
  readonly withoutProof: string;
}

export interface ServerFirst {
  readonly nonce: string;
  readonly salt: Uint8Array;
  readonly iterations: number;
}

// RFC 5802 §7: printable = %x21-2B / %x2D-7E (no comma).
const PRINTABLE = /^[\x21-\x2B\x2D-\x7E]+$/;
// RFC 5802 §7: value-safe-char excludes NUL, "=" and ","; "=2C" and "=3D" are the escapes.
const SASLNAME = /^(?:[^\0=,]|=2C|=3D)+$/u;
// RFC 5802 §7: attr-val = ALPHA "=" value; value = 1*value-char (no NUL, no comma).
const ATTR_VAL = /^[A-Za-z]=[^\0,]+$/u;

/** RFC 5802 §5.1: decodes a saslname ("=2C" to ",", "=3D" to "="). */
export function decodeSaslname(text: string): Result<string, ScramMessageError> {
  if (!SASLNAME.test(text)) return err('invalid-encoding');
  return ok(text.replace(/=2C|=3D/g, (escape) => (escape === '=2C' ? ',' : '=')));
}

/** RFC 5802 §5.1: encodes a name as a saslname. */
export function encodeSaslname(name: string): string {
  return name.replace(/[=,]/g, (char) => (char === ',' ? '=2C' : '=3D'));
}

/** RFC 5802 §7 client-first-message = gs2-header client-first-message-bare. */
export function parseClientFirst(message: string): Result<ClientFirst, ScramMessageError> {
  if (message.includes('\0')) return err('invalid-encoding');
  const parts = message.split(',');
  const [flag, authzidPart] = parts;
  if (flag === undefined || authzidPart === undefined || parts.length < 4) return err('other-error');
  // RFC 5802 §6: "p=" asks for channel binding, which only the -PLUS variants do.
  if (flag.startsWith('p=')) return err('channel-binding-not-supported');
  if (flag !== 'n' && flag !== 'y') return err('other-error');
  let authzid: string | undefined;
  if (authzidPart !== '') {
    if (!authzidPart.startsWith('a=')) return err('other-error');
    const decoded = decodeSaslname(authzidPart.slice(2));
    if (!decoded.ok) return decoded;
    authzid = decoded.value;
  }
  const gs2Header = `${flag},${authzidPart},`;
  const bare = message.slice(gs2Header.length);
  const attributes = parts.slice(2);
  // RFC 5802 §5.1 "m": reserved for mandatory extensions, which we do not know.
  if (attributes[0]?.startsWith('m=')) return err('extensions-not-supported');
  const [userPart, noncePart, ...extensions] = attributes;
  if (userPart === undefined || !userPart.startsWith('n=')) return err('other-error');
  const username = decodeSaslname(userPart.slice(2));
  if (!username.ok) return username;
  if (noncePart === undefined || !noncePart.startsWith('r=')) return err('other-error');
  const clientNonce = noncePart.slice(2);
  if (!PRINTABLE.test(clientNonce)) return err('other-error');
  // RFC 5802 §7: optional extensions are attr-val pairs, ignored when unknown.
  if (!extensions.every((extension) => ATTR_VAL.test(extension))) return err('other-error');
  return ok({ gs2Header, authzid, username: username.value, clientNonce, bare });
}

/** RFC 5802 §7 server-first-message (no extensions). */
export function formatServerFirst(first: ServerFirst): string {
  return `r=${first.nonce},s=${encodeBase64(first.salt)},i=${first.iterations}`;
}

/**
 * RFC 5802 §7 client-final-message = channel-binding "," nonce ["," extensions] "," proof.
 * Checking c= against the gs2-header and r= against the nonce is the exchange's job (scram.ts).
 */
export function parseClientFinal(message: string): Result<ClientFinal, ScramMessageError> {
  if (message.includes('\0')) return err('invalid-encoding');
  const parts = message.split(',');
  const [bindingPart, noncePart] = parts;
  const proofPart = parts[parts.length - 1];
  if (bindingPart === undefined || noncePart === undefined || proofPart === undefined || parts.length < 3) {
    return err('other-error');
  }
  if (!bindingPart.startsWith('c=')) return err('other-error');
  const binding = decodeBase64(bindingPart.slice(2));
  if (!binding.ok) return err('invalid-encoding');
  if (!noncePart.startsWith('r=') || !PRINTABLE.test(noncePart.slice(2))) return err('other-error');
  if (!proofPart.startsWith('p=')) return err('other-error');
  const proof = decodeBase64(proofPart.slice(2));
  if (!proof.ok || proof.value.length === 0) return err('invalid-encoding');
  const extensions = parts.slice(2, -1);
  if (!extensions.every((extension) => ATTR_VAL.test(extension) && !extension.startsWith('p='))) {
    return err('other-error');
  }
  return ok({
    channelBinding: binding.value,
    nonce: noncePart.slice(2),
    proof: proof.value,
    withoutProof: message.slice(0, message.length - proofPart.length - 1),
  });
}

/** RFC 5802 §7 server-final-message: verifier ("v=") on success. */
export function formatServerFinal(serverSignature: Uint8Array): string {
  return `v=${encodeBase64(serverSignature)}`;
}

/** RFC 5802 §7 server-final-message: server-error ("e=") on failure. */
export function formatServerError(error: ScramMessageError): string {
  return `e=${error}`;
}
