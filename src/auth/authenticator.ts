// The Authenticator: the one place a login is decided, for every protocol and mechanism.
// It canonicalizes the user name, applies the login throttle, consults the auth cache,
// verifies the password (scrypt) or hands out the SCRAM verifier, and records the outcome.
// Input it does not trust: user names, passwords and remote addresses from clients, and the
// stored credential strings (a malformed one just fails the login).
//
// An unknown user is indistinguishable from a wrong password: the same answer, one scrypt
// verification against a dummy hash, the same throttle records and delays, and for SCRAM a
// fake verifier whose salt is stable per user name. Locked-out logins are answered without
// looking at the password.
//
// Standards: RFC 4422 §3.4.1 and §6 (authentication identity, security of failures),
// NIST SP 800-63B §5.2.2 (throttling), RFC 5802 §5.1 (SCRAM: the server answers unknown users
// with plausible salt and iteration count), RFC 5321 §4.1.2 via mail/address.ts (user names
// are full addresses).

import { createHmac, randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock, type Clock } from '../core/clock.ts';
import { formatAddress, parseAddress } from '../mail/address.ts';
import type { Account, Storage } from '../storage/api.ts';
import { AuthCache, type AuthCacheOptions } from './cache.ts';
import { DEFAULT_SCRYPT_PARAMS, makeDummyPasswordHash, parsePasswordHash, verifyPassword, type ScryptParams } from './password.ts';
import { DEFAULT_SCRAM_ITERATIONS, SCRAM_SALT_BYTES, parseScramVerifier, type ScramVerifier } from './scram.ts';
import { LoginThrottle, type ThrottleOptions } from './throttle.ts';

/** Passwords longer than this are refused like a wrong password, without hashing them. */
export const MAX_LOGIN_PASSWORD_OCTETS = 1024;

export type AuthFailureReason = 'invalid-credentials' | 'locked-out' | 'temporary';

export type AuthResult =
  | { readonly ok: true; readonly account: Account }
  | { readonly ok: false; readonly reason: AuthFailureReason };

export interface PasswordLogin {
  readonly username: string;
  readonly password: string;
  readonly remoteAddress: string;
}

/**
 * What a SCRAM exchange needs between its two steps. The account stays inside: it is only
 * handed out by scramFinish after a good proof.
 */
export interface ScramSubject {
  readonly verifier: ScramVerifier;
  /** Canonical address, or undefined for a user name that is not an address. */
  readonly address: string | undefined;
  readonly remoteAddress: string;
  readonly account: Account | undefined;
}

export type ScramLookup =
  | { readonly ok: true; readonly subject: ScramSubject }
  | { readonly ok: false; readonly reason: 'locked-out' | 'temporary' };

export interface AuthenticatorOptions {
  readonly accounts: Pick<Storage, 'getAccount'>;
  readonly clock?: Clock;
  /** Waits before a failure answer; defaults to a timer. Tests inject one that records. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly throttle?: Partial<ThrottleOptions>;
  readonly cache?: Partial<Omit<AuthCacheOptions, 'clock'>>;
  /** Parameters of the dummy hash for unknown users: those new hashes are made with. */
  readonly scryptParams?: ScryptParams;
}

/** The part of the Authenticator the SASL mechanisms use. */
export type SaslAuthenticator = Pick<Authenticator, 'authenticate' | 'scramLookup' | 'scramFinish'>;

export class Authenticator {
  private readonly accounts: Pick<Storage, 'getAccount'>;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly throttle: LoginThrottle;
  private readonly cache: AuthCache;
  private readonly dummyHash: string;
  private readonly secret = randomBytes(32);

  constructor(options: AuthenticatorOptions) {
    const clock = options.clock ?? systemClock;
    this.accounts = options.accounts;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.throttle = new LoginThrottle({ ...options.throttle, clock });
    this.cache = new AuthCache({ ...options.cache, clock });
    this.dummyHash = makeDummyPasswordHash(options.scryptParams ?? DEFAULT_SCRYPT_PARAMS);
  }

  /** Checks a user name and password (PLAIN, LOGIN, and any other password login). */
  async authenticate(login: PasswordLogin): Promise<AuthResult> {
    const address = canonicalAddress(login.username);
    const decision = this.throttle.check(login.remoteAddress, address);
    if (!decision.allowed) return { ok: false, reason: 'locked-out' };

    let account: Account | undefined;
    if (address !== undefined) {
      try {
        account = await this.accounts.getAccount(address);
      } catch {
        return { ok: false, reason: 'temporary' };
      }
    }
    if (address !== undefined && account !== undefined && (await this.passwordMatches(account, address, login.password))) {
      this.throttle.recordSuccess(login.remoteAddress, address);
      return { ok: true, account };
    }
    if (account === undefined) {
      // Unknown user: spend the same scrypt as a wrong password, then answer the same way.
      await verifyPassword(login.password, this.dummyHash);
    }
    return this.fail(login.remoteAddress, address, decision.delayMs);
  }

  /**
   * The SCRAM-SHA-256 verifier for a user name: the account's, or for an unknown user (or an
   * account without a usable verifier) a fake one with a salt stable per user name.
   */
  async scramLookup(username: string, remoteAddress: string): Promise<ScramLookup> {
    const address = canonicalAddress(username);
    const decision = this.throttle.check(remoteAddress, address);
    if (!decision.allowed) return { ok: false, reason: 'locked-out' };
    let account: Account | undefined;
    if (address !== undefined) {
      try {
        account = await this.accounts.getAccount(address);
      } catch {
        return { ok: false, reason: 'temporary' };
      }
    }
    const stored = account === undefined ? undefined : parseScramVerifier(account.credentials.scramSha256);
    const verifier = stored?.ok === true ? stored.value : this.fakeScramVerifier(address ?? username);
    return { ok: true, subject: { verifier, address, remoteAddress, account: stored?.ok === true ? account : undefined } };
  }

  /** Records the end of a SCRAM exchange; a failure waits like a failed password login. */
  async scramFinish(subject: ScramSubject, proofValid: boolean): Promise<AuthResult> {
    if (proofValid && subject.account !== undefined && subject.address !== undefined) {
      this.throttle.recordSuccess(subject.remoteAddress, subject.address);
      return { ok: true, account: subject.account };
    }
    const decision = this.throttle.check(subject.remoteAddress, subject.address);
    return this.fail(subject.remoteAddress, subject.address, decision.allowed ? decision.delayMs : 0);
  }

  /** Call after changing a password in this process. */
  passwordChanged(address: string): void {
    this.cache.forgetAddress(canonicalAddress(address) ?? address);
  }

  /** One scrypt verification (or a cache hit), whatever the password or stored string. */
  private async passwordMatches(account: Account, address: string, password: string): Promise<boolean> {
    const stored = account.credentials.passwordHash;
    const usable = Buffer.byteLength(password, 'utf8') <= MAX_LOGIN_PASSWORD_OCTETS && parsePasswordHash(stored).ok;
    if (usable && this.cache.lookup(address, password, stored) === account.id) return true;
    // A too-long password or a malformed stored hash costs a dummy verification, like any failure.
    const good = await verifyPassword(password, usable ? stored : this.dummyHash);
    if (!good || !usable) return false;
    this.cache.store(address, password, account.id, stored);
    return true;
  }

  private async fail(remoteAddress: string, address: string | undefined, delayMs: number): Promise<AuthResult> {
    this.throttle.recordFailure(remoteAddress, address);
    if (delayMs > 0) await this.sleep(delayMs);
    return { ok: false, reason: 'invalid-credentials' };
  }

  /** RFC 5802 §5.1: plausible salt and iteration count for a user that does not exist. */
  private fakeScramVerifier(name: string): ScramVerifier {
    const derive = (label: string): Uint8Array =>
      new Uint8Array(createHmac('sha256', this.secret).update(`${label}\0${name}`, 'utf8').digest());
    return {
      iterations: DEFAULT_SCRAM_ITERATIONS,
      salt: derive('salt').slice(0, SCRAM_SALT_BYTES),
      storedKey: derive('stored-key'),
      serverKey: derive('server-key'),
    };
  }
}

/**
 * The canonical address for a login name, or undefined when it is not an address. Deliberate
 * deviation from RFC 4616 §2 / RFC 5802 §5.1 (SASLprep of the user name): names are matched in
 * the form accounts are stored in (mail/address.ts: NFC, lower case), not NFKC, so an address
 * with compatibility characters stays reachable. For ASCII names the two are the same.
 */
function canonicalAddress(username: string): string | undefined {
  const parsed = parseAddress(username);
  return parsed.ok ? formatAddress(parsed.value) : undefined;
}
