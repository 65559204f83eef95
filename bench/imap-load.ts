// bench/imap-load: the IMAP client mix behind bench/imap, one generator for every server
// measured. C concurrent clients, each a loop of whole sessions, as a mail client that checks
// in would run them: connect (greeting), LOGIN, SELECT INBOX, FETCH 1:* (FLAGS ENVELOPE) over
// the 1,000-message mailbox, FETCH BODY.PEEK[] of three random messages, STORE +FLAGS then
// -FLAGS (\Flagged) on two random messages, SEARCH SUBJECT <word>, SEARCH UNSEEN, SEARCH SINCE
// <date>, a short IDLE (IDLE, wait for the `+`, DONE, wait for the completion) and LOGOUT: 16
// operations a session. BODY.PEEK and \Flagged leave \Seen alone, so every session sees the
// same mailbox. Clients share users in turn (client i logs in as user i mod U), so sessions of
// one user run side by side and see each other's flag changes, as several devices would.
// Random picks come from a seeded generator per client: every server gets the same commands.
//
// Each operation is timed from writing the command to reading its tagged completion (connect:
// from connect() to the greeting); the run counts operations and whole sessions per second,
// per operation type too, with p50 and p99. Clients start sessions until the duration is up
// and finish the one they are in, so the operation types keep the mix's proportions (a window
// cut mid-session would over-count a session's first operations when sessions are long); the
// measured interval ends with the last. A failed session is counted, its connection dropped,
// and the client starts a new one.
//
// Standalone: node bench/imap-load.ts --port P [--host H] [--tls] [--clients C] [--seconds S]
//   --users a@d,b@d --password PW

import { parseArgs } from 'node:util';
import { ImapClient, ok, type Completion, type Endpoint } from './imap-client.ts';
import { random, SEARCH_SINCE, WORDS } from './imap-messages.ts';

export const OPERATIONS = [
  'connect',
  'login',
  'select',
  'fetch-envelopes',
  'fetch-body',
  'store',
  'search-subject',
  'search-unseen',
  'search-since',
  'idle',
  'logout',
] as const;
export type Operation = (typeof OPERATIONS)[number];

const BODIES_PER_SESSION = 3;
const STORES_PER_SESSION = 2;

export interface MixOptions {
  readonly endpoint: Endpoint;
  readonly users: readonly string[];
  readonly password: string;
  readonly clients: number;
  /** Start sessions until this long after the start (one of durationMs and sessions). */
  readonly durationMs?: number;
  /** Or run this many sessions per client. */
  readonly sessionsPerClient?: number;
  /** Messages in each INBOX: a SELECT that finds fewer fails the session. */
  readonly messages: number;
  /** Source addresses on loopback, taken in turn by the clients (default: the system's choice). */
  readonly localAddresses?: readonly string[];
  readonly seed?: number;
}

export interface OperationStats {
  readonly operation: Operation;
  readonly count: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  /** Mean octets received per operation (the same commands should bring the same data). */
  readonly meanOctets: number;
}

export interface MixResult {
  readonly clients: number;
  readonly sessions: number;
  readonly operations: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly seconds: number;
  readonly sessionsPerSecond: number;
  readonly operationsPerSecond: number;
  /** Over every operation of every type. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly byOperation: readonly OperationStats[];
  /** Mean SEARCH results (messages found) per search type: the same on every server. */
  readonly searchHits: Readonly<Record<string, number>>;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

const round2 = (n: number) => Number(n.toFixed(2));

class Recorder {
  readonly latencies = new Map<Operation, number[]>(OPERATIONS.map((op) => [op, []]));
  readonly octets = new Map<Operation, number>(OPERATIONS.map((op) => [op, 0]));
  readonly hits = new Map<string, { sum: number; count: number }>();

  add(operation: Operation, ms: number, octets: number): void {
    this.latencies.get(operation)?.push(ms);
    this.octets.set(operation, (this.octets.get(operation) ?? 0) + octets);
  }

  hit(kind: string, found: number): void {
    const entry = this.hits.get(kind) ?? { sum: 0, count: 0 };
    entry.sum += found;
    entry.count++;
    this.hits.set(kind, entry);
  }
}

/** Runs one timed command; throws unless it completes OK. */
async function timed(recorder: Recorder, operation: Operation, client: ImapClient, command: string, keep = false): Promise<Completion> {
  const t0 = performance.now();
  const completion = ok(operation, await client.run(command, { keep }));
  recorder.add(operation, performance.now() - t0, completion.octets);
  return completion;
}

/** Messages a SEARCH response names (ESEARCH is never enabled, so `* SEARCH n n n`). */
function found(completion: Completion): number {
  const line = completion.lines.find((l) => /^\* SEARCH\b/i.test(l)) ?? '';
  return line.split(' ').length - 2;
}

async function session(options: MixOptions, recorder: Recorder, next: () => number, user: string, localAddress: string | undefined): Promise<void> {
  const t0 = performance.now();
  const { client, greeting } = await ImapClient.open({ ...options.endpoint, ...(localAddress ? { localAddress } : {}) });
  recorder.add('connect', performance.now() - t0, greeting.length + 2);
  try {
    await timed(recorder, 'login', client, `LOGIN ${user} ${options.password}`);
    const selected = await timed(recorder, 'select', client, 'SELECT INBOX', true);
    const exists = Number(/^\* (\d+) EXISTS/im.exec(selected.lines.join('\n'))?.[1] ?? 0);
    if (exists < options.messages) throw new Error(`SELECT INBOX: ${exists} messages, expected ${options.messages}`);
    const envelopes = await timed(recorder, 'fetch-envelopes', client, 'FETCH 1:* (FLAGS ENVELOPE)');
    if (envelopes.untagged < exists) throw new Error(`FETCH 1:* (FLAGS ENVELOPE): ${envelopes.untagged} responses for ${exists} messages`);
    const pickMessage = () => 1 + Math.floor(next() * exists);
    for (let i = 0; i < BODIES_PER_SESSION; i++) await timed(recorder, 'fetch-body', client, `FETCH ${pickMessage()} BODY.PEEK[]`);
    for (let i = 0; i < STORES_PER_SESSION; i++) {
      const n = pickMessage();
      await timed(recorder, 'store', client, `STORE ${n} +FLAGS (\\Flagged)`);
      await timed(recorder, 'store', client, `STORE ${n} -FLAGS (\\Flagged)`);
    }
    const word = WORDS[Math.floor(next() * WORDS.length)] ?? 'report';
    recorder.hit('subject', found(await timed(recorder, 'search-subject', client, `SEARCH SUBJECT ${word}`, true)));
    recorder.hit('unseen', found(await timed(recorder, 'search-unseen', client, 'SEARCH UNSEEN', true)));
    recorder.hit('since', found(await timed(recorder, 'search-since', client, `SEARCH SINCE ${SEARCH_SINCE}`, true)));
    const idleStart = performance.now();
    const idling = await client.idle();
    client.done();
    const idled = ok('IDLE', await idling.completion);
    recorder.add('idle', performance.now() - idleStart, idled.octets);
    await timed(recorder, 'logout', client, 'LOGOUT');
  } finally {
    client.close();
  }
}

/** Runs the mix and returns what it measured. */
export async function runMix(options: MixOptions): Promise<MixResult> {
  if ((options.durationMs === undefined) === (options.sessionsPerClient === undefined)) {
    throw new RangeError('runMix: give exactly one of durationMs and sessionsPerClient');
  }
  const recorder = new Recorder();
  let sessions = 0;
  let errors = 0;
  let firstError: string | undefined;
  const startedAt = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : startedAt + options.durationMs;
  await Promise.all(
    Array.from({ length: options.clients }, async (_, index) => {
      const next = random((options.seed ?? 1) * 7_777 + index);
      const user = options.users[index % options.users.length] ?? '';
      const localAddress = options.localAddresses?.[index % options.localAddresses.length];
      for (let done = 0; options.sessionsPerClient === undefined ? performance.now() < deadline : done < options.sessionsPerClient; done++) {
        try {
          await session(options, recorder, next, user, localAddress);
          sessions++;
        } catch (error) {
          errors++;
          firstError ??= `client ${index} (${user}): ${(error as Error).message}`;
        }
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  const all: number[] = [];
  const byOperation = OPERATIONS.map((operation): OperationStats => {
    const latencies = (recorder.latencies.get(operation) ?? []).sort((a, b) => a - b);
    all.push(...latencies);
    const count = latencies.length;
    return {
      operation,
      count,
      perSecond: round2(count / seconds),
      p50Ms: round2(percentile(latencies, 0.5)),
      p99Ms: round2(percentile(latencies, 0.99)),
      meanMs: round2(latencies.reduce((sum, ms) => sum + ms, 0) / Math.max(1, count)),
      meanOctets: Math.round((recorder.octets.get(operation) ?? 0) / Math.max(1, count)),
    };
  });
  all.sort((a, b) => a - b);
  return {
    clients: options.clients,
    sessions,
    operations: all.length,
    errors,
    firstError,
    seconds: Number(seconds.toFixed(3)),
    sessionsPerSecond: round2(sessions / seconds),
    operationsPerSecond: Math.round(all.length / seconds),
    p50Ms: round2(percentile(all, 0.5)),
    p99Ms: round2(percentile(all, 0.99)),
    byOperation,
    searchHits: Object.fromEntries([...recorder.hits].map(([kind, { sum, count }]) => [kind, round2(sum / Math.max(1, count))])),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      tls: { type: 'boolean', default: false },
      clients: { type: 'string', default: '10' },
      seconds: { type: 'string', default: '20' },
      users: { type: 'string' },
      password: { type: 'string' },
      messages: { type: 'string', default: '1000' },
    },
  });
  if (values.port === undefined || values.users === undefined || values.password === undefined) {
    process.stderr.write('usage: node bench/imap-load.ts --port P [--host H] [--tls] [--clients C] [--seconds S] [--messages N] --users a@d,b@d --password PW\n');
    process.exit(2);
  }
  const result = await runMix({
    endpoint: { host: values.host, port: Number(values.port), tls: values.tls },
    users: values.users.split(','),
    password: values.password,
    clients: Number(values.clients),
    durationMs: Number(values.seconds) * 1000,
    messages: Number(values.messages),
  });
  console.table(result.byOperation);
  console.log({ ...result, byOperation: undefined });
}
