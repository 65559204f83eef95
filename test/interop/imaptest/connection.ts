// One IMAP connection of the imaptest runner: a real TCP (or TLS) socket to the server under
// test, its input cut into responses with args.ts (literals included) and queued, so the
// executor reads one connection's replies only while a command group runs on it, as imaptest
// does (its other connections' input waits unread). Every wait is bounded. Input not trusted:
// a response that does not parse becomes an error event, never an exception.

import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { atomOf, parseServerLine, type ImapArg } from './args.ts';

export interface ServerTarget {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS (certificates are not verified: test servers use self-signed ones). */
  readonly tls?: boolean;
}

export type ServerEvent =
  | { readonly kind: 'response'; readonly tag: string; readonly args: readonly ImapArg[]; readonly raw: string }
  | { readonly kind: 'continuation'; readonly raw: string }
  | { readonly kind: 'error'; readonly message: string; readonly raw: string }
  | { readonly kind: 'closed' };

export class Connection {
  private buffer = '';
  private readonly events: ServerEvent[] = [];
  private wake: (() => void) | undefined;
  private broken = false;
  closed = false;
  private readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      this.drain();
    });
    const end = (): void => {
      if (this.closed) return;
      this.closed = true;
      this.push({ kind: 'closed' });
    };
    socket.on('close', end);
    socket.on('end', end);
    socket.on('error', end);
  }

  static open(target: ServerTarget, limitMs: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = target.tls
        ? connectTls({ host: target.host, port: target.port, rejectUnauthorized: false })
        : connectTcp({ host: target.host, port: target.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection to ${target.host}:${target.port} within ${limitMs} ms`));
      }, limitMs);
      socket.once(target.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve(new Connection(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  private push(event: ServerEvent): void {
    this.events.push(event);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private drain(): void {
    while (!this.broken && this.buffer.length > 0) {
      if (/^\+( |\r?\n)/.test(this.buffer)) {
        const lf = this.buffer.indexOf('\n');
        if (lf < 0) return;
        this.push({ kind: 'continuation', raw: this.buffer.slice(0, lf + 1) });
        this.buffer = this.buffer.slice(lf + 1);
        continue;
      }
      const parsed = parseServerLine(this.buffer, 0);
      if (!parsed.ok) {
        if (parsed.incomplete) return;
        const lf = this.buffer.indexOf('\n');
        this.broken = true; // imaptest disconnects on input it cannot parse
        this.push({ kind: 'error', message: `error parsing input: ${parsed.error}`, raw: lf < 0 ? this.buffer : this.buffer.slice(0, lf + 1) });
        return;
      }
      const raw = this.buffer.slice(0, parsed.end);
      this.buffer = this.buffer.slice(parsed.end);
      const tag = atomOf(parsed.args[0]);
      if (tag === undefined) {
        this.broken = true;
        this.push({ kind: 'error', message: 'Broken tag', raw });
        return;
      }
      this.push({ kind: 'response', tag, args: parsed.args.slice(1), raw });
    }
  }

  /** The next event, waiting at most `limitMs`; undefined on timeout. */
  async next(limitMs: number): Promise<ServerEvent | undefined> {
    const queued = this.events.shift();
    if (queued) return queued;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, limitMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    return this.events.shift();
  }

  write(data: string): void {
    if (!this.closed) this.socket.write(Buffer.from(data, 'latin1'));
  }

  close(): void {
    this.socket.destroy();
  }
}
