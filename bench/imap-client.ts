// bench/imap-client: the minimal IMAP client behind the IMAP benchmarks, one for every server
// measured. It writes one tagged command at a time and reads responses with just enough of
// RFC 9051's syntax to find where each ends: a response line ends at CRLF unless the line ends
// with a literal announcement `{n}` / `{n+}` / `~{n}` (§4.3), in which case n octets follow and
// the same response continues after them. Untagged responses are counted (and their first line
// kept on request, for SEARCH results), `+` continuation requests resolve a waiter (for
// synchronizing literals and IDLE), and the tagged line completes the command. Nothing the
// server sends is parsed beyond that: the benchmark measures the servers, not this client.
// Plain TCP or implicit TLS (certificates not verified: both servers use throwaway ones).
// Input it does not trust: none that matters (a benchmark against local servers), but a
// malformed stream fails the client rather than hanging it.

import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

const CR = 13;
const LF = 10;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const PLUS = 43;
const ZERO = 48;
const NINE = 57;
/** A response line longer than this (without its literals) is a protocol failure here. */
const MAX_LINE_OCTETS = 16 * 1024 * 1024;

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** Source address on loopback (127.0.0.0/8), to spread many connections over addresses. */
  readonly localAddress?: string;
}

export interface Completion {
  readonly status: 'OK' | 'NO' | 'BAD';
  /** The tagged line after the status. */
  readonly text: string;
  /** Untagged responses received while the command ran. */
  readonly untagged: number;
  /** First lines of the untagged responses, when the command asked to keep them. */
  readonly lines: readonly string[];
  /** Octets received for the command (responses and literals). */
  readonly octets: number;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/** The octet count of a literal announced at the end of a line segment (before its CRLF). */
function literalAtEnd(segment: Buffer): number | undefined {
  let end = segment.length - 1;
  if (segment[end] !== LF || segment[end - 1] !== CR || segment[end - 2] !== CLOSE_BRACE) return undefined;
  end -= 3;
  if (segment[end] === PLUS) end--;
  let digits = 0;
  let value = 0;
  let scale = 1;
  for (; end >= 0; end--) {
    const octet = segment[end] ?? 0;
    if (octet === OPEN_BRACE) return digits > 0 ? value : undefined;
    if (octet < ZERO || octet > NINE || digits >= 15) return undefined;
    value += (octet - ZERO) * scale;
    scale *= 10;
    digits++;
  }
  return undefined;
}

export class ImapClient {
  readonly #socket: Socket;
  #tagCounter = 0;
  /** Pieces of a line not yet ended by LF. */
  #partial: Buffer[] = [];
  #partialOctets = 0;
  /** Octets of a literal still to skip. */
  #literalLeft = 0;
  /** The first segment of the response being read (its head, before any literal). */
  #head: string | undefined;
  #greeting: Waiter<string> | undefined;
  #greetingLine: string | undefined;
  #continuation: Waiter<string> | undefined;
  #command: (Waiter<Completion> & { tag: string; keep: boolean; untagged: number; lines: string[]; octets: number }) | undefined;
  #failure: Error | undefined;
  #closed = false;
  /** Every octet received on this connection. */
  octetsIn = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#received(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => {
      this.#closed = true;
      this.#fail(new Error('connection closed by the server'));
    });
  }

  /** Connects and waits for the greeting (an untagged OK, or PREAUTH). */
  static async open(endpoint: Endpoint): Promise<{ client: ImapClient; greeting: string }> {
    const options = { host: endpoint.host, port: endpoint.port, ...(endpoint.localAddress ? { localAddress: endpoint.localAddress } : {}) };
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = endpoint.tls ? connectTls({ ...options, rejectUnauthorized: false }) : connectTcp(options);
      s.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
        s.removeListener('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
    const client = new ImapClient(socket);
    const greeting = await client.#waitGreeting();
    if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) {
      client.close();
      throw new Error(`greeting: ${greeting}`);
    }
    return { client, greeting };
  }

  #waitGreeting(): Promise<string> {
    if (this.#greetingLine !== undefined) return Promise.resolve(this.#greetingLine);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => (this.#greeting = { resolve, reject }));
  }

  #received(chunk: Buffer): void {
    this.octetsIn += chunk.length;
    if (this.#command) this.#command.octets += chunk.length;
    let position = 0;
    while (position < chunk.length) {
      if (this.#literalLeft > 0) {
        const take = Math.min(this.#literalLeft, chunk.length - position);
        this.#literalLeft -= take;
        position += take;
        continue;
      }
      const lf = chunk.indexOf(LF, position);
      if (lf < 0) {
        this.#partial.push(chunk.subarray(position));
        this.#partialOctets += chunk.length - position;
        if (this.#partialOctets > MAX_LINE_OCTETS) return this.#fail(new Error('response line too long'));
        return;
      }
      const piece = chunk.subarray(position, lf + 1);
      position = lf + 1;
      const segment = this.#partial.length === 0 ? piece : Buffer.concat([...this.#partial, piece]);
      this.#partial = [];
      this.#partialOctets = 0;
      if (this.#head === undefined) {
        const keep = this.#command?.keep === true || this.#greetingLine === undefined || segment[0] !== 42; // 42: '*'
        this.#head = keep ? segment.toString('latin1', 0, segment.length - 2) : segment.toString('latin1', 0, Math.min(segment.length, 16));
      }
      const literal = literalAtEnd(segment);
      if (literal !== undefined) {
        this.#literalLeft = literal;
        continue;
      }
      const head = this.#head;
      this.#head = undefined;
      this.#response(head);
    }
  }

  #response(head: string): void {
    if (this.#greetingLine === undefined) {
      this.#greetingLine = head;
      this.#greeting?.resolve(head);
      this.#greeting = undefined;
      return;
    }
    if (head.startsWith('+')) {
      const waiter = this.#continuation;
      this.#continuation = undefined;
      waiter?.resolve(head);
      return;
    }
    const command = this.#command;
    if (head.startsWith('*')) {
      if (command) {
        command.untagged++;
        if (command.keep) command.lines.push(head);
      }
      return;
    }
    if (!command || !head.startsWith(`${command.tag} `)) return this.#fail(new Error(`unexpected response: ${head.slice(0, 200)}`));
    this.#command = undefined;
    const [, status = '', text = ''] = /^\S+ (OK|NO|BAD)\b ?(.*)$/i.exec(head) ?? [];
    if (status === '') return command.reject(new Error(`unreadable completion: ${head.slice(0, 200)}`));
    command.resolve({ status: status.toUpperCase() as Completion['status'], text, untagged: command.untagged, lines: command.lines, octets: command.octets });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#greeting?.reject(this.#failure);
    this.#continuation?.reject(this.#failure);
    this.#command?.reject(this.#failure);
    this.#greeting = undefined;
    this.#continuation = undefined;
    this.#command = undefined;
    if (!this.#closed) this.#socket.destroy();
  }

  /**
   * Sends `tag command` and resolves when its tagged completion arrives. `parts` lets a caller
   * send a command in pieces (APPEND's literal): the command text up to a synchronizing
   * literal, then each later piece once the server's `+` arrives.
   */
  run(command: string, options: { keep?: boolean; after?: readonly (string | Buffer)[] } = {}): Promise<Completion> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#command) return Promise.reject(new Error('a command is already running'));
    const tag = `b${++this.#tagCounter}`;
    const done = new Promise<Completion>((resolve, reject) => {
      this.#command = { tag, resolve, reject, keep: options.keep === true, untagged: 0, lines: [], octets: 0 };
    });
    const after = options.after ?? [];
    if (after.length === 0) {
      this.#socket.write(`${tag} ${command}\r\n`);
      return done;
    }
    const continued = this.#nextContinuation();
    this.#socket.write(`${tag} ${command}\r\n`);
    return this.#continue(done, continued, after);
  }

  async #continue(done: Promise<Completion>, continued: Promise<string>, after: readonly (string | Buffer)[]): Promise<Completion> {
    // A refusal (tagged NO/BAD) instead of `+` ends the command: the rest is never sent.
    const first = await Promise.race([continued.then(() => undefined), done]);
    if (first !== undefined) return first;
    this.#socket.cork();
    for (const piece of after) this.#socket.write(piece);
    this.#socket.uncork();
    return done;
  }

  #nextContinuation(): Promise<string> {
    const promise = new Promise<string>((resolve, reject) => (this.#continuation = { resolve, reject }));
    // A command refused before its `+` leaves this waiter unanswered; never an unhandled rejection.
    promise.catch(() => undefined);
    return promise;
  }

  /**
   * RFC 2177: IDLE, and resolves once the server's `+` says the client is idling, with the
   * command's completion (which arrives after done()).
   */
  async idle(): Promise<{ completion: Promise<Completion> }> {
    if (this.#failure) throw this.#failure;
    const tag = `b${++this.#tagCounter}`;
    const done = new Promise<Completion>((resolve, reject) => {
      this.#command = { tag, resolve, reject, keep: false, untagged: 0, lines: [], octets: 0 };
    });
    done.catch(() => undefined);
    const continued = this.#nextContinuation();
    this.#socket.write(`${tag} IDLE\r\n`);
    const first = await Promise.race([continued.then(() => undefined), done]);
    if (first !== undefined) throw new Error(`IDLE refused: ${first.status} ${first.text}`);
    return { completion: done };
  }

  /** Ends an IDLE started with idle(): writes DONE; the promise idle() gave completes. */
  done(): void {
    this.#socket.write('DONE\r\n');
  }

  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }
}

/** Throws unless the completion is OK. */
export function ok(what: string, completion: Completion): Completion {
  if (completion.status !== 'OK') throw new Error(`${what}: ${completion.status} ${completion.text}`);
  return completion;
}

/** An IMAP quoted string (RFC 9051 §4.3) for ASCII text without CR or LF. */
export function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
