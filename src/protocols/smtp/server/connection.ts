// One SMTP connection: the socket side of a session. It greets (after a pause in which a
// client that talks first is refused, RFC 5321 §4.3.1), reads command lines, DATA and BDAT
// chunks with the wire decoders, enforces pipelining rules (RFC 2920: nothing may follow DATA
// or STARTTLS in a group; no pipelining before EHLO advertised it), upgrades to TLS on
// STARTTLS discarding any plaintext that followed it (RFC 3207 §4.2), and applies the timeouts
// (RFC 5321 §4.5.3.2). Replies to a pipelined group leave in one write (RFC 2920 §3.2).
// Input it does not trust: every byte from the socket.

import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { TlsProvider } from '../../../tls/certificates.ts';
import { ChunkReader } from '../wire/bdat.ts';
import { DataDecoder } from '../wire/data.ts';
import { MAX_AUTH_COMMAND_LINE_OCTETS, SmtpLineReader } from '../wire/line-reader.ts';
import { formatReply } from '../wire/reply.ts';
import type { DataOutcome } from './commands/message.ts';
import { EARLY_TALKER, IMPROPER_PIPELINING, reply, SHUTTING_DOWN, TIMEOUT, TOO_MANY_ERRORS, type Reply } from './replies.ts';
import { SmtpSession, type Action } from './session.ts';
import { newSessionState, type ListenerRole, type SmtpContext } from './state.ts';

/** A TLS handshake after STARTTLS must finish within this time. */
export const STARTTLS_HANDSHAKE_TIMEOUT_MS = 30_000;

export interface ConnectionSettings {
  readonly role: ListenerRole;
  readonly implicitTls: boolean;
  readonly greetingDelayMs: number;
  readonly commandTimeoutMs: number;
  readonly dataTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly bareLineEndings: 'reject' | 'normalize';
}

type Mode =
  | { readonly kind: 'greeting' }
  | { readonly kind: 'command' }
  | { readonly kind: 'data'; readonly decoder: DataDecoder; readonly chunks: Uint8Array[] }
  | { readonly kind: 'bdat'; readonly reader: ChunkReader; readonly size: number; readonly last: boolean; readonly chunks: Uint8Array[] }
  | { readonly kind: 'tls' }
  | { readonly kind: 'closed' };

export class SmtpConnection {
  private socket: Socket;
  private readonly ctx: SmtpContext;
  private readonly tls: TlsProvider;
  private readonly settings: ConnectionSettings;
  private readonly session: SmtpSession;
  private readonly reader = new SmtpLineReader({ maxLineOctets: MAX_AUTH_COMMAND_LINE_OCTETS });
  private readonly inbox: Uint8Array[] = [];
  private mode: Mode = { kind: 'greeting' };
  private pumping = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly sessionTimer: NodeJS.Timeout;
  private readonly onData = (chunk: Buffer) => this.received(chunk);

  constructor(socket: Socket, ctx: SmtpContext, tls: TlsProvider, settings: ConnectionSettings) {
    this.socket = socket;
    this.ctx = ctx;
    this.tls = tls;
    this.settings = settings;
    const secure = socket instanceof TLSSocket ? tlsFacts(socket) : undefined;
    this.session = new SmtpSession(ctx, newSessionState(settings.role, socket.remoteAddress ?? '', secure, !settings.implicitTls));
    this.sessionTimer = setTimeout(() => this.closeWith(TIMEOUT), settings.sessionTimeoutMs);
    this.sessionTimer.unref();
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
  }

  /** Greets after the configured pause, refusing a client that spoke first. */
  start(): void {
    const greet = () => {
      if (this.mode.kind !== 'greeting') return;
      if (this.inbox.length > 0) return this.closeWith(EARLY_TALKER);
      this.mode = { kind: 'command' };
      this.write({ code: 220, lines: [`${this.ctx.hostname} ESMTP Postwarden`] });
      this.armCommandTimer();
    };
    if (this.settings.greetingDelayMs > 0) setTimeout(greet, this.settings.greetingDelayMs).unref();
    else greet();
  }

  /** Server shutdown: an idle session is told at once; a busy one after its current step. */
  shutdown(): void {
    this.stopping = true;
    if (!this.pumping && (this.mode.kind === 'command' || this.mode.kind === 'greeting')) this.closeWith(SHUTTING_DOWN);
  }

  private received(chunk: Buffer): void {
    if (this.mode.kind === 'closed' || this.mode.kind === 'tls') return;
    this.inbox.push(chunk);
    if (this.mode.kind === 'data' || this.mode.kind === 'bdat') this.armTimer(this.settings.dataTimeoutMs);
    if (this.mode.kind !== 'greeting') void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    this.socket.cork();
    try {
      while (this.mode.kind !== 'closed' && this.mode.kind !== 'tls' && this.mode.kind !== 'greeting' && (await this.step()));
    } catch (error) {
      this.ctx.logger.error({ err: error, client: this.session.state.remoteAddress }, 'smtp session failed');
      this.closeWith(reply(421, '4.3.0', 'Internal error; closing the connection'));
    } finally {
      this.pumping = false;
      if (this.mode.kind !== 'closed') this.socket.uncork();
    }
    if (this.stopping && this.mode.kind === 'command') this.closeWith(SHUTTING_DOWN);
  }

  /** One unit of work; false when the buffered input is used up. */
  private async step(): Promise<boolean> {
    switch (this.mode.kind) {
      case 'command':
        return this.commandStep();
      case 'data':
        return this.dataStep(this.mode);
      case 'bdat':
        return this.bdatStep(this.mode);
      default:
        return false;
    }
  }

  private async commandStep(): Promise<boolean> {
    for (const chunk of this.inbox.splice(0)) this.reader.push(chunk);
    const event = this.reader.next();
    if (!event) return false;
    this.armCommandTimer();
    if (event.kind !== 'line') {
      const text = event.kind === 'too-long' ? 'Line too long' : 'Command lines must end with CRLF (RFC 5321 §2.3.8)';
      return this.perform({ kind: 'reply', reply: this.countError(reply(500, '5.5.2', text)) });
    }
    const action = await this.session.line(event.line);
    const more = this.reader.pending() > 0;
    if (more && !this.session.inSasl && this.pipeliningForbidden(action)) {
      // The command's own reply still goes out, except 354: nothing may follow an unanswered DATA.
      if (action.kind === 'reply') this.write(action.reply);
      this.closeWith(IMPROPER_PIPELINING);
      return false;
    }
    return this.perform(action);
  }

  /** RFC 2920: pipelining needs EHLO's PIPELINING; DATA and STARTTLS must end a group. */
  private pipeliningForbidden(action: Action): boolean {
    if (this.session.state.helo?.esmtp !== true && action.kind !== 'starttls') return true;
    return action.kind === 'data';
  }

  private countError(answer: Reply): Reply {
    const state = this.session.state;
    state.errors++;
    return state.errors > this.ctx.limits.maxErrors ? TOO_MANY_ERRORS : answer;
  }

  private async perform(action: Action): Promise<boolean> {
    switch (action.kind) {
      case 'reply':
      case 'sasl':
        if (action.kind === 'reply' && (action.close || action.reply === TOO_MANY_ERRORS)) {
          this.closeWith(action.reply);
          return false;
        }
        this.write(action.reply);
        return true;
      case 'data': {
        this.write(action.reply);
        const decoder = new DataDecoder({ maxMessageOctets: this.ctx.limits.maxMessageSize, bareLineEndings: this.settings.bareLineEndings });
        this.mode = { kind: 'data', decoder, chunks: [] };
        this.requeue(this.reader.takeRemaining());
        this.armTimer(this.settings.dataTimeoutMs);
        return true;
      }
      case 'bdat':
        this.mode = { kind: 'bdat', reader: new ChunkReader(action.size), size: action.size, last: action.last, chunks: [] };
        this.requeue(this.reader.takeRemaining());
        this.armTimer(this.settings.dataTimeoutMs);
        return true;
      case 'starttls':
        this.reader.discard();
        this.inbox.length = 0;
        this.write(action.reply);
        this.startTls();
        return false;
    }
  }

  private requeue(bytes: Uint8Array): void {
    if (bytes.length > 0) this.inbox.unshift(bytes);
  }

  private async dataStep(mode: Extract<Mode, { kind: 'data' }>): Promise<boolean> {
    const chunk = this.inbox.shift();
    if (!chunk) return false;
    for (const event of mode.decoder.push(chunk)) {
      if (event.kind === 'chunk') {
        mode.chunks.push(event.bytes);
        continue;
      }
      this.mode = { kind: 'command' };
      this.requeue(event.rest);
      await this.finishData(mode.chunks, event.outcome);
      return true;
    }
    return true;
  }

  private async finishData(message: readonly Uint8Array[], outcome: DataOutcome): Promise<void> {
    const answer = await this.session.dataEnd(message, outcome);
    this.write(answer);
    this.armCommandTimer();
  }

  private async bdatStep(mode: Extract<Mode, { kind: 'bdat' }>): Promise<boolean> {
    if (mode.size > 0) {
      const chunk = this.inbox.shift();
      if (!chunk) return false;
      const taken = mode.reader.push(chunk);
      if (taken.bytes.length > 0) mode.chunks.push(taken.bytes);
      this.requeue(taken.rest);
      if (!taken.done) return true;
    }
    this.mode = { kind: 'command' };
    this.armCommandTimer();
    return this.perform(await this.session.chunk(mode.chunks, mode.size, mode.last));
  }

  private startTls(): void {
    const raw = this.socket;
    raw.uncork();
    raw.removeListener('data', this.onData);
    this.mode = { kind: 'tls' };
    const secure = new TLSSocket(raw, { isServer: true, secureContext: this.tls.current.context });
    const timer = setTimeout(() => secure.destroy(), STARTTLS_HANDSHAKE_TIMEOUT_MS);
    secure.once('secure', () => {
      clearTimeout(timer);
      this.socket = secure;
      this.attach(secure);
      this.session.tlsStarted(tlsFacts(secure) ?? { protocol: 'unknown', cipher: 'unknown' });
      this.mode = { kind: 'command' };
      this.armCommandTimer();
    });
    secure.on('error', () => {
      clearTimeout(timer);
      this.destroy();
    });
  }

  private write(answer: Reply): void {
    if (this.mode.kind === 'closed') return;
    this.socket.write(formatReply(answer));
  }

  private armCommandTimer(): void {
    this.armTimer(this.settings.commandTimeoutMs);
  }

  private armTimer(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.closeWith(TIMEOUT), ms);
    this.timer.unref();
  }

  private closeWith(answer: Reply): void {
    if (this.mode.kind === 'closed') return;
    this.write(answer);
    this.mode = { kind: 'closed' };
    this.socket.uncork();
    this.socket.end();
    this.clearTimers();
    // A peer that never reads must not keep the socket: destroy after a grace.
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    clearTimeout(this.sessionTimer);
  }

  private destroy(): void {
    this.mode = { kind: 'closed' };
    this.clearTimers();
    this.socket.destroy();
  }
}

function tlsFacts(socket: TLSSocket): { protocol: string; cipher: string } | undefined {
  const protocol = socket.getProtocol();
  if (!protocol) return undefined;
  return { protocol, cipher: socket.getCipher()?.name ?? 'unknown' };
}
