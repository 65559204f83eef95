// The outbound SMTP client's public surface: what the delivery scheduler hands to
// deliverSession (a target host, the session's options, the messages) and the report it gets
// back (per message, per recipient outcomes, and what went wrong with the session, if
// anything). Types and the default timeouts only.
//
// Standards: RFC 5321 §4.5.3.2 (client timeouts), RFC 3461 §4.1-4.4 (NOTIFY, ORCPT, RET,
// ENVID), RFC 6152 and RFC 3030 §3 (BODY types), RFC 6531 (SMTPUTF8), RFC 8689 (REQUIRETLS),
// RFC 8461 §4.1 (MTA-STS mx patterns), RFC 7672 §2.2 (DANE), RFC 3463 (enhanced status codes in
// outcomes).

import type { TlsaRecord } from '../../../dns/resolver.ts';

export interface SmtpTarget {
  /** The IP address to connect to. */
  readonly host: string;
  readonly port: number;
  /** The MX host name: TLS SNI and the name the certificate must be valid for. */
  readonly servername: string;
  /** Source IP to bind (IP pools). */
  readonly localAddress?: string;
}

export type TlsRequirement =
  /** STARTTLS when offered, plaintext otherwise; the certificate is not checked (RFC 7435). */
  | 'opportunistic'
  /**
   * STARTTLS must succeed with a certificate that chains to a trusted root and is valid for
   * `servername`, and `servername` must match one of `allowedNames` when given (MTA-STS
   * enforce, RFC 8461 §4.1-4.2); otherwise the session defers without sending anything.
   */
  | 'required'
  /**
   * DANE (RFC 7672 §2.2): STARTTLS must succeed and the presented chain must match one of
   * `dane.records` (verifyDane) instead of chaining to a root; otherwise the session defers.
   */
  | 'dane'
  /**
   * TLSA records exist but none is usable (RFC 7672 §2.2): encryption is required, the
   * certificate is not checked.
   */
  | 'encrypted';

/** Milliseconds. */
export interface Timeouts {
  /** TCP connection establishment (RFC 5321 sets none). */
  readonly connect: number;
  /** RFC 5321 §4.5.3.2.1: the initial 220 message, 5 minutes. */
  readonly greeting: number;
  /**
   * EHLO, HELO, STARTTLS and its handshake, AUTH and RSET: RFC 5321 names no value; 5
   * minutes like MAIL.
   */
  readonly command: number;
  /** RFC 5321 §4.5.3.2.2: MAIL, 5 minutes. */
  readonly mail: number;
  /** RFC 5321 §4.5.3.2.3: RCPT, 5 minutes. */
  readonly rcpt: number;
  /** RFC 5321 §4.5.3.2.4: the 354 reply to DATA, 2 minutes. */
  readonly dataInit: number;
  /** RFC 5321 §4.5.3.2.5: each block of data written (and each BDAT chunk's reply), 3 minutes. */
  readonly dataBlock: number;
  /** RFC 5321 §4.5.3.2.6: the reply after the final "." (or BDAT LAST), 10 minutes. */
  readonly dataEnd: number;
  /**
   * The 221 after QUIT. RFC 5321 §4.1.1.10 asks the client to wait for it; the outcomes are
   * already known, so the wait is short.
   */
  readonly quit: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  connect: 60_000,
  greeting: 5 * 60_000,
  command: 5 * 60_000,
  mail: 5 * 60_000,
  rcpt: 5 * 60_000,
  dataInit: 2 * 60_000,
  dataBlock: 3 * 60_000,
  dataEnd: 10 * 60_000,
  quit: 10_000,
};

export interface ClientOptions {
  /** The EHLO name: the pool's HELO name. */
  readonly helo: string;
  readonly tls: TlsRequirement;
  /** MTA-STS mx patterns ("mail.example.net", "*.example.net"), RFC 8461 §3.2 and §4.1. */
  readonly allowedNames?: readonly string[];
  /** With tls 'dane': the usable TLSA records and the names DANE-TA certificates may carry. */
  readonly dane?: { readonly records: readonly TlsaRecord[]; readonly hostnames: readonly string[] };
  /** Trust this CA (instead of the system roots): tests and private relays. */
  readonly ca?: string | Buffer;
  /**
   * Smarthost credentials: AUTH PLAIN (or LOGIN) once TLS is up with a valid certificate; they
   * are never sent in plaintext or to an unverified server.
   */
  readonly auth?: { readonly user: string; readonly password: string };
  readonly timeouts?: Partial<Timeouts>;
  /**
   * Called as soon as a message's transaction ends without a session failure, with its outcomes
   * (the report at the end repeats them): lets the queue commit a 250 without waiting for the
   * rest of the session, which keeps duplicates after a crash to the one message in flight.
   */
  readonly onMessage?: (index: number, outcomes: readonly RecipientOutcome[], extensions: readonly string[]) => void;
}

export type NotifyEvent = 'SUCCESS' | 'FAILURE' | 'DELAY';

export interface OutgoingRecipient {
  /** The mailbox, "local@domain" as stored (local part unquoted). */
  readonly address: string;
  /** RFC 3461 §4.1. */
  readonly notify?: 'NEVER' | readonly NotifyEvent[];
  /** RFC 3461 §4.2, decoded, as stored: "rfc822;addr" (or "utf-8;addr", RFC 6533). */
  readonly orcpt?: string;
}

export type BodyType = '7BIT' | '8BITMIME' | 'BINARYMIME';

export interface OutgoingMessage {
  /** The reverse path; '' is the null sender. */
  readonly sender: string;
  readonly recipients: readonly OutgoingRecipient[];
  /** RFC 3461 §4.4, decoded. */
  readonly envid?: string;
  /** RFC 3461 §4.3. */
  readonly ret?: 'FULL' | 'HDRS';
  /** As the message arrived (RFC 6152, RFC 3030 §3). */
  readonly body: BodyType;
  /** The message arrived with SMTPUTF8 (RFC 6531 §3.4). */
  readonly smtputf8: boolean;
  /** RFC 8689 REQUIRETLS. */
  readonly requireTls: boolean;
  readonly data: Uint8Array;
}

export interface SmtpReplyInfo {
  readonly code: number;
  readonly enhanced?: string;
  /** The reply's lines joined by a space, control characters replaced by "?". */
  readonly text: string;
}

export type RecipientStatus = 'delivered' | 'temporary' | 'permanent';

export interface RecipientOutcome {
  readonly address: string;
  readonly status: RecipientStatus;
  /** The server's reply that decided, or undefined when we decided without one. */
  readonly reply: SmtpReplyInfo | undefined;
  /**
   * RFC 3463 status code for the DSN's Status field: the reply's enhanced code, else one
   * derived from the reply's class ("4.0.0"), else ours (for example 5.6.3, 5.3.4).
   */
  readonly enhanced: string;
  /** One line for logs and DSN diagnostics. */
  readonly detail: string;
}

export type FailureStage =
  | 'connect'
  | 'greeting'
  | 'ehlo'
  | 'starttls'
  | 'tls-policy'
  | 'auth'
  | 'timeout'
  /** The server closed the connection, or sent 421 (RFC 5321 §3.8). */
  | 'closed'
  /** The server broke the protocol: malformed replies, replies out of sequence. */
  | 'protocol';

export interface SessionFailure {
  readonly stage: FailureStage;
  readonly temporary: boolean;
  readonly detail: string;
  readonly reply?: SmtpReplyInfo;
}

export interface TlsInfo {
  readonly protocol: string;
  readonly cipher: string;
  /** The certificate chains to a trusted root and is valid for the target's servername. */
  readonly authorized: boolean;
}

export interface SessionReport {
  readonly connected: boolean;
  readonly tls: TlsInfo | undefined;
  readonly greeting?: SmtpReplyInfo;
  /** The service extensions of the last EHLO reply, keyword upper-cased ("SIZE 1000", "DSN"). */
  readonly extensions: readonly string[];
  /** One entry per message given, one outcome per recipient, in the order given. */
  readonly messages: readonly (readonly RecipientOutcome[])[];
  readonly failure?: SessionFailure;
}
