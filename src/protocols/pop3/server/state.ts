// The state of one POP3 session and the context every command handler receives. Kept in one
// plain structure so the state checks live in one place (session.ts) and each handler reads
// and changes only what its command concerns.
//
// Standards: RFC 1939 §3 (the AUTHORIZATION, TRANSACTION and UPDATE states).

import type { Authenticator } from '../../../auth/authenticator.ts';
import type { SaslSession } from '../../../auth/sasl/session.ts';
import type { Logger } from '../../../core/log.ts';
import type { Account, Storage } from '../../../storage/api.ts';
import type { Maildrop } from './maildrop.ts';
import type { MaildropLock } from './maildrop-lock.ts';

export interface Pop3Settings {
  /** Allow USER/PASS and AUTH before TLS for clients on loopback addresses. */
  readonly plaintextLocalhost: boolean;
  /** RFC 2449 §6.7 EXPIRE: "0" deletes retrieved messages at QUIT. */
  readonly expire: 'never' | '0';
  /** RFC 2449 §6.5 LOGIN-DELAY; 0 for none. */
  readonly loginDelaySeconds: number;
}

export interface Pop3Context {
  readonly storage: Storage;
  readonly authenticator: Pick<Authenticator, 'authenticate' | 'scramLookup' | 'scramFinish'>;
  readonly logger: Logger;
  readonly settings: Pop3Settings;
}

/** RFC 1939 §3. */
export type Phase = 'authorization' | 'transaction' | 'update';

export interface TlsState {
  readonly protocol: string;
  readonly cipher: string;
}

/** Why a session ended, for the log line. */
export type EndReason = 'quit' | 'closed' | 'timeout' | 'shutdown' | 'auth-failures' | 'invalid-commands' | 'lock-lost';

export interface SessionState {
  /** Random; the owner of the session's leases. */
  readonly id: string;
  readonly remoteAddress: string;
  /** The listener offers STLS (not on implicit-TLS ports). */
  readonly stlsOffered: boolean;
  tls: TlsState | undefined;
  phase: Phase;
  /** RFC 6856 §2: the client sent UTF8. */
  utf8: boolean;
  /** The name of a USER command that PASS must follow at once (RFC 1939 §7). */
  pendingUser: string | undefined;
  sasl: SaslSession | undefined;
  /** A SASL success whose final data went out as a challenge: the account, until the empty response. */
  saslPendingAccount: Account | undefined;
  /** Set in TRANSACTION (and UPDATE). */
  account: Account | undefined;
  maildrop: Maildrop | undefined;
  lock: MaildropLock | undefined;
  authFailures: number;
  invalidCommands: number;
  /** Messages removed in UPDATE. */
  removed: number;
  /** Set when the session itself decides to end. */
  endReason: EndReason | undefined;
}

export function newSessionState(id: string, remoteAddress: string, tls: TlsState | undefined, stlsOffered: boolean): SessionState {
  return {
    id,
    remoteAddress,
    stlsOffered,
    tls,
    phase: 'authorization',
    utf8: false,
    pendingUser: undefined,
    sasl: undefined,
    saslPendingAccount: undefined,
    account: undefined,
    maildrop: undefined,
    lock: undefined,
    authFailures: 0,
    invalidCommands: 0,
    removed: 0,
    endReason: undefined,
  };
}
