// One IMAP connection: the socket side of a session. It greets (RFC 9051 §7.1.1 with the
// CAPABILITY code), feeds the incremental command reader, runs commands one at a time in the
// order received (pipelined commands included), answers literal continuations, and handles the
// modes that take over the connection: AUTHENTICATE exchanges (§6.2.2), IDLE (RFC 2177),
// STARTTLS (§6.2.1: plaintext after the command is thrown away), COMPRESS=DEFLATE (RFC 4978)
// and LOGOUT. Timers: a short one before login, the autologout after (§5.4).
// Input it does not trust: every byte from the socket.

import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { constants as zlib, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';
import type { ChangeEvent } from '../../../storage/api.ts';
import type { TlsProvider } from '../../../tls/certificates.ts';
import { capabilityCode, statusResponse } from '../wire/encoder.ts';
import { limitsAfterLogin } from '../wire/limits.ts';
import { ImapCommandReader } from '../wire/reader.ts';
import { capabilityList } from './commands/any-state.ts';
import type { ImapContext, Outcome, SessionState } from './context.ts';
import { RecentBlobs } from './message-view.ts';
import { Responder, type WireChunk } from './responder.ts';
import { ImapSession } from './session.ts';

/**
 * Chunks shorter than this are gathered and written together (one FETCH answer is many small
 * responses); consecutive wire text is joined into one string, encoded once by the socket.
 */
export const GATHER_CHUNK_OCTETS = 16 * 1024;
/** Gathered octets are written once they reach this much. */
export const GATHER_OCTETS = 64 * 1024;

/** A TLS handshake after STARTTLS must finish within this time. */
export const STARTTLS_HANDSHAKE_TIMEOUT_MS = 30_000;

export interface ImapConnectionSettings {
  readonly implicitTls: boolean;
  readonly plaintextLocalhost: boolean;
  readonly autologoutMs: number;
  readonly preauthTimeoutMs: number;
}

type Mode =
  | { readonly kind: 'command' }
  | { readonly kind: 'sasl'; readonly tag: string }
  | { readonly kind: 'idle'; readonly tag: string }
  | { readonly kind: 'tls' }
  | { readonly kind: 'closed' };

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export class ImapConnection {
  private socket: Socket;
  private readonly ctx: ImapContext;
  private readonly tls: TlsProvider;
  private readonly settings: ImapConnectionSettings;
  private readonly reader = new ImapCommandReader();
  private readonly responder: Responder;
  private readonly session: ImapSession;
  private mode: Mode = { kind: 'command' };
  private pumping = false;
  private timer: NodeJS.Timeout | undefined;
  private deflate: DeflateRaw | undefined;
  private inflate: InflateRaw | undefined;
  private stopping = false;
  private unsubscribe: (() => void) | undefined;
  /** Small chunks written but not yet handed to the socket, in order; no two strings in a row. */
  private gathered: WireChunk[] = [];
  private gatheredOctets = 0;
  private readonly onData = (chunk: Buffer) => this.received(chunk);

  constructor(socket: Socket, ctx: ImapContext, tls: TlsProvider, settings: ImapConnectionSettings) {
    this.socket = socket;
    this.ctx = ctx;
    this.tls = tls;
    this.settings = settings;
    this.responder = new Responder({ write: (chunks) => this.write(chunks) });
    const remoteAddress = socket.remoteAddress ?? '';
    const secure = socket instanceof TLSSocket;
    const state: SessionState = {
      phase: 'notauth',
      account: undefined,
      selected: undefined,
      enabled: new Set(),
      condstore: false,
      savedSearch: undefined,
      tls: secure,
      compressed: false,
      startTlsOffered: !settings.implicitTls,
      remoteAddress,
      loginAllowed: secure || (settings.plaintextLocalhost && isLoopback(remoteAddress)),
      sasl: undefined,
      saslPendingAccount: undefined,
      authFailures: 0,
      recentBlobs: new RecentBlobs(),
    };
    this.session = new ImapSession(ctx, state, this.responder);
    this.unsubscribe = ctx.storage.onChange((event) => this.changed(event));
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
  }

  start(): void {
    const code = capabilityCode(capabilityList(this.ctx, this.session.state));
    this.writeText(statusResponse('*', 'OK', 'Postwarden IMAP4rev2 ready', code));
    this.armTimer();
  }

  /** Server shutdown (RFC 9051 §7.1.5: BYE before closing). */
  shutdown(): void {
    this.stopping = true;
    if (!this.pumping) this.closeWith('Server shutting down');
  }

  private changed(event: ChangeEvent): void {
    const selected = this.session.state.selected;
    if (!selected || event.mailboxId !== selected.mailboxId || event.accountId !== selected.accountId) return;
    selected.dirty = true;
    if (this.mode.kind === 'idle' && !this.pumping) void this.idleUpdate();
  }

  private async idleUpdate(): Promise<void> {
    this.pumping = true;
    try {
      await this.session.idleUpdate();
    } catch (error) {
      this.ctx.logger.error({ err: error }, 'imap idle update failed');
    } finally {
      this.pumping = false;
      this.flush();
    }
    void this.pump();
  }

  private received(chunk: Buffer): void {
    if (this.mode.kind === 'closed' || this.mode.kind === 'tls') return;
    if (this.inflate) {
      this.inflate.write(chunk);
      return;
    }
    this.reader.push(chunk);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    this.socket.cork();
    try {
      while (await this.step());
    } catch (error) {
      this.ctx.logger.error({ err: error }, 'imap connection failed');
      this.closeWith('Internal error');
    } finally {
      this.pumping = false;
      this.flush();
    }
    if (this.stopping && this.mode.kind === 'command') this.closeWith('Server shutting down');
  }

  /** One unit of work; false when waiting for input. */
  private async step(): Promise<boolean> {
    const mode = this.mode;
    if (mode.kind === 'sasl' || mode.kind === 'idle') {
      const line = this.reader.nextLine();
      if (!line) return false;
      this.armTimer();
      const text = line.kind === 'line' ? Buffer.from(line.line).toString('latin1') : '';
      if (mode.kind === 'idle') {
        // RFC 2177: "DONE" ends IDLE; anything else is a protocol error.
        this.mode = { kind: 'command' };
        this.writeText(statusResponse(mode.tag, text.toUpperCase() === 'DONE' ? 'OK' : 'BAD', text.toUpperCase() === 'DONE' ? 'IDLE terminated' : 'Expected DONE'));
        return true;
      }
      this.mode = { kind: 'command' };
      if (line.kind === 'too-long') return this.finish(mode.tag, { kind: 'done', completion: { status: 'BAD', text: 'Authentication line too long' } });
      return this.finish(mode.tag, await this.session.authenticateLine(mode.tag, text === '*' ? '*' : text));
    }
    if (mode.kind !== 'command') return false;
    const event = this.reader.next();
    if (!event) return false;
    this.armTimer();
    switch (event.kind) {
      case 'continue':
        this.writeText(`+ ${event.text}\r\n`);
        this.flush();
        return true;
      case 'error':
        if (event.fatal) {
          this.closeWith(event.text, event.code);
          return false;
        }
        this.writeText(statusResponse(event.tag ?? '*', event.status, event.text, event.code));
        return true;
      case 'command':
        return this.finish(event.tag, await this.session.execute(event.tag, event.command));
    }
  }

  private finish(tag: string, outcome: Outcome): boolean {
    const state = this.session.state;
    switch (outcome.kind) {
      case 'done': {
        const { status, code, text } = outcome.completion;
        this.writeText(statusResponse(tag, status, text, code));
        if (state.phase !== 'notauth') this.reader.setLimits(limitsAfterLogin(this.ctx.appendLimit));
        return true;
      }
      case 'sasl':
        this.writeText(`+ ${outcome.challenge}\r\n`);
        this.mode = { kind: 'sasl', tag };
        this.reader.expectLine();
        return true;
      case 'idle':
        this.writeText('+ idling\r\n');
        this.mode = { kind: 'idle', tag };
        this.session.state.recentBlobs.clear(); // An idle session keeps no message octets.
        this.reader.expectLine();
        this.flush();
        if (this.session.state.selected?.dirty) void Promise.resolve().then(() => this.idleUpdate());
        return true;
      case 'logout':
        this.writeText(statusResponse('*', 'BYE', 'Logging out'));
        this.writeText(statusResponse(tag, 'OK', 'LOGOUT completed'));
        this.close();
        return false;
      case 'starttls':
        this.writeText(statusResponse(tag, 'OK', 'Begin TLS negotiation now'));
        this.reader.discard();
        this.startTls();
        return false;
      case 'compress':
        this.writeText(statusResponse(tag, 'OK', 'DEFLATE active'));
        this.startCompression();
        return true;
    }
  }

  private startTls(): void {
    this.drain();
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
      const state = this.session.state;
      state.tls = true;
      state.loginAllowed = true;
      this.mode = { kind: 'command' };
      this.armTimer();
    });
    secure.on('error', () => {
      clearTimeout(timer);
      this.destroy();
    });
  }

  /** RFC 4978 §3: after the OK, both directions are raw DEFLATE; the rest of the input is compressed already. */
  private startCompression(): void {
    this.flush();
    const deflate = createDeflateRaw({ level: 6 });
    const inflate = createInflateRaw();
    deflate.on('data', (chunk: Buffer) => this.socket.write(chunk));
    inflate.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      void this.pump();
    });
    inflate.on('error', () => this.destroy());
    this.deflate = deflate;
    this.inflate = inflate;
    this.session.state.compressed = true;
    const rest = this.reader.takeRemaining();
    if (rest.length > 0) inflate.write(rest);
  }

  private writeText(text: string): void {
    this.write([text]);
  }

  private write(chunks: readonly WireChunk[]): void {
    if (this.mode.kind === 'closed') return;
    for (const chunk of chunks) {
      const gathered = this.gathered; // drain() replaces it
      // Text is counted in UTF-16 units: only the batching threshold depends on it.
      if (typeof chunk === 'string') {
        const last = gathered.length - 1;
        if (last >= 0 && typeof gathered[last] === 'string') gathered[last] += chunk;
        else gathered.push(chunk);
      } else if (chunk.length >= GATHER_CHUNK_OCTETS) {
        this.drain();
        this.send(chunk);
        continue;
      } else {
        gathered.push(chunk);
      }
      this.gatheredOctets += chunk.length;
      if (this.gatheredOctets >= GATHER_OCTETS) this.drain();
    }
    if (!this.pumping) this.drain();
  }

  /** Hands the gathered chunks on: one text, or the octets joined into one buffer. */
  private drain(): void {
    const gathered = this.gathered;
    if (gathered.length === 0) return;
    this.gathered = [];
    this.gatheredOctets = 0;
    const first = gathered[0];
    if (gathered.length === 1 && first !== undefined) {
      this.send(first);
      return;
    }
    this.send(Buffer.concat(gathered.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk))));
  }

  private send(chunk: WireChunk): void {
    if (this.deflate) this.deflate.write(chunk);
    else this.socket.write(chunk);
  }

  /** Sends what is written so far (continuation requests cannot wait for the end of the batch). */
  private flush(): void {
    this.drain();
    if (this.deflate) this.deflate.flush(zlib.Z_SYNC_FLUSH);
    while (this.socket.writableCorked > 0) this.socket.uncork();
    if (this.pumping && this.mode.kind !== 'closed') this.socket.cork();
  }

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    const ms = this.session.state.phase === 'notauth' ? this.settings.preauthTimeoutMs : this.settings.autologoutMs;
    this.timer = setTimeout(() => this.closeWith('Autologout; idle for too long'), ms);
    this.timer.unref();
  }

  private closeWith(text: string, code?: string): void {
    if (this.mode.kind === 'closed') return;
    this.writeText(statusResponse('*', 'BYE', text, code));
    this.close();
  }

  private close(): void {
    this.flush();
    this.mode = { kind: 'closed' };
    if (this.timer) clearTimeout(this.timer);
    this.unsubscribe?.();
    if (this.deflate) this.deflate.end(() => this.socket.end());
    else this.socket.end();
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }

  private destroy(): void {
    this.mode = { kind: 'closed' };
    this.gathered = [];
    this.gatheredOctets = 0;
    if (this.timer) clearTimeout(this.timer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.socket.destroy();
  }
}
