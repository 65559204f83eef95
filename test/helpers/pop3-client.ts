// A raw POP3 test client for the end-to-end tests: it writes exactly the bytes a test gives
// (so tests can send what a broken or hostile client sends) and reads status lines and
// multi-line bodies as they come, the bodies decoded by the reference decoder of
// wire/wire.test-support.ts. Not a conforming client; conforming behaviour is tested with
// Python's poplib, fetchmail and getmail. Not a test file itself. Input it does not trust:
// the server's bytes (bounded waits, never a hang).

import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { decodeMultilineByCrlf } from '../../src/protocols/pop3/wire/wire.test-support.ts';

/** How long a test waits for a response before failing (a bound, not a timing assertion). */
const RESPONSE_LIMIT_MS = 15_000;

export class RawPop3 {
  private socket: Socket | TLSSocket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(socket: Socket | TLSSocket) {
    this.socket = socket;
    this.listen(socket);
  }

  private listen(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
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

  /** Connects and reads the greeting. */
  static async connect(port: number, options: { tls?: boolean } = {}): Promise<{ client: RawPop3; greeting: string | undefined }> {
    const socket = options.tls ? connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false }) : connectTcp({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    const client = new RawPop3(socket);
    return { client, greeting: await client.status() };
  }

  send(data: string | Uint8Array): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  private async until<T>(take: () => T | undefined): Promise<T | undefined> {
    const deadline = Date.now() + RESPONSE_LIMIT_MS;
    for (;;) {
      const taken = take();
      if (taken !== undefined) return taken;
      if (this.closed) return undefined;
      if (Date.now() > deadline) throw new Error(`no response; buffer: ${JSON.stringify(this.buffer.subarray(0, 300).toString('latin1'))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next line (a status line or a challenge), without CRLF; undefined once the server closed. */
  status(): Promise<string | undefined> {
    return this.until(() => {
      const end = this.buffer.indexOf('\r\n');
      if (end === -1) return undefined;
      const line = this.buffer.subarray(0, end).toString('latin1');
      this.buffer = this.buffer.subarray(end + 2);
      return line;
    });
  }

  /** Sends a command line and returns the status line. */
  async command(line: string): Promise<string | undefined> {
    this.send(`${line}\r\n`);
    return this.status();
  }

  /** The body of a multi-line response, unstuffed (after its +OK line was read). */
  async body(): Promise<Buffer> {
    const decoded = await this.until(() => {
      const found = decodeMultilineByCrlf(this.buffer);
      if (found === undefined) return undefined;
      this.buffer = Buffer.from(found.rest);
      return found.message;
    });
    if (decoded === undefined) throw new Error('the connection closed inside a multi-line response');
    return Buffer.from(decoded);
  }

  /** The bytes of a multi-line response as sent, stuffing and termination line included. */
  async wireBody(): Promise<Buffer> {
    const wire = await this.until(() => {
      const found = decodeMultilineByCrlf(this.buffer);
      if (found === undefined) return undefined;
      const taken = this.buffer.subarray(0, this.buffer.length - found.rest.length);
      this.buffer = Buffer.from(found.rest);
      return taken;
    });
    if (wire === undefined) throw new Error('the connection closed inside a multi-line response');
    return Buffer.from(wire);
  }

  /** Sends a command with a multi-line answer: its status line and, after +OK, its body. */
  async multiline(line: string): Promise<{ status: string | undefined; body: Buffer | undefined }> {
    const status = await this.command(line);
    return { status, body: status?.startsWith('+OK') === true ? await this.body() : undefined };
  }

  /** USER and PASS; returns PASS's status line. */
  async login(user: string, password: string): Promise<string | undefined> {
    const answer = await this.command(`USER ${user}`);
    if (answer?.startsWith('+OK') !== true) return answer;
    return this.command(`PASS ${password}`);
  }

  /** Upgrades to TLS after a +OK to STLS. */
  async startTls(): Promise<void> {
    const raw = this.socket as Socket;
    raw.removeAllListeners('data');
    const secure = connectTls({ socket: raw, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.buffer = Buffer.alloc(0);
    this.listen(secure);
  }

  /** Bytes received and not yet read. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Waits until the server closes the connection; true when it did. */
  async waitClosed(limitMs = RESPONSE_LIMIT_MS): Promise<boolean> {
    const deadline = Date.now() + limitMs;
    while (!this.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.closed;
  }

  /** Drops the connection without QUIT (an aborted session). */
  close(): void {
    this.socket.destroy();
  }
}
