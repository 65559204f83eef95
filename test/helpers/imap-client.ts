// A small IMAP test client (RFC 9051 / RFC 3501 client side) over node:net or node:tls. It sends
// tagged commands (synchronizing literals wait for the server's "+" continuation, RFC 9051 §7.5;
// LITERAL+ / LITERAL- non-synchronizing literals RFC 7888; binary literals "~{n}" RFC 3516 §4.2),
// collects untagged responses, supports IDLE (RFC 2177) and parses every response into the same
// value trees the message model produces (`ImapValue`: atoms and quoted strings as strings,
// literals as bytes, NIL as null, numbers, lists), so two servers' answers compare structurally.
// Input not trusted: whatever the server sends; a malformed response is kept raw (with the values
// parsed up to the error), never thrown on. A test helper: not a conforming client for
// production, and it writes exactly what a test asks for.

import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';

export type ImapValue = string | number | null | Uint8Array | readonly ImapValue[];

/** How long a test waits for a response before failing (a bound, not a timing assertion). */
export const RESPONSE_LIMIT_MS = 30_000;

export type ImapStatus = 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH';

export interface ImapResponse {
  /** "*" for untagged, "+" for a continuation request, else the command tag. */
  readonly tag: string;
  /** For status responses (OK/NO/BAD/BYE/PREAUTH, RFC 9051 §7.1). */
  readonly status?: ImapStatus;
  /** The response code inside [...], parsed (first element is the code atom). */
  readonly code?: readonly ImapValue[];
  /** Human-readable text of a status or continuation response. */
  readonly text?: string;
  /** Parsed values after the tag (for status responses: empty). */
  readonly values: readonly ImapValue[];
  /** The whole response as received, literals included. */
  readonly raw: Uint8Array;
  /** Set when the response could not be parsed fully. */
  readonly error?: string;
}

export interface CommandResult {
  readonly tagged: ImapResponse;
  readonly status: ImapStatus;
  readonly text: string;
  readonly untagged: readonly ImapResponse[];
}

/** A literal argument of a command: `{n}` (sync), `{n+}` (non-sync) or `~{n}` (binary). */
export interface Literal {
  readonly literal: Uint8Array;
  readonly binary?: boolean;
  readonly nonSync?: boolean;
}
export type CommandPart = string | Literal;

const encoder = new TextEncoder();

/** An IMAP quoted string or, when it cannot be quoted, a literal part. */
export function astring(value: string): CommandPart {
  if (/^[\x20-\x7e]*$/.test(value) && value.length < 1000) return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return { literal: encoder.encode(value) };
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** Length of a literal announced at the end of a line ("{12}", "{12+}", "~{12}"), or -1. */
function literalAtLineEnd(buffer: Uint8Array, lineEnd: number, lineStart: number): number {
  // lineEnd indexes the CR (or LF) ending the line.
  let i = lineEnd - 1;
  if (buffer[i] !== 0x7d) return -1; // }
  i--;
  if (buffer[i] === 0x2b || buffer[i] === 0x2d) i--; // + or -
  let digits = 0;
  let value = 0;
  let scale = 1;
  while (i >= lineStart && isDigit(buffer[i])) {
    value += ((buffer[i] ?? 0x30) - 0x30) * scale;
    scale *= 10;
    digits++;
    i--;
  }
  if (digits === 0 || buffer[i] !== 0x7b) return -1; // {
  return value;
}

/** Parses the values of one response (after the tag) from its raw bytes. */
export function parseValues(bytes: Uint8Array, start: number): { values: ImapValue[]; end: number; error?: string } {
  const stack: ImapValue[][] = [[]];
  let i = start;
  const top = (): ImapValue[] => stack[stack.length - 1] ?? [];
  try {
    while (i < bytes.length) {
      const c = bytes[i] ?? 0;
      if (c === 0x20) {
        i++;
      } else if (c === 0x0d || c === 0x0a) {
        i++;
      } else if (c === 0x28) {
        // (
        const list: ImapValue[] = [];
        top().push(list);
        stack.push(list);
        i++;
      } else if (c === 0x29) {
        if (stack.length === 1) throw new Error(`unbalanced ")" at ${i}`);
        stack.pop();
        i++;
      } else if (c === 0x22) {
        const out: number[] = [];
        i++;
        while (i < bytes.length && bytes[i] !== 0x22) {
          if (bytes[i] === 0x5c) i++;
          out.push(bytes[i] ?? 0);
          i++;
        }
        if (i >= bytes.length) throw new Error('unterminated quoted string');
        i++;
        top().push(Buffer.from(out).toString('utf8'));
      } else if (c === 0x7b || (c === 0x7e && bytes[i + 1] === 0x7b)) {
        // {n} or ~{n} literal
        i += c === 0x7e ? 2 : 1;
        let n = 0;
        while (isDigit(bytes[i])) n = n * 10 + ((bytes[i++] ?? 0x30) - 0x30);
        if (bytes[i] === 0x2b || bytes[i] === 0x2d) i++;
        if (bytes[i] !== 0x7d) throw new Error(`bad literal at ${i}`);
        i++;
        if (bytes[i] === 0x0d) i++;
        if (bytes[i] !== 0x0a) throw new Error(`literal without CRLF at ${i}`);
        i++;
        if (i + n > bytes.length) throw new Error('short literal');
        top().push(bytes.slice(i, i + n));
        i += n;
      } else {
        // Atom (RFC 9051 §9 atom), number or NIL; a "[" opens a section spec read to its
        // matching "]" (fetch att names like BODY[HEADER.FIELDS (FROM)]<0>).
        const begin = i;
        let depth = 0;
        while (i < bytes.length) {
          const d = bytes[i] ?? 0;
          if (d === 0x5b) depth++;
          else if (d === 0x5d && depth > 0) depth--;
          else if (depth === 0 && (d === 0x20 || d === 0x28 || d === 0x29 || d === 0x0d || d === 0x0a || d === 0x22)) break;
          i++;
        }
        const atom = Buffer.from(bytes.subarray(begin, i)).toString('utf8');
        if (/^\d+$/.test(atom) && Number.isSafeInteger(Number(atom))) top().push(Number(atom));
        else if (atom.toUpperCase() === 'NIL') top().push(null);
        else top().push(atom);
      }
    }
    if (stack.length !== 1) throw new Error('unbalanced "("');
    return { values: stack[0] ?? [], end: i };
  } catch (error) {
    return { values: stack[0] ?? [], end: i, error: (error as Error).message };
  }
}

const STATUS = new Set(['OK', 'NO', 'BAD', 'BYE', 'PREAUTH']);

/** Parses one complete response (CRLF-terminated, literals included). */
export function parseResponse(raw: Uint8Array): ImapResponse {
  const space = raw.indexOf(0x20);
  const lineEnd = raw.indexOf(0x0d) >= 0 ? raw.indexOf(0x0d) : raw.length;
  const tag = Buffer.from(raw.subarray(0, space < 0 ? lineEnd : space)).toString('latin1');
  if (tag === '+') {
    const text = space < 0 ? '' : Buffer.from(raw.subarray(space + 1, raw.length - 2)).toString('utf8');
    return { tag, text, values: [], raw };
  }
  const restStart = space < 0 ? lineEnd : space + 1;
  const nextSpace = raw.indexOf(0x20, restStart);
  const firstEnd = nextSpace < 0 || nextSpace > lineEnd ? lineEnd : nextSpace;
  const first = Buffer.from(raw.subarray(restStart, firstEnd)).toString('latin1').toUpperCase();
  if (STATUS.has(first)) {
    let textStart = firstEnd + 1;
    let code: ImapValue[] | undefined;
    if (raw[textStart] === 0x5b) {
      // [code args] text
      let depth = 0;
      let j = textStart;
      for (; j < lineEnd; j++) {
        if (raw[j] === 0x5b) depth++;
        else if (raw[j] === 0x5d && --depth === 0) break;
      }
      code = parseValues(raw.subarray(0, j), textStart + 1).values;
      textStart = j + 2;
    }
    const text = textStart < lineEnd ? Buffer.from(raw.subarray(textStart, lineEnd)).toString('utf8') : '';
    return { tag, status: first as ImapStatus, ...(code ? { code } : {}), text, values: [], raw };
  }
  const parsed = parseValues(raw.subarray(0, raw.length - 2), restStart);
  return { tag, values: parsed.values, raw, ...(parsed.error !== undefined ? { error: parsed.error } : {}) };
}

/** The items of a FETCH response ("* n FETCH (name value ...)"), names upper-cased. */
export function fetchItems(response: ImapResponse): { seq: number; items: Map<string, ImapValue> } | undefined {
  const [seq, word, list] = response.values;
  if (response.tag !== '*' || typeof seq !== 'number' || typeof word !== 'string' || word.toUpperCase() !== 'FETCH' || !Array.isArray(list)) return undefined;
  const items = new Map<string, ImapValue>();
  const values = list as readonly ImapValue[];
  for (let i = 0; i + 1 < values.length; i += 2) {
    const name = values[i];
    if (typeof name === 'string') items.set(name.toUpperCase(), values[i + 1] ?? null);
  }
  return { seq, items };
}

interface Pending {
  readonly tag: string;
  readonly untagged: ImapResponse[];
  readonly resolve: (result: CommandResult) => void;
  readonly reject: (error: Error) => void;
}

export class ImapClient {
  private readonly socket: Socket | TLSSocket;
  private buffer: Buffer = Buffer.alloc(0);
  /** Chunks received but not yet joined to `buffer`, and how many bytes must arrive before joining. */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private needed = 0;
  private readonly responses: ImapResponse[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly pending = new Map<string, Pending>();
  private continuationWaiter: ((response: ImapResponse | undefined) => void) | undefined;
  private tagCounter = 0;
  private sendChain: Promise<void> = Promise.resolve();
  /** Every untagged response received, in order (tests may inspect and clear it). */
  readonly untagged: ImapResponse[] = [];
  closed = false;
  greeting: ImapResponse | undefined;
  readonly timeoutMs: number;

  private constructor(socket: Socket | TLSSocket, timeoutMs: number) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      for (const pending of this.pending.values()) pending.reject(new Error(`connection closed before ${pending.tag} completed`));
      this.pending.clear();
      this.continuationWaiter?.(undefined);
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number, options: { host?: string; tls?: boolean; timeoutMs?: number } = {}): Promise<ImapClient> {
    const host = options.host ?? '127.0.0.1';
    const socket = options.tls ? connectTls({ host, port, rejectUnauthorized: false }) : connectTcp({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    const client = new ImapClient(socket, options.timeoutMs ?? RESPONSE_LIMIT_MS);
    client.greeting = await client.nextUnsolicited();
    return client;
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    // A long literal arrives in many chunks: join them only once enough bytes are there.
    if (this.chunkBytes < this.needed) return;
    this.buffer = Buffer.concat([this.buffer, ...this.chunks]);
    this.chunks = [];
    this.chunkBytes = 0;
    this.needed = 0;
    for (;;) {
      const end = this.completeResponseEnd();
      if (end < 0) break;
      const raw = new Uint8Array(this.buffer.subarray(0, end));
      this.buffer = this.buffer.subarray(end);
      this.dispatch(parseResponse(raw));
    }
    this.wake();
  }

  /** End offset of the first complete response in the buffer, or -1 (then `needed` is set). */
  private completeResponseEnd(): number {
    let i = 0;
    for (;;) {
      const lf = this.buffer.indexOf(0x0a, i);
      if (lf < 0) return -1;
      const lineEnd = lf > 0 && this.buffer[lf - 1] === 0x0d ? lf - 1 : lf;
      const literal = literalAtLineEnd(this.buffer, lineEnd, i);
      if (literal < 0) return lf + 1;
      if (lf + 1 + literal > this.buffer.length) {
        this.needed = lf + 1 + literal - this.buffer.length;
        return -1;
      }
      i = lf + 1 + literal;
    }
  }

  private dispatch(response: ImapResponse): void {
    if (response.tag === '+') {
      const waiter = this.continuationWaiter;
      this.continuationWaiter = undefined;
      if (waiter) waiter(response);
      else this.responses.push(response);
      return;
    }
    if (response.tag === '*') {
      this.untagged.push(response);
      for (const pending of this.pending.values()) pending.untagged.push(response);
      if (this.pending.size === 0) this.responses.push(response);
      return;
    }
    const pending = this.pending.get(response.tag);
    if (!pending) {
      this.responses.push(response);
      return;
    }
    this.pending.delete(response.tag);
    if (this.continuationWaiter && this.pending.size === 0) {
      // A tagged reply instead of "+": the literal was refused.
      const waiter = this.continuationWaiter;
      this.continuationWaiter = undefined;
      waiter(undefined);
    }
    pending.resolve({ tagged: response, status: response.status ?? 'BAD', text: response.text ?? '', untagged: pending.untagged });
  }

  /** The next response not claimed by a command (greeting, unsolicited untagged, stray "+"). */
  async nextUnsolicited(): Promise<ImapResponse> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const response = this.responses.shift();
      if (response) return response;
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${this.timeoutMs} ms; buffer: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 500))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private waitContinuation(): Promise<ImapResponse | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.continuationWaiter = undefined;
        resolve(undefined);
      }, this.timeoutMs);
      this.continuationWaiter = (response) => {
        clearTimeout(timer);
        resolve(response);
      };
      const queued = this.responses.findIndex((r) => r.tag === '+');
      if (queued >= 0) {
        const [response] = this.responses.splice(queued, 1);
        this.continuationWaiter = undefined;
        clearTimeout(timer);
        resolve(response);
      }
    });
  }

  nextTag(): string {
    this.tagCounter++;
    return `A${String(this.tagCounter).padStart(4, '0')}`;
  }

  /** Writes bytes as they are (for tests that send what a broken client sends). */
  sendRaw(data: string | Uint8Array): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  /**
   * Sends one tagged command made of text and literal parts and resolves with its tagged
   * response and the untagged responses received meanwhile. Synchronizing literals wait for "+";
   * if the server answers with the tagged response instead, the rest is not sent.
   */
  command(parts: string | readonly CommandPart[], options: { tag?: string } = {}): Promise<CommandResult> {
    const tag = options.tag ?? this.nextTag();
    const list = typeof parts === 'string' ? [parts] : parts;
    const result = new Promise<CommandResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(tag);
        reject(new Error(`no tagged response for ${tag} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(tag, {
        tag,
        untagged: [],
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
    const send = async (): Promise<void> => {
      let text = `${tag} `;
      for (const part of list) {
        if (typeof part === 'string') {
          text += part;
          continue;
        }
        const prefix = part.binary ? '~' : '';
        text += `${prefix}{${part.literal.length}${part.nonSync ? '+' : ''}}\r\n`;
        this.socket.write(Buffer.from(text, 'utf8'));
        text = '';
        if (!part.nonSync) {
          const continuation = await this.waitContinuation();
          if (!continuation || !this.pending.has(tag)) return;
        }
        this.socket.write(part.literal);
      }
      this.socket.write(Buffer.from(`${text}\r\n`, 'utf8'));
    };
    const sent = this.sendChain.then(send);
    this.sendChain = sent.catch(() => undefined);
    return sent.then(() => result);
  }

  /** Like command() but fails the test unless the tagged status is OK. */
  async ok(parts: string | readonly CommandPart[]): Promise<CommandResult> {
    const result = await this.command(parts);
    if (result.status !== 'OK') {
      const shown = typeof parts === 'string' ? parts : parts.map((p) => (typeof p === 'string' ? p : `{${p.literal.length}}`)).join('');
      throw new Error(`${shown.slice(0, 200)} -> ${result.status} ${result.text}`);
    }
    return result;
  }

  async login(user: string, password: string): Promise<CommandResult> {
    return this.ok(['LOGIN ', astring(user), ' ', astring(password)]);
  }

  /** APPENDs one message; resolves with the tagged result (APPENDUID in its code). */
  async append(mailbox: string, message: Uint8Array, options: { flags?: readonly string[]; date?: string; binary?: boolean; nonSync?: boolean } = {}): Promise<CommandResult> {
    const flags = options.flags ? ` (${options.flags.join(' ')})` : '';
    const date = options.date ? ` "${options.date}"` : '';
    return this.command(['APPEND ', astring(mailbox), `${flags}${date} `, { literal: message, ...(options.binary ? { binary: true } : {}), ...(options.nonSync ? { nonSync: true } : {}) }]);
  }

  /** FETCH (or UID FETCH) and the items of every FETCH response, by sequence number. */
  async fetch(set: string, items: string, options: { uid?: boolean } = {}): Promise<Map<number, Map<string, ImapValue>>> {
    const result = await this.ok(`${options.uid ? 'UID ' : ''}FETCH ${set} ${items}`);
    const out = new Map<number, Map<string, ImapValue>>();
    for (const response of result.untagged) {
      const parsed = fetchItems(response);
      if (!parsed) continue;
      const merged = out.get(parsed.seq) ?? new Map<string, ImapValue>();
      for (const [name, value] of parsed.items) merged.set(name, value);
      out.set(parsed.seq, merged);
    }
    return out;
  }

  /**
   * Starts IDLE (RFC 2177): resolves once the server sent "+"; `next()` yields untagged
   * responses as they come, `done()` sends DONE and resolves with the tagged result.
   */
  async idle(): Promise<{ next: () => Promise<ImapResponse>; done: () => Promise<CommandResult> }> {
    const tag = this.nextTag();
    const result = new Promise<CommandResult>((resolve, reject) => {
      this.pending.set(tag, { tag, untagged: [], resolve, reject });
    });
    const continuation = this.waitContinuation();
    // Untagged responses from here on are IDLE updates (they may arrive in the same read as "+").
    let seen = this.untagged.length;
    this.socket.write(Buffer.from(`${tag} IDLE\r\n`, 'latin1'));
    const plus = await continuation;
    if (!plus) {
      const tagged = await result;
      throw new Error(`IDLE refused: ${tagged.status} ${tagged.text}`);
    }
    const next = async (): Promise<ImapResponse> => {
      const deadline = Date.now() + this.timeoutMs;
      for (;;) {
        const response = this.untagged[seen];
        if (response) {
          seen++;
          return response;
        }
        if (this.closed) throw new Error('connection closed during IDLE');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no untagged response during IDLE');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 1000));
          this.waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    };
    const done = async (): Promise<CommandResult> => {
      this.socket.write(Buffer.from('DONE\r\n', 'latin1'));
      return result;
    };
    return { next, done };
  }

  async logout(): Promise<void> {
    if (this.closed) return;
    try {
      await this.command('LOGOUT');
    } catch {
      // The server may close first.
    }
    this.close();
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
