// One POP3 connection: the socket side of a session. It greets at once, reads command lines
// with the wire reader, answers pipelined commands in order and writes their replies together
// (RFC 2449 §6.6), waits for a client to read a large reply before taking its next command,
// upgrades to TLS on STLS discarding any plaintext that followed it (RFC 2595 §4), and runs
// the autologout timer, which closes without a word and without entering UPDATE (RFC 1939 §3).
// Input it does not trust: every byte from the socket.

import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Logger } from '../../../core/log.ts';
import type { TlsProvider } from '../../../tls/certificates.ts';
import { createCommandLineReader } from '../wire/line-reader.ts';
import { formatChallenge, formatStatus } from '../wire/response.ts';
import { OUTPUT_FLUSH_OCTETS, STLS_HANDSHAKE_TIMEOUT_MS } from './limits.ts';
import { GREETING, INTERNAL_ERROR, SHUTTING_DOWN, type Reply } from './replies.ts';
import { Pop3Session, type Action } from './session.ts';
import type { EndReason, TlsState } from './state.ts';

/** A peer that never reads must not keep a closing socket: it is destroyed after this grace. */
const CLOSE_GRACE_MS = 5000;

export interface ConnectionSettings {
  /** RFC 1939 §3 autologout timer. */
  readonly idleTimeoutMs: number;
  readonly logger: Logger;
}

type Mode = 'command' | 'tls' | 'closed';

export class Pop3Connection {
  private socket: Socket;
  private readonly session: Pop3Session;
  private readonly tls: TlsProvider;
  private readonly settings: ConnectionSettings;
  private readonly reader = createCommandLineReader();
  private readonly out: Uint8Array[] = [];
  private outBytes = 0;
  private mode: Mode = 'command';
  private pumping = false;
  private stopping = false;
  private sessionFinished = false;
  private endReason: EndReason = 'closed';
  private timer: NodeJS.Timeout | undefined;
  private writtenAtArm = 0;
  private readonly onData = (chunk: Buffer) => this.received(chunk);

  constructor(socket: Socket, session: Pop3Session, tls: TlsProvider, settings: ConnectionSettings) {
    this.socket = socket;
    this.session = session;
    this.tls = tls;
    this.settings = settings;
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('drain', () => this.armIdleTimer());
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
  }

  /** RFC 1939 §4: the greeting goes out at once. */
  start(): void {
    this.send(GREETING);
    this.flush();
    this.armIdleTimer();
  }

  /** Server shutdown: an idle session is told at once, a busy one after its current command; neither enters UPDATE. */
  shutdown(): void {
    this.stopping = true;
    if (!this.pumping && this.mode === 'command') this.closeWith(SHUTTING_DOWN, 'shutdown');
  }

  private received(chunk: Buffer): void {
    if (this.mode !== 'command') return;
    this.reader.push(chunk);
    this.armIdleTimer();
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.mode === 'command') {
        // A client that pipelines without reading waits here, not in our memory.
        await this.drained();
        if (this.mode !== 'command') break;
        const event = this.reader.next();
        if (event === undefined) break;
        const action = event.kind === 'line' ? await this.session.line(event.line) : this.session.invalidLine(event.kind);
        this.perform(action);
      }
    } catch (failure) {
      // The session answers its own failures; this is a bug in the connection itself.
      this.settings.logger.error({ err: failure }, 'pop3 connection failed');
      this.closeWith(INTERNAL_ERROR, 'closed');
    } finally {
      this.pumping = false;
      this.flush();
      if (this.mode === 'closed') this.finishSession();
      else if (this.stopping && this.mode === 'command') this.closeWith(SHUTTING_DOWN, 'shutdown');
    }
  }

  private perform(action: Action): void {
    switch (action.kind) {
      case 'reply':
        if (action.close === true) this.closeWith(action.reply, 'quit');
        else this.send(action.reply);
        return;
      case 'challenge':
        this.queue(Buffer.from(formatChallenge(action.data), 'latin1'));
        return;
      case 'stls':
        // RFC 2595 §4: plaintext pipelined behind STLS is not read as commands, ever.
        this.reader.discard();
        this.send(action.reply);
        this.flush();
        this.startTls();
        return;
    }
  }

  private startTls(): void {
    const raw = this.socket;
    raw.removeListener('data', this.onData);
    this.mode = 'tls';
    const secure = new TLSSocket(raw, { isServer: true, secureContext: this.tls.current.context });
    const timer = setTimeout(() => secure.destroy(), STLS_HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    secure.once('secure', () => {
      clearTimeout(timer);
      if (this.mode !== 'tls') return;
      this.socket = secure;
      this.attach(secure);
      this.session.tlsStarted(tlsFacts(secure) ?? { protocol: 'unknown', cipher: 'unknown' });
      this.mode = 'command';
      if (this.stopping) return this.closeWith(SHUTTING_DOWN, 'shutdown');
      this.armIdleTimer();
    });
    secure.on('error', () => {
      clearTimeout(timer);
      this.destroy();
    });
  }

  private send(reply: Reply): void {
    this.queue(Buffer.from(formatStatus(reply.status), 'latin1'));
    if (reply.body !== undefined) this.queue(reply.body);
  }

  private queue(bytes: Uint8Array): void {
    if (this.mode === 'closed') return;
    this.out.push(bytes);
    this.outBytes += bytes.length;
    if (this.outBytes >= OUTPUT_FLUSH_OCTETS) this.flush();
  }

  /** Writes the gathered replies in one go. */
  private flush(): void {
    if (this.out.length === 0) return;
    const parts = this.out.splice(0);
    this.outBytes = 0;
    if (this.socket.destroyed) return;
    this.socket.cork();
    for (const part of parts) this.socket.write(part);
    this.socket.uncork();
  }

  private async drained(): Promise<void> {
    this.flush();
    const socket = this.socket;
    if (!socket.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  /** RFC 1939 §3: the autologout timer; a client still reading a large reply is not idle. */
  private armIdleTimer(): void {
    if (this.mode === 'closed') return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.writtenAtArm = this.socket.bytesWritten;
    this.timer = setTimeout(() => {
      // Our own work (a command running, a reply still being read) is not client inactivity.
      if (this.pumping || (this.socket.writableLength > 0 && this.socket.bytesWritten !== this.writtenAtArm)) return this.armIdleTimer();
      this.closeWith(undefined, 'timeout');
    }, this.settings.idleTimeoutMs);
    this.timer.unref();
  }

  private closeWith(reply: Reply | undefined, reason: EndReason): void {
    if (this.mode === 'closed') return;
    if (reply !== undefined) this.send(reply);
    this.flush();
    this.mode = 'closed';
    this.endReason = reason;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.socket.end();
    const socket = this.socket;
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    if (!this.pumping) this.finishSession();
  }

  private destroy(): void {
    if (this.mode !== 'closed') this.mode = 'closed';
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.socket.destroy();
    if (!this.pumping) this.finishSession();
  }

  /** Ends the session once no command is running, so a QUIT in progress completes first. */
  private finishSession(): void {
    if (this.sessionFinished) return;
    this.sessionFinished = true;
    this.session.finish(this.endReason).catch((failure: unknown) => this.settings.logger.error({ err: failure }, 'pop3 session end failed'));
  }
}

export function tlsFacts(socket: TLSSocket): TlsState | undefined {
  const protocol = socket.getProtocol();
  if (!protocol) return undefined;
  return { protocol, cipher: socket.getCipher()?.name ?? 'unknown' };
}
