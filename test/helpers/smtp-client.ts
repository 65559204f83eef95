// A raw SMTP test client: it writes exactly the bytes a test gives (so tests can send what a
// broken or hostile client sends) and reads replies as they come. Not a conforming client;
// conforming behaviour is tested with Python's smtplib and swaks.

import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';

/** How long a test waits for a reply before failing (a bound, not a timing assertion). */
const REPLY_LIMIT_MS = 15_000;

export interface SmtpReply {
  readonly code: number;
  readonly lines: string[];
  readonly text: string;
}

export class RawSmtp {
  private socket: Socket | TLSSocket;
  private buffer = '';
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(socket: Socket | TLSSocket) {
    this.socket = socket;
    this.listen(socket);
  }

  private listen(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  static async connect(port: number, options: { tls?: boolean } = {}): Promise<RawSmtp> {
    const socket = options.tls
      ? connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : connectTcp({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawSmtp(socket);
  }

  send(data: string | Uint8Array): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** The next complete reply (multi-line replies joined), or undefined when the server closed. */
  async reply(): Promise<SmtpReply | undefined> {
    const deadline = Date.now() + REPLY_LIMIT_MS;
    for (;;) {
      const match = /^((?:\d{3}-[^\r\n]*\r\n)*)(\d{3})(?: [^\r\n]*)?\r\n/.exec(this.buffer);
      if (match) {
        const raw = match[0];
        this.buffer = this.buffer.slice(raw.length);
        const lines = raw.split('\r\n').filter((line) => line !== '');
        return { code: Number(match[2]), lines, text: lines.map((line) => line.slice(4)).join('\n') };
      }
      if (this.closed) return undefined;
      if (Date.now() > deadline) throw new Error(`no reply; buffer: ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a command and returns its reply. */
  async command(line: string): Promise<SmtpReply | undefined> {
    this.send(`${line}\r\n`);
    return this.reply();
  }

  /** Upgrades to TLS after a 220 to STARTTLS. */
  async startTls(): Promise<void> {
    const raw = this.socket as Socket;
    raw.removeAllListeners('data');
    const secure = connectTls({ socket: raw, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.buffer = '';
    this.listen(secure);
  }

  /** Waits until the server closes the connection; true when it did. */
  async waitClosed(limitMs = REPLY_LIMIT_MS): Promise<boolean> {
    const deadline = Date.now() + limitMs;
    while (!this.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
