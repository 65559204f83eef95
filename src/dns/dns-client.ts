// A small stub resolver client: one question to a recursive resolver over UDP, again over TCP
// when the reply is truncated (RFC 7766 §5, RFC 1035 §4.2.1), with EDNS0 (RFC 6891) and the DO
// bit (RFC 3225) so a validating resolver reports the AD bit. Timeouts and attempts are bounded.
// Untrusted input: every datagram and stream byte. A reply counts only if it comes from the
// server asked, carries the query's random ID and echoes its question (RFC 5452 §4.1, §9.1).

import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { canonicalName, type DnsErrorCode } from './resolver.ts';
import { canonicalIp, type ServerAddress } from './server-address.ts';
import { CLASS_IN, DEFAULT_UDP_PAYLOAD, RCODE, decodeHeader, decodeMessage, encodeQuery, type DnsMessage } from './wire/message.ts';
import { TcpFrameReader, frameMessage } from './wire/tcp-frames.ts';

/** How long one attempt waits for its reply. */
export const DEFAULT_TIMEOUT_MS = 3_000;
/** Attempts per query across all servers (each server at least once). */
export const DEFAULT_ATTEMPTS = 3;
/** Upper bounds, whatever the options say. */
export const MAX_TIMEOUT_MS = 30_000;
export const MAX_ATTEMPTS = 10;

export interface DnsClientOptions {
  readonly servers: readonly ServerAddress[];
  readonly timeoutMs?: number;
  readonly attempts?: number;
  /** Ask for DNSSEC status: EDNS0 with DO and AD set (default true). */
  readonly dnssec?: boolean;
  readonly udpPayloadSize?: number;
}

export interface QueryFailure {
  readonly error: DnsErrorCode;
  readonly detail: string;
}

export type QueryOutcome = { readonly ok: true; readonly message: DnsMessage } | ({ readonly ok: false } & QueryFailure);

type Exchange = { readonly kind: 'reply'; readonly message: DnsMessage; readonly truncated: boolean } | { readonly kind: 'failed'; readonly error: DnsErrorCode; readonly detail: string };

export class DnsClient {
  private readonly servers: readonly ServerAddress[];
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly dnssec: boolean;
  private readonly udpPayloadSize: number;

  constructor(options: DnsClientOptions) {
    this.servers = options.servers;
    this.timeoutMs = Math.min(Math.max(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1), MAX_TIMEOUT_MS);
    this.attempts = Math.min(Math.max(options.attempts ?? DEFAULT_ATTEMPTS, options.servers.length, 1), MAX_ATTEMPTS);
    this.dnssec = options.dnssec ?? true;
    this.udpPayloadSize = options.udpPayloadSize ?? DEFAULT_UDP_PAYLOAD;
  }

  /**
   * Asks the servers in turn until one answers NOERROR or NXDOMAIN. SERVFAIL and REFUSED move on
   * to the next server; FORMERR to an EDNS query is retried once without EDNS (RFC 6891 §7).
   */
  async query(name: string, type: number): Promise<QueryOutcome> {
    if (this.servers.length === 0) return { ok: false, error: 'other', detail: 'no DNS servers configured' };
    let useEdns = true;
    let last: QueryFailure = { error: 'timeout', detail: `no reply for ${name}` };
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      const server = this.servers[attempt % this.servers.length];
      if (!server) break;
      const id = randomInt(0x10000);
      const query = encodeQuery({
        id,
        name,
        type,
        edns: useEdns ? { udpPayloadSize: this.udpPayloadSize, dnssecOk: this.dnssec } : undefined,
      });
      if (!query.ok) return { ok: false, error: 'other', detail: query.error };
      const expected = { id, name: canonicalName(name), type };
      let exchange = await udpExchange(server, query.value, expected, this.timeoutMs);
      if (exchange.kind === 'reply' && exchange.truncated) exchange = await tcpExchange(server, query.value, expected, this.timeoutMs);
      if (exchange.kind === 'failed') {
        last = { error: exchange.error, detail: `${exchange.detail} (${server.host} port ${server.port})` };
        continue;
      }
      const message = exchange.message;
      switch (message.rcode) {
        case RCODE.NOERROR:
        case RCODE.NXDOMAIN:
          return { ok: true, message };
        case RCODE.SERVFAIL:
          last = { error: 'servfail', detail: `SERVFAIL for ${name} from ${server.host}` };
          break;
        case RCODE.REFUSED:
          last = { error: 'refused', detail: `REFUSED for ${name} by ${server.host}` };
          break;
        case RCODE.FORMERR:
          if (useEdns) {
            useEdns = false;
            attempt--; // RFC 6891 §7: a server without EDNS support; same server, plain query
          }
          last = { error: 'other', detail: `FORMERR for ${name} from ${server.host}` };
          break;
        default:
          last = { error: 'other', detail: `RCODE ${message.rcode} for ${name} from ${server.host}` };
      }
    }
    return { ok: false, ...last };
  }
}

interface Expected {
  readonly id: number;
  readonly name: string;
  readonly type: number;
}

/** Whether a decoded reply answers our query (ID, QR, the one question echoed). */
function answersQuery(message: DnsMessage, expected: Expected): boolean {
  const question = message.questions[0];
  return (
    message.header.id === expected.id &&
    message.header.qr &&
    message.questions.length === 1 &&
    question !== undefined &&
    canonicalName(question.name) === expected.name &&
    question.type === expected.type &&
    question.class === CLASS_IN
  );
}

function udpExchange(server: ServerAddress, query: Uint8Array, expected: Expected, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket: UdpSocket = createSocket(server.family === 6 ? 'udp6' : 'udp4');
    let settled = false;
    const finish = (result: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ kind: 'failed', error: 'timeout', detail: `no UDP reply within ${timeoutMs} ms` }), timeoutMs);
    socket.on('error', (error) => finish({ kind: 'failed', error: 'other', detail: `UDP: ${error.message}` }));
    socket.on('message', (bytes, remote) => {
      if (canonicalIp(remote.address) !== server.host || remote.port !== server.port) return;
      const header = decodeHeader(bytes);
      if (!header.ok || header.value.id !== expected.id || !header.value.qr) return;
      if (header.value.tc) {
        // The rest of a truncated reply may be cut anywhere: ask again over TCP (RFC 7766 §5).
        const partial = decodeMessage(bytes);
        if (partial.ok && !answersQuery(partial.value, expected)) return;
        if (partial.ok) finish({ kind: 'reply', message: partial.value, truncated: true });
        else finish({ kind: 'reply', message: emptyMessage(header.value), truncated: true });
        return;
      }
      const message = decodeMessage(bytes);
      // A malformed or mismatched datagram may be spoofed: keep waiting for the real reply.
      if (!message.ok || !answersQuery(message.value, expected)) return;
      finish({ kind: 'reply', message: message.value, truncated: false });
    });
    socket.send(query, server.port, server.host, (error) => {
      if (error) finish({ kind: 'failed', error: 'other', detail: `UDP send: ${error.message}` });
    });
  });
}

function tcpExchange(server: ServerAddress, query: Uint8Array, expected: Expected, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const framed = frameMessage(query);
    if (!framed) {
      resolve({ kind: 'failed', error: 'other', detail: 'query too long for TCP' });
      return;
    }
    const reader = new TcpFrameReader();
    const socket: Socket = connect({ host: server.host, port: server.port });
    let settled = false;
    const finish = (result: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ kind: 'failed', error: 'timeout', detail: `no TCP reply within ${timeoutMs} ms` }), timeoutMs);
    socket.on('error', (error) => finish({ kind: 'failed', error: 'other', detail: `TCP: ${error.message}` }));
    socket.on('close', () => finish({ kind: 'failed', error: 'other', detail: 'TCP connection closed before the reply' }));
    socket.on('connect', () => socket.write(framed));
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
        const message = decodeMessage(frame);
        if (!message.ok) {
          finish({ kind: 'failed', error: 'other', detail: `malformed reply: ${message.error.detail}` });
          return;
        }
        if (!answersQuery(message.value, expected)) continue;
        finish({ kind: 'reply', message: message.value, truncated: message.value.header.tc });
        return;
      }
    });
  });
}

function emptyMessage(header: DnsMessage['header']): DnsMessage {
  return { header, questions: [], answers: [], authorities: [], additionals: [], edns: undefined, rcode: header.rcode };
}
