// The state of one SMTP session and the context every command handler receives. Kept in one
// plain structure so the state checks live in one place (session.ts) and each handler reads
// and changes only what its command concerns.

import type { Authenticator } from '../../../auth/authenticator.ts';
import type { SaslSession } from '../../../auth/sasl/session.ts';
import type { Clock } from '../../../core/clock.ts';
import type { Logger } from '../../../core/log.ts';
import type { OutboundSigner } from '../../../ingest/accept.ts';
import type { Account, DsnNotify, Storage } from '../../../storage/api.ts';
import type { MailParams } from '../wire/command.ts';

/** MX receives mail for local domains; submission accepts mail from authenticated users. */
export type ListenerRole = 'mx' | 'submission';

export interface SmtpLimits {
  readonly maxMessageSize: number;
  readonly maxRecipients: number;
  readonly maxErrors: number;
}

export interface SmtpContext {
  readonly hostname: string;
  readonly storage: Storage;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly limits: SmtpLimits;
  /** Authenticates our VERP return paths (bounces coming back). */
  readonly verpSecret: Uint8Array;
  /** Called after a message was queued for remote recipients (wakes the delivery scheduler). */
  readonly queued: () => void;
  /** Signs mail for remote recipients as it is queued. */
  readonly signer?: OutboundSigner;
}

export interface TlsState {
  readonly protocol: string;
  readonly cipher: string;
}

export interface AcceptedRecipient {
  /** The forward path as accepted (canonical for local recipients). */
  readonly address: string;
  readonly accounts: readonly Account[];
  /** Remote addresses: the recipient itself (submission), or alias targets elsewhere. */
  readonly remote: readonly string[];
  readonly notify?: DsnNotify;
  readonly orcpt?: string;
}

export interface Transaction {
  /** Reverse path; the empty string is the null sender. */
  readonly sender: string;
  readonly params: MailParams;
  readonly recipients: AcceptedRecipient[];
  /** RCPT commands refused in this transaction (DATA then answers "no valid recipients"). */
  refusedRecipients: number;
  /** BDAT: the chunks so far, their size, and why the message already failed (drained to LAST). */
  bdat?: { octets: number; failed: 'too-large' | undefined; chunks: Uint8Array[] };
}

export interface SessionState {
  readonly role: ListenerRole;
  readonly remoteAddress: string;
  /** The listener offers STARTTLS (not on implicit-TLS ports, not once TLS is up). */
  readonly startTlsOffered: boolean;
  tls: TlsState | undefined;
  helo: { readonly esmtp: boolean; readonly name: string } | undefined;
  account: Account | undefined;
  transaction: Transaction | undefined;
  sasl: SaslSession | undefined;
  /** A SASL success whose final data went out in a 334: the account, until the empty reply. */
  saslPendingAccount: Account | undefined;
  errors: number;
  authFailures: number;
  transactions: number;
}

export function newSessionState(role: ListenerRole, remoteAddress: string, tls: TlsState | undefined, startTlsOffered: boolean): SessionState {
  return {
    role,
    remoteAddress,
    startTlsOffered,
    tls,
    helo: undefined,
    account: undefined,
    transaction: undefined,
    sasl: undefined,
    saslPendingAccount: undefined,
    errors: 0,
    authFailures: 0,
    transactions: 0,
  };
}
