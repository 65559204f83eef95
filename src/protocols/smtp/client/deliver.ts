// deliverSession: one SMTP session from the delivery scheduler to one server: connect, read
// the greeting, EHLO (HELO when refused), STARTTLS per the TLS policy, AUTH for a smarthost,
// then every message in turn on the same connection, and QUIT. It always resolves to a
// report with an outcome for every recipient of every message; it never throws (an exception
// would be a bug, house rule 8: caught here and reported as a temporary failure). Input it
// does not trust: everything the server sends.
//
// A `failure` in the report is about this host: the scheduler tries the next MX host before
// acting on the recipients' status (RFC 5321 §5.1), including for a 5xx greeting (§3.1).
//
// Standards: RFC 5321 §3.1 (a 554 greeting: no service here; the client still sends QUIT),
// §3.2 and §4.1.1.1 (EHLO, HELO when EHLO is refused with 5xx), §3.3 (several transactions on
// one connection), §4.1.1.10 (QUIT), §4.5.3.2 (timeouts), RFC 3207 §4 and §4.2 (STARTTLS; a
// refused STARTTLS leaves the session in plaintext; after TLS the client forgets what it knew
// and sends EHLO again), RFC 7435 §3 (opportunistic TLS: a failed handshake falls back to
// plaintext on a new connection), RFC 8461 §4.1-4.2 (MTA-STS enforce: an allowed MX host name
// and a valid certificate, else no delivery to this host and no plaintext fallback), RFC 4954
// (AUTH only over TLS with a valid certificate, our choice for smarthost credentials).

import { addressLiteralKind, isDomain } from '../wire/domain.ts';
import type { Reply } from '../wire/reply.ts';
import { authenticate } from './auth.ts';
import { allowedMxHost, certificateProblem } from './certificate.ts';
import { verifyDane } from '../../../dns/dane.ts';
import { SmtpChannel, type ChannelError, type TlsHandshake } from './channel.ts';
import { NO_EXTENSIONS, parseEhloReply, type Extensions } from './extensions.ts';
import { describeReply, enhancedOf, replyClass, replyInfo } from './outcome.ts';
import { channelFailure, sendMessage } from './transaction.ts';
import {
  DEFAULT_TIMEOUTS,
  type ClientOptions,
  type FailureStage,
  type OutgoingMessage,
  type RecipientOutcome,
  type SessionFailure,
  type SessionReport,
  type SmtpReplyInfo,
  type SmtpTarget,
  type Timeouts,
  type TlsInfo,
} from './types.ts';

export type * from './types.ts';
export { DEFAULT_TIMEOUTS } from './types.ts';

/** RFC 3463 codes for session failures without a reply of their own (the class follows `temporary`). */
const STAGE_CODES: Readonly<Record<FailureStage, string>> = {
  connect: 'X.4.1', // No answer from host
  greeting: 'X.0.0',
  ehlo: 'X.5.0', // Other or undefined protocol status
  starttls: 'X.7.5', // Cryptographic failure
  'tls-policy': 'X.7.5',
  auth: 'X.7.0', // Other or undefined security status
  timeout: 'X.4.2', // Bad connection
  closed: 'X.4.2',
  protocol: 'X.5.0',
};

function withClass(code: string, temporary: boolean): string {
  return `${temporary ? 4 : 5}${code.slice(1)}`;
}

type Attempt = { readonly report: SessionReport; readonly retryWithoutTls: boolean };

class ClientSession {
  readonly #target: SmtpTarget;
  readonly #options: ClientOptions;
  readonly #timeouts: Timeouts;
  readonly #messages: readonly OutgoingMessage[];
  readonly #tryStartTls: boolean;
  #channel: SmtpChannel | undefined;
  #greeting: SmtpReplyInfo | undefined;
  #tls: TlsInfo | undefined;
  #extensions: Extensions = NO_EXTENSIONS;
  readonly #outcomes: (readonly RecipientOutcome[] | undefined)[];
  #failure: SessionFailure | undefined;

  constructor(target: SmtpTarget, options: ClientOptions, messages: readonly OutgoingMessage[], tryStartTls: boolean) {
    this.#target = target;
    this.#options = options;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#messages = messages;
    this.#tryStartTls = tryStartTls;
    this.#outcomes = messages.map(() => undefined);
  }

  async run(): Promise<Attempt> {
    try {
      const retryWithoutTls = await this.#session();
      return { report: this.#report(), retryWithoutTls };
    } finally {
      this.#channel?.destroy();
    }
  }

  #report(): SessionReport {
    const failure = this.#failure;
    const messages = this.#messages.map((message, i) => this.#outcomes[i] ?? message.recipients.map((recipient) => failedOutcome(recipient.address, failure)));
    return {
      connected: this.#channel !== undefined,
      tls: this.#tls,
      ...(this.#greeting !== undefined ? { greeting: this.#greeting } : {}),
      extensions: this.#extensions.keywords,
      messages,
      ...(failure !== undefined ? { failure } : {}),
    };
  }

  /** Records the failure; `quit` when the connection is still in step, so QUIT can be sent. */
  async #fail(failure: SessionFailure, quit: boolean): Promise<false> {
    this.#failure = failure;
    if (quit) await this.#quit();
    return false;
  }

  #failReply(stage: FailureStage, reply: Reply, detail: string): Promise<false> {
    const info = replyInfo(reply);
    const closing = reply.code === 421;
    const temporary = replyClass(reply.code) !== 'permanent';
    return this.#fail({ stage: closing ? 'closed' : stage, temporary, detail: `${detail}: ${describeReply(info)}`, reply: info }, !closing);
  }

  #failChannel(error: ChannelError): Promise<false> {
    return this.#fail(channelFailure(error), false);
  }

  /** The session; true when a failed TLS handshake asks for a plaintext retry (RFC 7435). */
  async #session(): Promise<boolean> {
    const { helo, tls } = this.#options;
    const { servername } = this.#target;
    if (!isDomain(helo, { utf8: false }) && addressLiteralKind(helo) === undefined) {
      return this.#fail({ stage: 'ehlo', temporary: true, detail: `the HELO name ${JSON.stringify(helo.slice(0, 100))} is not a domain or address literal` }, false);
    }
    const allowed = this.#options.allowedNames;
    if (tls === 'required' && allowed !== undefined && !allowedMxHost(servername, allowed)) {
      return this.#fail({ stage: 'tls-policy', temporary: true, detail: `${servername} matches none of the policy's mx patterns (RFC 8461 §4.1)` }, false);
    }
    const opened = await SmtpChannel.open(this.#target, this.#timeouts.connect);
    if (!opened.ok) return this.#fail({ stage: 'connect', temporary: true, detail: opened.error.detail }, false);
    const channel = opened.value;
    this.#channel = channel;

    // RFC 5321 §3.1 and §4.3.1: 220, or 554 (no service), or 421.
    const greeting = await channel.read(this.#timeouts.greeting, 'the greeting');
    if (!greeting.ok) return this.#failChannel(greeting.error);
    this.#greeting = replyInfo(greeting.value);
    if (greeting.value.code !== 220) {
      if (replyClass(greeting.value.code) === 'temporary' || replyClass(greeting.value.code) === 'permanent') {
        return this.#failReply('greeting', greeting.value, 'the server refused the session');
      }
      return this.#fail({ stage: 'protocol', temporary: true, detail: `unexpected greeting ${greeting.value.code}`, reply: this.#greeting }, false);
    }
    if (!(await this.#hello(true))) return false;

    if (this.#tryStartTls && this.#extensions.startTls) {
      const secured = await this.#startTls();
      if (secured !== 'ok') return secured === 'retry-plaintext';
    } else if (tls !== 'opportunistic') {
      const why = this.#tryStartTls ? 'the server does not offer STARTTLS' : 'TLS could not be established';
      return this.#fail({ stage: 'tls-policy', temporary: true, detail: `TLS is required and ${why}; nothing was sent` }, true);
    }

    if (this.#options.auth !== undefined && !(await this.#auth(this.#options.auth))) return false;

    let reset = false;
    for (const [i, message] of this.#messages.entries()) {
      const result = await sendMessage(
        { channel, extensions: this.#extensions, timeouts: this.#timeouts, tlsAuthorized: this.#tls?.authorized === true, reset },
        message,
      );
      this.#outcomes[i] = result.outcomes;
      reset ||= result.commandsSent;
      if (result.failure !== undefined) return this.#fail(result.failure, false);
      this.#options.onMessage?.(i, result.outcomes, this.#extensions.keywords);
    }
    await this.#quit();
    return false;
  }

  /** RFC 5321 §4.1.1.1: EHLO, or HELO after a 5xx to EHLO. `first`: before STARTTLS. */
  async #hello(first: boolean): Promise<boolean> {
    const channel = this.#channel as SmtpChannel;
    const { helo } = this.#options;
    const timeout = this.#timeouts.command;
    const sent = await channel.write(`EHLO ${helo}\r\n`, timeout, 'EHLO');
    if (!sent.ok) return this.#failChannel(sent.error);
    const ehlo = await channel.read(timeout, 'EHLO');
    if (!ehlo.ok) return this.#failChannel(ehlo.error);
    // RFC 5321 §4.1.1.1: ehlo-ok-rsp is a 250 reply.
    if (ehlo.value.code === 250) {
      this.#extensions = parseEhloReply(ehlo.value.lines);
      return true;
    }
    if (replyClass(ehlo.value.code) !== 'permanent' || !first) return this.#failHello(ehlo.value, 'EHLO');
    // RFC 5321 §3.2: a server that does not know EHLO answers 5xx; fall back to HELO.
    const heloSent = await channel.write(`HELO ${helo}\r\n`, timeout, 'HELO');
    if (!heloSent.ok) return this.#failChannel(heloSent.error);
    const reply = await channel.read(timeout, 'HELO');
    if (!reply.ok) return this.#failChannel(reply.error);
    if (reply.value.code !== 250) return this.#failHello(reply.value, 'HELO');
    this.#extensions = NO_EXTENSIONS;
    return true;
  }

  #failHello(reply: Reply, verb: string): Promise<false> {
    const kind = replyClass(reply.code);
    if (kind === 'intermediate' || kind === 'positive') {
      return this.#fail({ stage: 'protocol', temporary: true, detail: `unexpected reply ${reply.code} to ${verb}`, reply: replyInfo(reply) }, false);
    }
    return this.#failReply('ehlo', reply, `${verb} refused`);
  }

  /** RFC 3207: STARTTLS, the handshake, the policy check, EHLO again. */
  async #startTls(): Promise<'ok' | 'failed' | 'retry-plaintext'> {
    const channel = this.#channel as SmtpChannel;
    const required = this.#options.tls !== 'opportunistic';
    const timeout = this.#timeouts.command;
    const sent = await channel.write('STARTTLS\r\n', timeout, 'STARTTLS');
    if (!sent.ok) return this.#failChannel(sent.error).then(() => 'failed');
    const reply = await channel.read(timeout, 'STARTTLS');
    if (!reply.ok) return this.#failChannel(reply.error).then(() => 'failed');
    if (reply.value.code !== 220) {
      if (reply.value.code === 421) return this.#failReply('starttls', reply.value, 'STARTTLS refused').then(() => 'failed');
      if (required) {
        const info = replyInfo(reply.value);
        return this.#fail({ stage: 'tls-policy', temporary: true, detail: `TLS is required and STARTTLS was refused: ${describeReply(info)}; nothing was sent`, reply: info }, true).then(() => 'failed');
      }
      // RFC 3207 §4: the client may go on without TLS.
      return 'ok';
    }
    const handshake = await channel.startTls(this.#target.servername, this.#options.ca, timeout);
    if (!handshake.ok) {
      if (required) return this.#fail({ stage: 'tls-policy', temporary: true, detail: `TLS is required and the handshake failed: ${handshake.error.detail}` }, false).then(() => 'failed');
      // RFC 7435 §3: opportunistic security falls back to plaintext (on a new connection).
      this.#failure = { stage: 'starttls', temporary: true, detail: handshake.error.detail };
      return 'retry-plaintext';
    }
    const problem = this.#certificateProblem(handshake.value);
    // 'encrypted' accepts any certificate, so it never counts as authenticated (REQUIRETLS, AUTH).
    this.#tls = { protocol: handshake.value.protocol, cipher: handshake.value.cipher, authorized: problem === undefined && this.#options.tls !== 'encrypted' };
    if (required && problem !== undefined) {
      return this.#fail({ stage: 'tls-policy', temporary: true, detail: `TLS is required and ${problem}; nothing was sent` }, true).then(() => 'failed');
    }
    // RFC 3207 §4.2: forget the earlier EHLO reply and ask again.
    this.#extensions = NO_EXTENSIONS;
    return (await this.#hello(false)) ? 'ok' : 'failed';
  }

  /** Why the certificate does not satisfy the session's policy, or undefined when it does. */
  #certificateProblem(handshake: TlsHandshake): string | undefined {
    const { tls, dane } = this.#options;
    if (tls === 'encrypted') return undefined;
    if (tls === 'dane') {
      if (dane === undefined) return 'DANE is required but no TLSA records were given';
      const verdict = verifyDane(handshake.chain, dane.records, { hostnames: dane.hostnames });
      return verdict.ok ? undefined : `the certificate matches no TLSA record (${verdict.error.detail})`;
    }
    return certificateProblem(this.#target.servername, handshake);
  }

  async #auth(credentials: { readonly user: string; readonly password: string }): Promise<boolean> {
    if (this.#tls?.authorized !== true) {
      return this.#fail({ stage: 'auth', temporary: true, detail: 'AUTH is configured but TLS with a valid certificate is not up; credentials are not sent' }, true);
    }
    const result = await authenticate(this.#channel as SmtpChannel, this.#extensions.auth, credentials, this.#timeouts.command);
    if (result.ok) return true;
    if (result.error.channel !== undefined) return this.#failChannel(result.error.channel);
    const info = result.error.reply === undefined ? undefined : replyInfo(result.error.reply);
    // Refused credentials are a configuration problem: the mail waits for it to be fixed.
    const detail = info === undefined ? result.error.detail : `${result.error.detail}: ${describeReply(info)}`;
    return this.#fail({ stage: info?.code === 421 ? 'closed' : 'auth', temporary: true, detail, ...(info !== undefined ? { reply: info } : {}) }, info?.code !== 421);
  }

  /** RFC 5321 §4.1.1.10: QUIT, and a short wait for its 221. */
  async #quit(): Promise<void> {
    const channel = this.#channel;
    if (channel === undefined || !channel.open) return;
    const sent = await channel.write('QUIT\r\n', this.#timeouts.quit, 'QUIT');
    if (sent.ok) await channel.read(this.#timeouts.quit, 'QUIT');
    channel.destroy();
  }
}

/** The outcome of a recipient whose message was never attempted. */
function failedOutcome(address: string, failure: SessionFailure | undefined): RecipientOutcome {
  if (failure === undefined) return { address, status: 'temporary', reply: undefined, enhanced: '4.5.0', detail: 'not attempted' };
  const temporary = failure.temporary;
  const reply = failure.reply;
  const enhanced = reply !== undefined ? withClass(enhancedOf(reply), temporary) : withClass(STAGE_CODES[failure.stage], temporary);
  return { address, status: temporary ? 'temporary' : 'permanent', reply, enhanced, detail: failure.detail };
}

/**
 * Delivers `messages` to one server in one session (RFC 5321 §3.3). Resolves, never rejects:
 * every recipient of every message gets an outcome.
 */
export async function deliverSession(target: SmtpTarget, options: ClientOptions, messages: readonly OutgoingMessage[]): Promise<SessionReport> {
  try {
    const first = await new ClientSession(target, options, messages, true).run();
    if (!first.retryWithoutTls) return first.report;
    return (await new ClientSession(target, options, messages, false).run()).report;
  } catch (error) {
    // House rule 8: a bug. The messages stay queued (temporary) and the detail says why.
    const failure: SessionFailure = { stage: 'protocol', temporary: true, detail: `internal error in the SMTP client: ${error instanceof Error ? error.message : String(error)}` };
    return {
      connected: false,
      tls: undefined,
      extensions: [],
      messages: messages.map((message) => message.recipients.map((recipient) => failedOutcome(recipient.address, failure))),
      failure,
    };
  }
}
