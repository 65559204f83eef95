// The maildrop lock: a storage lease "pop3:<accountId>" owned by the session, renewed while
// the session lives and released when it ends, so one POP3 session at a time opens a
// maildrop, across server processes sharing PostgreSQL too. A server that dies holding it
// leaves a lease that frees itself after MAILDROP_LOCK_TTL_MS. Also the LOGIN-DELAY lease.
// Input it does not trust: none (account ids and session ids are ours).
//
// Standards: RFC 1939 §4 and §8 (the exclusive-access lock on the maildrop, released before a
// failing reply), RFC 2449 §8.1.2 ([IN-USE]) and §6.5 (LOGIN-DELAY).

import type { Logger } from '../../../core/log.ts';
import type { AccountId, Storage } from '../../../storage/api.ts';
import { MAILDROP_LOCK_RENEW_MS, MAILDROP_LOCK_TTL_MS } from './limits.ts';

export function maildropLockName(accountId: AccountId): string {
  return `pop3:${accountId}`;
}

export function loginDelayLeaseName(accountId: AccountId): string {
  return `pop3-login-delay:${accountId}`;
}

type LeaseStore = Pick<Storage, 'acquireLease' | 'releaseLease'>;

export class MaildropLock {
  readonly name: string;
  readonly #storage: LeaseStore;
  readonly #owner: string;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #renewing = false;
  #lost = false;
  #released = false;

  private constructor(storage: LeaseStore, name: string, owner: string, logger: Logger) {
    this.#storage = storage;
    this.name = name;
    this.#owner = owner;
    this.#logger = logger;
    this.#timer = setInterval(() => void this.#tick(), MAILDROP_LOCK_RENEW_MS);
    this.#timer.unref();
  }

  /** Takes the lock, or undefined when another session holds it. Storage exceptions propagate. */
  static async acquire(storage: LeaseStore, accountId: AccountId, owner: string, logger: Logger): Promise<MaildropLock | undefined> {
    const name = maildropLockName(accountId);
    if (!(await storage.acquireLease(name, owner, MAILDROP_LOCK_TTL_MS))) return undefined;
    return new MaildropLock(storage, name, owner, logger);
  }

  /** True once a renewal found the lease taken by someone else (it had expired). */
  get lost(): boolean {
    return this.#lost;
  }

  /** Renews the lease now; false when it is no longer ours. Storage exceptions propagate. */
  async renew(): Promise<boolean> {
    if (this.#released || this.#lost) return false;
    const held = await this.#storage.acquireLease(this.name, this.#owner, MAILDROP_LOCK_TTL_MS);
    if (!held) {
      this.#lost = true;
      this.#stop();
      this.#logger.warn({ lease: this.name }, 'pop3 maildrop lock lost');
    }
    return held;
  }

  /** Stops renewing and gives the lease back. Idempotent; never throws (an expiring lease frees itself). */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#stop();
    if (this.#lost) return;
    try {
      await this.#storage.releaseLease(this.name, this.#owner);
    } catch (error) {
      this.#logger.warn({ err: error, lease: this.name }, 'pop3 maildrop lock release failed; it expires by itself');
    }
  }

  async #tick(): Promise<void> {
    if (this.#renewing) return;
    this.#renewing = true;
    try {
      await this.renew();
    } catch (error) {
      // The lease outlives two missed renewals; the next tick tries again.
      this.#logger.warn({ err: error, lease: this.name }, 'pop3 maildrop lock renewal failed');
    } finally {
      this.#renewing = false;
    }
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
