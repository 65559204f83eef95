// bench/smtp-load: the SMTP load generator behind bench/smtp-accept, one for every server
// measured. C concurrent connections, each one persistent session (EHLO once, then MAIL, RCPT
// and DATA again and again, no RSET), send messages of a fixed size with unique Message-IDs to
// a set of local recipients in turn, for a number of messages or a duration. When the server
// offers PIPELINING (RFC 2920) MAIL, RCPT and DATA leave in one write and the message after
// the 354; otherwise each command waits for its reply. A transaction's latency runs from
// writing MAIL to reading the 250 after the final dot. A server that ends a session with 421
// (a per-session message limit) is reconnected to and the message retried, as a real client
// would. Plain TCP (no STARTTLS), so both servers are measured on the same footing.
//
// Standalone: node bench/smtp-load.ts --port P [--host H] [--connections C] [--size BYTES]
//   [--messages N | --seconds S] [--recipients a@d,b@d] [--no-pipelining]

import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { ReplyReader, type Reply } from '../src/protocols/smtp/wire/reply.ts';

export interface LoadOptions {
  readonly host: string;
  readonly port: number;
  readonly connections: number;
  /** Message size in octets, headers and final CRLF included (the terminating dot not). */
  readonly size: number;
  /** Stop after this many transactions in all (one of messages and durationMs). */
  readonly messages?: number;
  /** Or keep sending until this long after the start. */
  readonly durationMs?: number;
  /** Local recipients, one per message, taken in turn. */
  readonly recipients: readonly string[];
  readonly sender?: string;
  /** Pipeline MAIL, RCPT and DATA when the server offers PIPELINING (default true). */
  readonly pipelining?: boolean;
}

export interface LoadResult {
  /** Transactions answered 250 after the final dot. */
  readonly accepted: number;
  /** Transactions refused or cut short, and sessions that failed. */
  readonly errors: number;
  readonly firstError: string | undefined;
  /** From the moment every session had its EHLO answer to the last transaction's end. */
  readonly seconds: number;
  readonly messagesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Whether MAIL, RCPT and DATA were pipelined (every session saw PIPELINING). */
  readonly pipelined: boolean;
  /** Sessions the server ended with 421 (a per-session message limit) and the client reopened. */
  readonly reconnects: number;
  /** performance.now() at the start of the measured interval, for callers timing delivery. */
  readonly startedAt: number;
}

const CRLF = '\r\n';
const TERMINATOR = Buffer.from(`.${CRLF}`);
const LINE_CHARS = 76;
const HOST_NAME = 'loadgen.bench.test';

/** Lines of base64 text (never a leading dot, so no dot-stuffing), cached by length. */
const bodies = new Map<number, Buffer>();
const BODY_SOURCE = randomBytes(256 * 1024)
  .toString('base64')
  .replace(/[^A-Za-z0-9]/g, 'x');

function body(octets: number): Buffer {
  let cached = bodies.get(octets);
  if (cached) return cached;
  const lines: string[] = [];
  let left = octets;
  let offset = 0;
  while (left > 0) {
    // Every line is at least 3 octets ("x" CRLF), so a full line never leaves 1 or 2 behind.
    const chars = left <= LINE_CHARS + 2 ? left - 2 : left - (LINE_CHARS + 2) >= 3 ? LINE_CHARS : left - 5;
    lines.push(BODY_SOURCE.slice(offset, offset + chars));
    offset = (offset + chars) % (BODY_SOURCE.length - LINE_CHARS);
    left -= chars + 2;
  }
  cached = Buffer.from(lines.join(CRLF) + CRLF);
  bodies.set(octets, cached);
  return cached;
}

/** The header of message `n`, padded so that header and body make exactly `size` octets. */
function header(n: number, recipient: string, sender: string, size: number, tag: string): Buffer {
  const lines = [
    `From: Bench Sender <${sender}>`,
    `To: <${recipient}>`,
    `Subject: smtp-accept bench message ${n}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${tag}.${n}@${HOST_NAME}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
  ];
  const text = lines.join(CRLF) + CRLF + CRLF;
  const left = size - Buffer.byteLength(text);
  if (left < 3) throw new RangeError(`message size ${size} is too small for the header`);
  return Buffer.from(text);
}

export function message(n: number, recipient: string, sender: string, size: number, tag: string): Buffer[] {
  const head = header(n, recipient, sender, size, tag);
  return [head, body(size - head.length)];
}

/** One client session: writes commands and hands out the server's replies in order. */
class Session {
  readonly #socket: Socket;
  readonly #reader = new ReplyReader({ maxLineOctets: 4096, maxLines: 100 });
  readonly #replies: Reply[] = [];
  readonly #waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void }[] = [];
  #failure: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#received(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('connection closed by the server')));
  }

  static open(host: string, port: number): Promise<Session> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new Session(socket));
      });
      socket.once('error', reject);
    });
  }

  #received(chunk: Buffer): void {
    this.#reader.push(chunk);
    for (let result = this.#reader.next(); result !== undefined; result = this.#reader.next()) {
      if (!result.ok) return this.#fail(new Error(`unreadable reply: ${result.error.message}`));
      const waiter = this.#waiting.shift();
      if (waiter) waiter.resolve(result.value);
      else this.#replies.push(result.value);
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#failure);
  }

  reply(): Promise<Reply> {
    const ready = this.#replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  write(chunks: readonly (string | Buffer)[]): void {
    this.#socket.cork();
    for (const chunk of chunks) this.#socket.write(chunk);
    this.#socket.uncork();
  }

  close(): void {
    this.#socket.destroy();
  }

  /** QUIT, wait briefly for the 221, close. */
  async quit(): Promise<void> {
    try {
      this.write([`QUIT${CRLF}`]);
      await Promise.race([this.reply(), new Promise((resolve) => setTimeout(resolve, 1000))]);
    } catch {
      // The session ends anyway.
    } finally {
      this.close();
    }
  }
}

function describe(reply: Reply): string {
  return `${reply.code} ${reply.enhanced ?? ''} ${reply.lines.join(' / ')}`.replace(/ +/g, ' ').trim();
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

const round2 = (n: number) => Number(n.toFixed(2));

interface Worker {
  session: Session;
  pipelining: boolean;
}

/** Runs the load and returns what it measured. Throws only if no session could start. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.recipients.length === 0) throw new RangeError('runLoad: no recipients');
  if ((options.messages === undefined) === (options.durationMs === undefined)) {
    throw new RangeError('runLoad: give exactly one of messages and durationMs');
  }
  const sender = options.sender ?? `bench@${HOST_NAME}`;
  const tag = randomBytes(6).toString('hex');
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const fail = (what: string) => {
    errors++;
    firstError ??= what;
  };

  const open = async (): Promise<Worker> => {
    const session = await Session.open(options.host, options.port);
    try {
      const greeting = await session.reply();
      if (greeting.code !== 220) throw new Error(`greeting: ${describe(greeting)}`);
      session.write([`EHLO ${HOST_NAME}${CRLF}`]);
      const ehlo = await session.reply();
      if (ehlo.code !== 250) throw new Error(`EHLO: ${describe(ehlo)}`);
      const pipelining = ehlo.lines.slice(1).some((line) => line.toUpperCase() === 'PIPELINING');
      return { session, pipelining: pipelining && options.pipelining !== false };
    } catch (error) {
      session.close();
      throw error;
    }
  };

  // Every session connects and says EHLO before the clock starts.
  const workers: Worker[] = [];
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      try {
        workers.push(await open());
      } catch (error) {
        fail(`session start: ${(error as Error).message}`);
      }
    }),
  );
  if (workers.length === 0) throw new Error(`no SMTP session could start: ${firstError ?? 'unknown'}`);
  const pipelined = workers.every((w) => w.pipelining);

  let next = 0;
  let reconnects = 0;
  const startedAt = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : startedAt + options.durationMs;
  const more = () => (options.messages === undefined ? performance.now() < deadline : next < options.messages);

  /** One transaction: its latency, a refusal, or "closing" when the server ended the session (421). */
  const transaction = async (worker: Worker, n: number): Promise<number | string | 'closing'> => {
    const { session } = worker;
    const recipient = options.recipients[n % options.recipients.length] ?? '';
    const [head, text] = message(n, recipient, sender, options.size, tag);
    const commands = [`MAIL FROM:<${sender}> SIZE=${options.size}${CRLF}`, `RCPT TO:<${recipient}>${CRLF}`, `DATA${CRLF}`];
    const t0 = performance.now();
    if (worker.pipelining) session.write([commands.join('')]);
    const replies: Reply[] = [];
    for (const command of commands) {
      if (!worker.pipelining) session.write([command]);
      const answer = await session.reply();
      replies.push(answer);
      // RFC 5321 §3.8: 421 means the server is closing the session; the client reconnects.
      if (answer.code === 421) return 'closing';
      if (!worker.pipelining && answer.code >= 400) break;
    }
    const [mailReply, rcptReply, dataReply] = replies;
    if (mailReply?.code !== 250 || rcptReply?.code !== 250 || dataReply?.code !== 354) {
      const bad = replies.find((r, i) => r.code !== (i === 2 ? 354 : 250));
      return `transaction ${n}: ${bad ? describe(bad) : 'no reply'}`;
    }
    session.write([head ?? '', text ?? '', TERMINATOR]);
    const done = await session.reply();
    if (done.code === 421) return 'closing';
    if (done.code !== 250) return `message ${n}: ${describe(done)}`;
    return performance.now() - t0;
  };

  await Promise.all(
    workers.map(async (worker) => {
      try {
        while (more()) {
          const n = next++;
          let outcome = await transaction(worker, n);
          // A server that limits messages per session says 421 and closes: reconnect and retry once.
          if (outcome === 'closing') {
            worker.session.close();
            Object.assign(worker, await open());
            reconnects++;
            outcome = await transaction(worker, n);
          }
          if (typeof outcome === 'number') latencies.push(outcome);
          else fail(outcome === 'closing' ? `transaction ${n}: 421 again after reconnecting` : outcome);
        }
      } catch (error) {
        fail(`session: ${(error as Error).message}`);
        worker.session.close();
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  await Promise.all(workers.map(({ session }) => session.quit()));

  latencies.sort((a, b) => a - b);
  return {
    accepted: latencies.length,
    errors,
    firstError,
    seconds: Number(seconds.toFixed(3)),
    messagesPerSecond: Math.round(latencies.length / seconds),
    p50Ms: round2(percentile(latencies, 0.5)),
    p99Ms: round2(percentile(latencies, 0.99)),
    maxMs: round2(latencies.at(-1) ?? 0),
    pipelined,
    reconnects,
    startedAt,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      connections: { type: 'string', default: '16' },
      size: { type: 'string', default: '4096' },
      messages: { type: 'string' },
      seconds: { type: 'string' },
      recipients: { type: 'string', default: Array.from({ length: 10 }, (_, i) => `user${i + 1}@bench.example`).join(',') },
      'no-pipelining': { type: 'boolean', default: false },
    },
  });
  if (values.port === undefined) {
    process.stderr.write('usage: node bench/smtp-load.ts --port P [--host H] [--connections C] [--size BYTES] [--messages N | --seconds S] [--recipients a@d,b@d] [--no-pipelining]\n');
    process.exit(2);
  }
  const result = await runLoad({
    host: values.host,
    port: Number(values.port),
    connections: Number(values.connections),
    size: Number(values.size),
    ...(values.seconds === undefined ? { messages: Number(values.messages ?? 1000) } : { durationMs: Number(values.seconds) * 1000 }),
    recipients: values.recipients.split(','),
    pipelining: !values['no-pipelining'],
  });
  console.log(result);
}
