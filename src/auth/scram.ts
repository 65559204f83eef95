// SCRAM-SHA-256, server side: stored verifiers and the checks of the exchange. Verifier
// derivation is async (PBKDF2 on the libuv thread pool); everything else is pure. Input it
// does not trust: stored verifier strings (may be malformed) and the client's messages, which
// reach here already parsed by scram-messages.ts; nothing here throws on such input.
//
// Standards: RFC 5802 §3 (SaltedPassword, ClientKey, StoredKey, ServerKey, AuthMessage,
// ClientProof, ServerSignature), §5 (exchange), §9 (nonces); RFC 7677 (SHA-256, at least
// 4096 iterations); RFC 5803 §3 (verifier storage form
// "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>"); RFC 4013 (SASLprep, the
// Normalize() of RFC 5802 §2.2).

import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { err, ok, type Result } from '../core/result.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { saslprep } from './saslprep.ts';
import { formatServerFinal, formatServerFirst, type ClientFinal, type ClientFirst, type ScramMessageError } from './scram-messages.ts';

export const SCRAM_SHA_256 = 'SCRAM-SHA-256';
/** Iterations for new verifiers. */
export const DEFAULT_SCRAM_ITERATIONS = 10_000;
/** RFC 7677 §4: the iteration count is at least 4096. */
export const MIN_SCRAM_ITERATIONS = 4096;
/** Upper bound accepted from stored verifiers (clients would stall on more). */
export const MAX_SCRAM_ITERATIONS = 10_000_000;
export const SCRAM_SALT_BYTES = 16;
const MAX_SALT_BYTES = 64;
/** RFC 5802 §5.1 "r": the server's part of the nonce, random, base64 of this many bytes. */
export const SERVER_NONCE_BYTES = 24;
/** SHA-256 output size: StoredKey, ServerKey and ClientProof lengths. */
const KEY_BYTES = 32;

export interface ScramVerifier {
  readonly iterations: number;
  readonly salt: Uint8Array;
  readonly storedKey: Uint8Array;
  readonly serverKey: Uint8Array;
}

export interface ScramVerifierOptions {
  /** Defaults to DEFAULT_SCRAM_ITERATIONS. */
  readonly iterations?: number;
  /** Defaults to SCRAM_SALT_BYTES random bytes. */
  readonly salt?: Uint8Array;
}

/**
 * Derives a verifier for a password (RFC 5802 §3). Fails when SASLprep rejects the password
 * (RFC 4013 §2.3 prohibited characters), since no conforming client could then log in.
 */
export async function makeScramVerifier(password: string, options: ScramVerifierOptions = {}): Promise<Result<string, string>> {
  const prepared = saslprep(password, 'stored');
  if (!prepared.ok) return err(`the password cannot be prepared for SCRAM (${prepared.error})`);
  const iterations = options.iterations ?? DEFAULT_SCRAM_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < MIN_SCRAM_ITERATIONS || iterations > MAX_SCRAM_ITERATIONS) {
    return err('iteration count out of range');
  }
  const salt = options.salt ?? new Uint8Array(randomBytes(SCRAM_SALT_BYTES));
  if (salt.length === 0 || salt.length > MAX_SALT_BYTES) return err('bad salt length');
  const salted = await pbkdf2Sha256(prepared.value, salt, iterations);
  const clientKey = hmac(salted, 'Client Key');
  const verifier: ScramVerifier = {
    iterations,
    salt,
    storedKey: sha256(clientKey),
    serverKey: hmac(salted, 'Server Key'),
  };
  return ok(formatScramVerifier(verifier));
}

/** RFC 5803 §3 storage form. */
export function formatScramVerifier(verifier: ScramVerifier): string {
  const { iterations, salt, storedKey, serverKey } = verifier;
  return `${SCRAM_SHA_256}$${iterations}:${encodeBase64(salt)}$${encodeBase64(storedKey)}:${encodeBase64(serverKey)}`;
}

const VERIFIER = /^SCRAM-SHA-256\$([1-9][0-9]{0,7}):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/** Parses the RFC 5803 §3 form, checking lengths and the iteration bounds. */
export function parseScramVerifier(text: string): Result<ScramVerifier, string> {
  const match = VERIFIER.exec(text);
  if (!match) return err('not a SCRAM-SHA-256 verifier');
  const iterations = Number(match[1]);
  if (iterations < MIN_SCRAM_ITERATIONS || iterations > MAX_SCRAM_ITERATIONS) return err('iteration count out of range');
  const salt = decodeBase64(match[2] ?? '');
  const storedKey = decodeBase64(match[3] ?? '');
  const serverKey = decodeBase64(match[4] ?? '');
  if (!salt.ok || salt.value.length === 0 || salt.value.length > MAX_SALT_BYTES) return err('bad salt');
  if (!storedKey.ok || storedKey.value.length !== KEY_BYTES) return err('bad StoredKey');
  if (!serverKey.ok || serverKey.value.length !== KEY_BYTES) return err('bad ServerKey');
  return ok({ iterations, salt: salt.value, storedKey: storedKey.value, serverKey: serverKey.value });
}

/** RFC 5802 §5.1 "r": a fresh random server nonce (printable base64 characters). */
export function makeServerNonce(): string {
  return encodeBase64(new Uint8Array(randomBytes(SERVER_NONCE_BYTES)));
}

/** What the server keeps between its first message and the client's final message. */
export interface ScramServerState {
  readonly clientFirst: ClientFirst;
  readonly serverFirstMessage: string;
  /** client nonce + server nonce. */
  readonly nonce: string;
  readonly verifier: ScramVerifier;
}

/** RFC 5802 §5.1: the server-first-message for a parsed client-first-message. */
export function startScramExchange(clientFirst: ClientFirst, verifier: ScramVerifier, serverNonce: string): ScramServerState {
  const nonce = clientFirst.clientNonce + serverNonce;
  const serverFirstMessage = formatServerFirst({ nonce, salt: verifier.salt, iterations: verifier.iterations });
  return { clientFirst, serverFirstMessage, nonce, verifier };
}

/**
 * RFC 5802 §5.1 and §3: checks the client-final-message (c= is the base64 gs2-header, r= the
 * combined nonce) and the proof. Answers the server-final-message on success.
 */
export function finishScramExchange(state: ScramServerState, clientFinal: ClientFinal): Result<{ serverFinalMessage: string }, ScramMessageError> {
  // RFC 5802 §5.1 "c": without channel binding data this is the gs2-header itself.
  const expectedBinding = new TextEncoder().encode(state.clientFirst.gs2Header);
  if (!bytesEqual(clientFinal.channelBinding, expectedBinding)) return err('channel-bindings-dont-match');
  if (clientFinal.nonce !== state.nonce) return err('other-error');
  if (clientFinal.proof.length !== KEY_BYTES) return err('invalid-proof');
  // RFC 5802 §3: AuthMessage = client-first-message-bare + "," + server-first-message + "," +
  // client-final-message-without-proof.
  const authMessage = `${state.clientFirst.bare},${state.serverFirstMessage},${clientFinal.withoutProof}`;
  const { storedKey, serverKey } = state.verifier;
  const clientSignature = hmac(storedKey, authMessage);
  const clientKey = xor(clientFinal.proof, clientSignature);
  // RFC 5802 §3: the proof is good when H(ClientKey) equals StoredKey; compared in constant time.
  if (!timingSafeEqual(sha256(clientKey), storedKey)) return err('invalid-proof');
  return ok({ serverFinalMessage: formatServerFinal(hmac(serverKey, authMessage)) });
}

/** RFC 5802 §3 Hi() with HMAC-SHA-256, i.e. PBKDF2 (RFC 8018 §5.2) with a 32-byte output. */
export function pbkdf2Sha256(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, KEY_BYTES, 'sha256', (error, key) => {
      if (error) reject(error);
      else resolve(new Uint8Array(key));
    });
  });
}

export function hmac(key: Uint8Array, data: string | Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(data).digest());
}

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((byte, i) => byte ^ (b[i] ?? 0));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
