// A small programmable SMTP server for the client tests, on a real socket: it advertises the
// extensions a test asks for, answers each command as the test says (per recipient 250, 451,
// 550 ...), offers STARTTLS with a given certificate, can hold replies (to prove a client
// pipelines), stay silent (timeouts), drop the connection in the middle of the data, or inject
// bytes after its 220 to STARTTLS. It records every command line, every message (dot-stuffing
// undone, byte for byte) and the address each connection came from.
//
// Deliberately independent of src/protocols/smtp/wire: a second, simple implementation of
// the framing (RFC 5321 §4.1.1.4 and §4.5.2 for DATA, RFC 3030 §2 for BDAT), so a bug in the
// shared wire code cannot hide itself in both ends of a test.

import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';

export interface SinkTls {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** EHLO keywords once TLS is up (default: the plaintext ones). */
  readonly extensions?: readonly string[];
}

export interface SinkOptions {
  /** The greeting line(s), without the final CRLF (default "220 sink.test ESMTP"). */
  readonly greeting?: string;
  /** EHLO keywords (default: PIPELINING SIZE 8BITMIME SMTPUTF8 CHUNKING BINARYMIME DSN ENHANCEDSTATUSCODES). */
  readonly extensions?: readonly string[];
  /** Offer STARTTLS with this certificate. */
  readonly tls?: SinkTls;
  /** Replaces the reply to EHLO (e.g. "502 5.5.1 What?"). */
  readonly ehlo?: string;
  /** Replaces the 220 to STARTTLS (e.g. "454 4.7.0 Not now"). */
  readonly startTlsReply?: string;
  /** Bytes written in plaintext right after the 220 to STARTTLS (a response injection). */
  readonly injectAfterStartTls?: string;
  /** After the 220 to STARTTLS, answer the handshake with bytes that are not TLS, then close. */
  readonly breakHandshake?: boolean;
  readonly mail?: (args: string) => string;
  readonly rcpt?: (address: string) => string;
  /** The reply to DATA (default "354 ..."). */
  readonly dataStart?: string;
  /** The final reply for a message (default 250). */
  readonly data?: (message: Buffer) => string;
  /** Holds MAIL and RCPT replies until this many RCPT commands arrived (proves pipelining). */
  readonly holdEnvelopeReplies?: number;
  /** Closes the connection once this many octets of message content arrived. */
  readonly dropAfterDataOctets?: number;
  /** Never answers this verb (the client times out). */
  readonly silentOn?: string;
  /** Accepts AUTH PLAIN and LOGIN with these credentials (offered under TLS only). */
  readonly auth?: { readonly user: string; readonly password: string };
  /** The mechanisms listed after AUTH (default "PLAIN LOGIN"). */
  readonly authMechanisms?: string;
  readonly host?: string;
}

export const DEFAULT_SINK_EXTENSIONS = ['PIPELINING', 'SIZE 10000000', '8BITMIME', 'SMTPUTF8', 'CHUNKING', 'BINARYMIME', 'DSN', 'ENHANCEDSTATUSCODES'];

export interface SinkMessage {
  /** The text after "MAIL FROM:". */
  readonly mail: string;
  /** The text after "RCPT TO:" of each accepted recipient. */
  readonly rcpts: readonly string[];
  readonly data: Buffer;
  readonly via: 'DATA' | 'BDAT';
  readonly tls: boolean;
}

export interface SinkSession {
  readonly remoteAddress: string;
  /** Every command line, in order (SASL responses included). */
  readonly commands: string[];
  /** The command lines grouped by the socket read they arrived in. */
  readonly reads: string[][];
  readonly messages: SinkMessage[];
  tls: boolean;
  authenticated: string | undefined;
}

const CRLF = Buffer.from('\r\n');
const END_OF_DATA = Buffer.from('\r\n.\r\n');

/** Removes the dot-stuffing of RFC 5321 §4.5.2 from content ending in CRLF (or empty). */
function unstuff(content: Buffer): Buffer {
  const out: Buffer[] = [];
  let start = 0;
  while (start < content.length) {
    const end = content.indexOf(CRLF, start);
    const lineEnd = end === -1 ? content.length : end + 2;
    out.push(content.subarray(content[start] === 0x2e ? start + 1 : start, lineEnd));
    start = lineEnd;
  }
  return Buffer.concat(out);
}

class SinkConnection {
  readonly #options: SinkOptions;
  readonly #session: SinkSession;
  #socket: Socket;
  #buffer = Buffer.alloc(0);
  #mode:
    | { kind: 'command' }
    | { kind: 'data' }
    | { kind: 'bdat'; remaining: number; last: boolean }
    | { kind: 'sasl'; step: 'user' | 'password'; user?: string }
    | { kind: 'tls' }
    | { kind: 'closed' } = { kind: 'command' };
  #transaction: { mail: string; rcpts: string[]; chunks: Buffer[]; octets: number } | undefined;
  #held: string[] = [];
  #rcptCount = 0;

  constructor(socket: Socket, options: SinkOptions, session: SinkSession) {
    this.#socket = socket;
    this.#options = options;
    this.#session = session;
    this.#listen(socket);
    this.#send(options.greeting ?? '220 sink.test ESMTP');
  }

  #listen(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => this.#received(chunk));
    socket.on('error', () => undefined);
  }

  #send(text: string): void {
    if (this.#mode.kind !== 'closed' && !this.#socket.destroyed) this.#socket.write(`${text}\r\n`);
  }

  #received(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const read: string[] = [];
    this.#session.reads.push(read);
    for (;;) {
      const mode = this.#mode;
      if (mode.kind === 'closed' || mode.kind === 'tls') return;
      if (mode.kind === 'data' || mode.kind === 'bdat') {
        if (!this.#content(mode)) return;
        continue;
      }
      const end = this.#buffer.indexOf(CRLF);
      if (end === -1) return;
      const line = this.#buffer.subarray(0, end).toString('latin1');
      this.#buffer = this.#buffer.subarray(end + 2);
      read.push(line);
      this.#session.commands.push(line);
      if (mode.kind === 'sasl') this.#sasl(mode, line);
      else this.#command(line);
      if (this.#mode.kind === 'tls') return;
    }
  }

  /** Reads message content; false when more bytes are needed. */
  #content(mode: { kind: 'data' } | { kind: 'bdat'; remaining: number; last: boolean }): boolean {
    const transaction = this.#transaction;
    if (transaction === undefined) return false;
    const drop = this.#options.dropAfterDataOctets;
    if (drop !== undefined && transaction.octets + this.#buffer.length >= drop) {
      this.#mode = { kind: 'closed' };
      this.#socket.destroy();
      return false;
    }
    if (mode.kind === 'bdat') {
      const take = Math.min(mode.remaining, this.#buffer.length);
      transaction.chunks.push(Buffer.from(this.#buffer.subarray(0, take)));
      transaction.octets += take;
      this.#buffer = this.#buffer.subarray(take);
      mode.remaining -= take;
      if (mode.remaining > 0) return false;
      this.#mode = { kind: 'command' };
      if (mode.last) this.#finish('BDAT');
      else this.#send(`250 2.0.0 chunk of ${transaction.octets} octets so far`);
      return true;
    }
    // RFC 5321 §4.1.1.4: the content ends at CRLF "." CRLF; an empty message is "." CRLF.
    let contentEnd: number;
    let after: number;
    if (this.#buffer.subarray(0, 3).equals(Buffer.from('.\r\n'))) {
      contentEnd = 0;
      after = 3;
    } else {
      const end = this.#buffer.indexOf(END_OF_DATA);
      if (end === -1) return false;
      contentEnd = end + 2;
      after = end + 5;
    }
    transaction.chunks.push(unstuff(this.#buffer.subarray(0, contentEnd)));
    this.#buffer = this.#buffer.subarray(after);
    this.#mode = { kind: 'command' };
    this.#finish('DATA');
    return true;
  }

  #finish(via: 'DATA' | 'BDAT'): void {
    const transaction = this.#transaction;
    this.#transaction = undefined;
    if (transaction === undefined) return;
    const data = Buffer.concat(transaction.chunks);
    if (transaction.rcpts.length === 0) return this.#send('554 5.5.1 No valid recipients');
    this.#session.messages.push({ mail: transaction.mail, rcpts: transaction.rcpts, data, via, tls: this.#session.tls });
    this.#send(this.#options.data?.(data) ?? '250 2.0.0 Ok: queued');
  }

  #envelopeReply(text: string): void {
    const hold = this.#options.holdEnvelopeReplies;
    if (hold === undefined || this.#rcptCount >= hold) {
      for (const held of this.#held.splice(0)) this.#send(held);
      this.#send(text);
    } else {
      this.#held.push(text);
    }
  }

  #ehloKeywords(): string[] {
    const options = this.#options;
    const tls = this.#session.tls;
    const keywords = [...(tls ? (options.tls?.extensions ?? options.extensions ?? DEFAULT_SINK_EXTENSIONS) : (options.extensions ?? DEFAULT_SINK_EXTENSIONS))];
    if (options.tls !== undefined && !tls) keywords.push('STARTTLS');
    if (options.auth !== undefined && tls) keywords.push(`AUTH ${options.authMechanisms ?? 'PLAIN LOGIN'}`);
    return keywords;
  }

  #command(line: string): void {
    const verb = (/^[A-Za-z]+/.exec(line)?.[0] ?? '').toUpperCase();
    const argument = line.slice(verb.length + 1);
    if (this.#options.silentOn !== undefined && verb === this.#options.silentOn.toUpperCase()) return;
    switch (verb) {
      case 'EHLO': {
        this.#transaction = undefined;
        if (this.#options.ehlo !== undefined) return this.#send(this.#options.ehlo);
        const lines = ['sink.test greets you', ...this.#ehloKeywords()];
        return this.#send(lines.map((text, i) => `250${i === lines.length - 1 ? ' ' : '-'}${text}`).join('\r\n'));
      }
      case 'HELO':
        this.#transaction = undefined;
        return this.#send('250 sink.test');
      case 'STARTTLS':
        return this.#startTls();
      case 'AUTH':
        return this.#auth(argument);
      case 'MAIL': {
        const args = argument.replace(/^FROM:/i, '');
        const reply = this.#options.mail?.(args) ?? '250 2.1.0 Ok';
        this.#rcptCount = 0;
        this.#transaction = reply.startsWith('2') ? { mail: args, rcpts: [], chunks: [], octets: 0 } : undefined;
        return this.#envelopeReply(reply);
      }
      case 'RCPT': {
        this.#rcptCount++;
        const args = argument.replace(/^TO:/i, '');
        if (this.#transaction === undefined) return this.#envelopeReply('503 5.5.1 Need MAIL first');
        const address = /^<([^>]*)>/.exec(args)?.[1] ?? '';
        const reply = this.#options.rcpt?.(address) ?? '250 2.1.5 Ok';
        if (reply.startsWith('2')) this.#transaction.rcpts.push(args);
        return this.#envelopeReply(reply);
      }
      case 'DATA':
        if (this.#transaction === undefined || this.#transaction.rcpts.length === 0) return this.#send('503 5.5.1 No valid recipients');
        this.#send(this.#options.dataStart ?? '354 End data with <CR><LF>.<CR><LF>');
        if ((this.#options.dataStart ?? '354').startsWith('354')) this.#mode = { kind: 'data' };
        return;
      case 'BDAT': {
        const match = /^([0-9]+)( LAST)?$/i.exec(argument);
        if (match === null) return this.#send('501 5.5.4 Syntax: BDAT size [LAST]');
        this.#transaction ??= { mail: '', rcpts: [], chunks: [], octets: 0 };
        this.#mode = { kind: 'bdat', remaining: Number(match[1]), last: match[2] !== undefined };
        return;
      }
      case 'RSET':
        this.#transaction = undefined;
        return this.#send('250 2.0.0 Ok');
      case 'NOOP':
        return this.#send('250 2.0.0 Ok');
      case 'QUIT':
        this.#send('221 2.0.0 Bye');
        this.#mode = { kind: 'closed' };
        this.#socket.end();
        return;
      default:
        return this.#send('502 5.5.2 Command not recognized');
    }
  }

  #startTls(): void {
    const tls = this.#options.tls;
    if (tls === undefined || this.#session.tls) return this.#send('502 5.5.1 No TLS here');
    if (this.#options.startTlsReply !== undefined) return this.#send(this.#options.startTlsReply);
    // One write: the injected bytes arrive with the 220, as from a man in the middle.
    this.#socket.write(`220 2.0.0 Ready to start TLS\r\n${this.#options.injectAfterStartTls ?? ''}`);
    if (this.#options.breakHandshake === true) {
      this.#mode = { kind: 'closed' };
      this.#socket.end('this is not TLS\r\n');
      return;
    }
    const raw = this.#socket;
    raw.removeAllListeners('data');
    this.#buffer = Buffer.alloc(0);
    this.#mode = { kind: 'tls' };
    const secure = new TLSSocket(raw, { isServer: true, secureContext: createSecureContext({ cert: tls.cert, key: tls.key }) });
    secure.on('error', () => raw.destroy());
    secure.once('secure', () => {
      this.#socket = secure;
      this.#session.tls = true;
      this.#transaction = undefined;
      this.#mode = { kind: 'command' };
      this.#listen(secure);
    });
  }

  #auth(argument: string): void {
    const expected = this.#options.auth;
    if (expected === undefined || !this.#session.tls) return this.#send('503 5.5.1 AUTH not available');
    const [mechanism = '', initial] = argument.split(' ');
    if (mechanism.toUpperCase() === 'PLAIN' && initial !== undefined) {
      const [, user, password] = Buffer.from(initial, 'base64').toString('utf8').split('\0');
      return this.#authResult(user === expected.user && password === expected.password, user ?? '');
    }
    if (mechanism.toUpperCase() === 'LOGIN') {
      this.#mode = { kind: 'sasl', step: 'user' };
      return this.#send('334 VXNlcm5hbWU6');
    }
    return this.#send('504 5.5.4 Unrecognized authentication type');
  }

  #sasl(mode: { kind: 'sasl'; step: 'user' | 'password'; user?: string }, line: string): void {
    const decoded = Buffer.from(line, 'base64').toString('utf8');
    if (mode.step === 'user') {
      this.#mode = { kind: 'sasl', step: 'password', user: decoded };
      return this.#send('334 UGFzc3dvcmQ6');
    }
    this.#mode = { kind: 'command' };
    const expected = this.#options.auth;
    this.#authResult(expected !== undefined && mode.user === expected.user && decoded === expected.password, mode.user ?? '');
  }

  #authResult(success: boolean, user: string): void {
    if (success) this.#session.authenticated = user;
    this.#send(success ? '235 2.7.0 Authentication successful' : '535 5.7.8 Authentication credentials invalid');
  }
}

export class SmtpSink {
  readonly sessions: SinkSession[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly port: number;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  static async start(options: SinkOptions = {}): Promise<SmtpSink> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the sink has no port');
    const sink = new SmtpSink(server, address.port);
    server.on('connection', (socket: Socket) => {
      sink.#sockets.add(socket);
      socket.once('close', () => sink.#sockets.delete(socket));
      const session: SinkSession = { remoteAddress: socket.remoteAddress ?? '', commands: [], reads: [], messages: [], tls: false, authenticated: undefined };
      sink.sessions.push(session);
      new SinkConnection(socket, options, session);
    });
    return sink;
  }

  /** Every message of every session, in arrival order. */
  get messages(): SinkMessage[] {
    return this.sessions.flatMap((session) => session.messages);
  }

  /** Every command of every session. */
  get commands(): string[] {
    return this.sessions.flatMap((session) => session.commands);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
