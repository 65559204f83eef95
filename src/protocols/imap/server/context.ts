// What IMAP command handlers share: the server-wide context, the session's state, and the
// shape of a command's completion. Kept apart from the dispatcher so each handler file imports
// only this.

import type { Authenticator } from '../../../auth/authenticator.ts';
import type { SaslSession } from '../../../auth/sasl/session.ts';
import type { Clock } from '../../../core/clock.ts';
import type { Logger } from '../../../core/log.ts';
import type { Account, Storage } from '../../../storage/api.ts';
import type { MessageCaches } from './message-caches.ts';
import type { Responder } from './responder.ts';
import type { RecentBlobs } from './message-view.ts';
import type { SelectedMailbox } from './selected.ts';

export interface ImapContext {
  readonly hostname: string;
  readonly version: string;
  readonly storage: Storage;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  readonly clock: Clock;
  /** APPENDLIMIT (RFC 7889) and the literal limit after login. */
  readonly appendLimit: number;
  /** Parsed message caches shared by every session of the server. */
  readonly caches: MessageCaches;
}

export type Phase = 'notauth' | 'auth' | 'selected' | 'logout';

export interface SessionState {
  phase: Phase;
  account: Account | undefined;
  selected: SelectedMailbox | undefined;
  /** ENABLEd extensions (RFC 5161), upper case: CONDSTORE, QRESYNC, IMAP4REV2, UTF8=ACCEPT. */
  readonly enabled: Set<string>;
  /** CONDSTORE is in effect (enabled, or turned on by a CONDSTORE-enabling command, RFC 7162 §3.1). */
  condstore: boolean;
  /** RFC 5182 SEARCHRES: the UIDs saved by the last SEARCH RETURN (SAVE). */
  savedSearch: readonly number[] | undefined;
  tls: boolean;
  compressed: boolean;
  readonly startTlsOffered: boolean;
  readonly remoteAddress: string;
  /** LOGIN/AUTHENTICATE may be used (TLS, or plaintext allowed for a loopback client). */
  loginAllowed: boolean;
  sasl: SaslSession | undefined;
  /** A SASL success whose final data went out in a continuation: the account, until the empty reply. */
  saslPendingAccount: Account | undefined;
  authFailures: number;
  /** Decrypted messages this session read last (partial fetches of one message decrypt it once). */
  readonly recentBlobs: RecentBlobs;
}

export interface Completion {
  readonly status: 'OK' | 'NO' | 'BAD';
  readonly code?: string;
  readonly text: string;
}

/** What the connection must do after (or instead of) a tagged completion. */
export type Outcome =
  | { readonly kind: 'done'; readonly completion: Completion }
  | { readonly kind: 'starttls' }
  | { readonly kind: 'compress' }
  | { readonly kind: 'idle' }
  | { readonly kind: 'sasl'; readonly challenge: string }
  | { readonly kind: 'logout' };

export function ok(text: string, code?: string): Outcome {
  return { kind: 'done', completion: code === undefined ? { status: 'OK', text } : { status: 'OK', code, text } };
}

export function no(text: string, code?: string): Outcome {
  return { kind: 'done', completion: code === undefined ? { status: 'NO', text } : { status: 'NO', code, text } };
}

export function bad(text: string, code?: string): Outcome {
  return { kind: 'done', completion: code === undefined ? { status: 'BAD', text } : { status: 'BAD', code, text } };
}

export interface HandlerArgs {
  readonly ctx: ImapContext;
  readonly state: SessionState;
  readonly out: Responder;
  readonly tag: string;
}

export function imap4rev2(state: SessionState): boolean {
  return state.enabled.has('IMAP4REV2');
}
