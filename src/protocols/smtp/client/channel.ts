// The client's side of one SMTP connection: connect (binding the pool's source address),
// read replies with the wire layer's ReplyReader, write commands and data under timeouts,
// and upgrade to TLS after STARTTLS. Every failure comes back as a value (timeout, closed,
// protocol); nothing the server sends makes it throw. Input it does not trust: every byte
// from the socket. Memory stays bounded: reply lines and replies are capped by the reader,
// and a server that sends replies faster than we ask for them is paused (TCP pushes back).
//
// Standards: RFC 5321 §4.2 (replies; ReplyReader), §4.5.3.2 (the caller passes each
// command's timeout), RFC 3207 §4.2 (after the 220 to STARTTLS the client discards anything
// the server sent in plaintext: a reply injected before the handshake is never read as the
// answer to a later command).

import type { X509Certificate } from 'node:crypto';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import { err, ok, type Result } from '../../../core/result.ts';
import { peerChain } from '../../../dns/dane.ts';
import { ReplyReader, type Reply } from '../wire/reply.ts';
import { CLIENT_MAX_REPLY_LINE_OCTETS, CLIENT_MAX_REPLY_LINES, MAX_BUFFERED_REPLIES } from './limits.ts';
import type { SmtpTarget } from './types.ts';

export interface ChannelError {
  readonly kind: 'timeout' | 'closed' | 'protocol';
  readonly detail: string;
}

export interface TlsHandshake {
  readonly protocol: string;
  readonly cipher: string;
  readonly chainVerified: boolean;
  readonly chainError?: string;
  readonly certificate: PeerCertificate | undefined;
  /** The presented chain, server certificate first (for DANE, RFC 7672 §3.1). */
  readonly chain: readonly X509Certificate[];
}

function newReader(): ReplyReader {
  return new ReplyReader({ maxLineOctets: CLIENT_MAX_REPLY_LINE_OCTETS, maxLines: CLIENT_MAX_REPLY_LINES });
}

function errorText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
}

export class SmtpChannel {
  #socket: Socket;
  #reader = newReader();
  #replies: Reply[] = [];
  #malformed: ChannelError | undefined;
  /** Why the connection ended, once it has. */
  #ended: string | undefined;
  #paused = false;
  #wake: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  /** Connects to the target, bound to its local address when given. */
  static open(target: SmtpTarget, timeoutMs: number): Promise<Result<SmtpChannel, ChannelError>> {
    return new Promise((resolve) => {
      let socket: Socket;
      try {
        socket = connectTcp({ host: target.host, port: target.port, ...(target.localAddress !== undefined ? { localAddress: target.localAddress } : {}) });
      } catch (error) {
        // Invalid options (a malformed address) throw synchronously.
        resolve(err({ kind: 'closed', detail: `cannot connect: ${errorText(error)}` }));
        return;
      }
      const finish = (result: Result<SmtpChannel, ChannelError>) => {
        clearTimeout(timer);
        socket.removeListener('connect', onConnect);
        socket.removeListener('error', onError);
        resolve(result);
      };
      const onConnect = () => {
        socket.setNoDelay(true);
        finish(ok(new SmtpChannel(socket)));
      };
      const onError = (error: unknown) => {
        socket.destroy();
        finish(err({ kind: 'closed', detail: `cannot connect: ${errorText(error)}` }));
      };
      const timer = setTimeout(() => {
        socket.destroy();
        finish(err({ kind: 'timeout', detail: `no connection within ${timeoutMs} ms` }));
      }, timeoutMs);
      socket.once('connect', onConnect);
      socket.once('error', onError);
    });
  }

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onError);
  }

  #detach(socket: Socket): void {
    socket.removeListener('data', this.#onData);
    socket.removeListener('end', this.#onEnd);
    socket.removeListener('close', this.#onClose);
    socket.removeListener('error', this.#onError);
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#reader.push(chunk);
    for (let result = this.#reader.next(); result !== undefined && this.#malformed === undefined; result = this.#reader.next()) {
      if (result.ok) this.#replies.push(result.value);
      else this.#malformed = { kind: 'protocol', detail: `malformed reply: ${result.error.message}` };
    }
    if (this.#malformed !== undefined) {
      // The stream is out of step for good: stop reading it.
      this.#socket.pause();
    } else if (this.#replies.length >= MAX_BUFFERED_REPLIES && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
    this.#wake?.();
  };

  readonly #onEnd = (): void => {
    this.#ended ??= 'the server closed the connection';
    this.#wake?.();
  };

  readonly #onClose = (): void => {
    this.#ended ??= 'the connection closed';
    this.#wake?.();
  };

  readonly #onError = (error: unknown): void => {
    this.#ended ??= `connection error: ${errorText(error)}`;
    this.#wake?.();
  };

  /** Resolves once `ready()` holds (true) or after `timeoutMs` (false). One waiter at a time. */
  #waitFor(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    if (ready()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve(false);
      }, timeoutMs);
      this.#wake = () => {
        if (!ready()) return;
        clearTimeout(timer);
        this.#wake = undefined;
        resolve(true);
      };
    });
  }

  /** The next reply; `what` names the command it answers, for the error text. */
  async read(timeoutMs: number, what: string): Promise<Result<Reply, ChannelError>> {
    await this.#waitFor(() => this.#replies.length > 0 || this.#malformed !== undefined || this.#ended !== undefined, timeoutMs);
    const reply = this.#replies.shift();
    if (reply !== undefined) {
      if (this.#paused && this.#replies.length < MAX_BUFFERED_REPLIES / 2) {
        this.#paused = false;
        if (this.#malformed === undefined) this.#socket.resume();
      }
      return ok(reply);
    }
    if (this.#malformed !== undefined) return err({ kind: 'protocol', detail: `${this.#malformed.detail} (reading the reply to ${what})` });
    if (this.#ended !== undefined) return err({ kind: 'closed', detail: `${this.#ended} before the reply to ${what}` });
    return err({ kind: 'timeout', detail: `no reply to ${what} within ${timeoutMs} ms` });
  }

  /** Writes, waiting for the socket to drain (at most `timeoutMs`) when its buffer is full. */
  async write(data: string | Uint8Array, timeoutMs: number, what: string): Promise<Result<void, ChannelError>> {
    const socket = this.#socket;
    if (this.#ended !== undefined || socket.destroyed) return err({ kind: 'closed', detail: `${this.#ended ?? 'the connection closed'} before ${what} was sent` });
    if (socket.write(data)) return ok(undefined);
    let drained = false;
    const onDrain = () => {
      drained = true;
      this.#wake?.();
    };
    socket.once('drain', onDrain);
    await this.#waitFor(() => drained || this.#ended !== undefined, timeoutMs);
    socket.removeListener('drain', onDrain);
    if (drained) return ok(undefined);
    if (this.#ended !== undefined) return err({ kind: 'closed', detail: `${this.#ended} while sending ${what}` });
    return err({ kind: 'timeout', detail: `sending ${what} made no progress within ${timeoutMs} ms` });
  }

  /**
   * TLS over the connection, after the server's 220 to STARTTLS. The certificate is not
   * judged here (the caller applies its policy to what is returned). RFC 3207 §4.2: whatever
   * the server sent after the 220 is discarded.
   */
  async startTls(servername: string, ca: string | Buffer | undefined, timeoutMs: number): Promise<Result<TlsHandshake, ChannelError>> {
    const raw = this.#socket;
    this.#detach(raw);
    this.#reader = newReader();
    this.#replies = [];
    this.#paused = false;
    const options: ConnectionOptions = {
      socket: raw,
      rejectUnauthorized: false,
      // `authorized` then reports the chain alone; certificate.ts checks the name (RFC 6125).
      checkServerIdentity: () => undefined,
      minVersion: 'TLSv1.2',
      // RFC 6066 §3: SNI carries host names only, never an IP address.
      ...(isIP(servername) === 0 && servername !== '' ? { servername } : {}),
      ...(ca !== undefined ? { ca } : {}),
    };
    let secure: TLSSocket;
    try {
      secure = connectTls(options);
    } catch (error) {
      raw.destroy();
      this.#ended = `TLS failed: ${errorText(error)}`;
      return err({ kind: 'closed', detail: this.#ended });
    }
    this.#socket = secure;
    let outcome: 'secure' | 'failed' | undefined;
    let failure = '';
    const onSecure = () => {
      outcome = 'secure';
      this.#wake?.();
    };
    const onFail = (error?: unknown) => {
      outcome ??= 'failed';
      failure ||= error === undefined || typeof error === 'boolean' ? 'the connection closed during the TLS handshake' : errorText(error);
      this.#wake?.();
    };
    secure.once('secureConnect', onSecure);
    secure.on('error', onFail);
    secure.once('close', onFail);
    await this.#waitFor(() => outcome !== undefined, timeoutMs);
    secure.removeListener('secureConnect', onSecure);
    secure.removeListener('error', onFail);
    secure.removeListener('close', onFail);
    if (outcome !== 'secure') {
      secure.on('error', () => undefined);
      secure.destroy();
      raw.destroy();
      this.#ended = outcome === undefined ? `no TLS handshake within ${timeoutMs} ms` : `TLS handshake failed: ${failure}`;
      return err({ kind: outcome === undefined ? 'timeout' : 'closed', detail: this.#ended });
    }
    this.#attach(secure);
    raw.on('error', () => undefined);
    const cipher = secure.getCipher() as { name?: string } | undefined;
    const certificate = secure.getPeerCertificate();
    return ok({
      protocol: secure.getProtocol() ?? 'unknown',
      cipher: cipher?.name ?? 'unknown',
      chainVerified: secure.authorized,
      chain: peerChain(secure),
      ...(secure.authorizationError ? { chainError: String(secure.authorizationError) } : {}),
      certificate: certificate === null || Object.keys(certificate).length === 0 ? undefined : certificate,
    });
  }

  /** The connection can still carry commands. */
  get open(): boolean {
    return this.#ended === undefined && this.#malformed === undefined && !this.#socket.destroyed;
  }

  /** Closes at once. */
  destroy(): void {
    this.#ended ??= 'closed by us';
    this.#socket.destroy();
    this.#wake?.();
  }
}
