// A programmable DNS server on 127.0.0.1 for tests (dns2, UDP and TCP on one random free port):
// answers MX/A/AAAA/TXT/TLSA/CNAME from a Zone the test gives, the way a recursive resolver
// would (CNAME chains included, NXDOMAIN vs NODATA), optionally with the AD bit set (a
// validating resolver), and can answer SERVFAIL/NXDOMAIN/REFUSED, drop queries or force
// truncation (TC) over UDP per name. Point [dns] servers at `server.address`.

import type { Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import dns2 from 'dns2';
import { canonicalName } from '../../src/dns/resolver.ts';
import { Zone, tlsaBytes, type ZoneInput, type ZoneRecord, type ZoneRecordType } from '../../src/dns/zone.test-support.ts';

const { Packet } = dns2;

export type Misbehaviour = 'servfail' | 'nxdomain' | 'refused' | 'drop' | 'truncate';

export interface TestDnsServerOptions {
  readonly zone?: ZoneInput | Zone;
  /** Set AD on answers: all, none, or per name and type (a validating resolver's verdict). */
  readonly authenticated?: boolean | ((name: string, type: ZoneRecordType) => boolean);
}

export interface LoggedQuery {
  readonly name: string;
  readonly type: string;
  readonly transport: 'udp' | 'tcp';
  /** The query had an OPT record with the DO bit (RFC 3225). */
  readonly dnssecOk: boolean;
}

const TYPE_CODES: ReadonlyMap<number, ZoneRecordType> = new Map([
  [1, 'A'],
  [5, 'CNAME'],
  [15, 'MX'],
  [16, 'TXT'],
  [28, 'AAAA'],
  [52, 'TLSA'],
]);
const TTL = 300;
/** Tries at finding a port free for both UDP and TCP. */
const PORT_TRIES = 20;

export class TestDnsServer {
  readonly zone: Zone;
  readonly host = '127.0.0.1';
  readonly port: number;
  readonly queries: LoggedQuery[] = [];
  authenticated: boolean | ((name: string, type: ZoneRecordType) => boolean);
  private readonly misbehaviours = new Map<string, Misbehaviour>();
  private readonly openSockets = new Set<Socket>();
  private readonly udp: UdpSocket;
  private readonly tcp: dns2.TCPServer;

  private constructor(zone: Zone, authenticated: TestDnsServer['authenticated'], port: number, udp: UdpSocket, tcp: dns2.TCPServer) {
    this.zone = zone;
    this.authenticated = authenticated;
    this.port = port;
    this.udp = udp;
    this.tcp = tcp;
    tcp.on('connection', (socket: Socket) => {
      this.openSockets.add(socket);
      socket.once('close', () => this.openSockets.delete(socket));
    });
  }

  /** "127.0.0.1:PORT", the form [dns] servers takes. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  static async start(options: TestDnsServerOptions = {}): Promise<TestDnsServer> {
    const zone = options.zone instanceof Zone ? options.zone : new Zone(options.zone ?? {});
    let handler: (request: dns2.Packet, send: (response: dns2.Packet) => Promise<Buffer>, transport: 'udp' | 'tcp') => void = () => undefined;
    for (let attempt = 0; attempt < PORT_TRIES; attempt++) {
      const udp = dns2.createUDPServer((request, send) => handler(request, send, 'udp'));
      await udp.listen(0, '127.0.0.1');
      const port = udp.address().port;
      const tcp = dns2.createTCPServer((request, send) => handler(request, send, 'tcp'));
      const bound = await new Promise<boolean>((resolve) => {
        tcp.once('error', () => resolve(false));
        tcp.listen(port, '127.0.0.1', () => resolve(true));
      });
      if (!bound) {
        await new Promise<void>((resolve) => udp.close(() => resolve()));
        continue;
      }
      const server = new TestDnsServer(zone, options.authenticated ?? false, port, udp, tcp);
      handler = (request, send, transport) => server.answer(request, send, transport);
      return server;
    }
    throw new Error(`no port free for both UDP and TCP after ${PORT_TRIES} tries`);
  }

  /** Misbehave for a name (one record type, or every type); undefined restores normal answers. */
  misbehave(name: string, mode: Misbehaviour | undefined, type?: ZoneRecordType): void {
    const key = `${canonicalName(name)}/${type ?? '*'}`;
    if (mode === undefined) this.misbehaviours.delete(key);
    else this.misbehaviours.set(key, mode);
  }

  async close(): Promise<void> {
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => {
        this.tcp.close(() => resolve());
        // Pipelining clients may keep connections open; the server waits for none of them.
        for (const socket of this.openSockets) socket.destroy();
      }),
    ]);
  }

  private answer(request: dns2.Packet, send: (response: dns2.Packet) => Promise<Buffer>, transport: 'udp' | 'tcp'): void {
    const question = request.questions[0];
    const response = Packet.createResponseFromRequest(request);
    response.header.ra = 1;
    if (!question) {
      response.header.rcode = Packet.RCODE.FORMERR;
      void send(response).catch(() => undefined);
      return;
    }
    const name = canonicalName(question.name);
    const type = TYPE_CODES.get(question.type);
    const opt = request.additionals.find((r) => r.type === Packet.TYPE.EDNS);
    this.queries.push({ name, type: type ?? `TYPE${question.type}`, transport, dnssecOk: opt?.doFlag === true || ((opt?.ttl ?? 0) & 0x8000) !== 0 });
    const mode = (type && this.misbehaviours.get(`${name}/${type}`)) ?? this.misbehaviours.get(`${name}/*`);
    if (mode === 'drop') return;
    if (mode === 'truncate' && transport === 'udp') {
      response.header.tc = 1;
      void send(response).catch(() => undefined);
      return;
    }
    if (mode === 'servfail' || mode === 'nxdomain' || mode === 'refused') {
      response.header.rcode = { servfail: Packet.RCODE.SERVFAIL, nxdomain: Packet.RCODE.NXDOMAIN, refused: Packet.RCODE.REFUSED }[mode];
      void send(response).catch(() => undefined);
      return;
    }
    if (type === undefined) {
      void send(response).catch(() => undefined); // NODATA for types the zone cannot hold
      return;
    }
    const found = this.zone.resolve(name, type);
    if (found.nxdomain) response.header.rcode = Packet.RCODE.NXDOMAIN;
    for (const { owner, record } of found.records) response.answers.push(resource(owner, record));
    const secure = typeof this.authenticated === 'function' ? this.authenticated(name, type) : this.authenticated;
    // dns2 writes the AD bit (RFC 4035 §3.2.3) but its Header type does not declare it.
    if (secure) (response.header as dns2.Packet.Header & { ad: 0 | 1 }).ad = 1;
    void send(response).catch(() => undefined);
  }
}

function resource(owner: string, record: ZoneRecord): dns2.Packet.Resource {
  return new Packet.Resource(fields(owner, record));
}

function fields(owner: string, record: ZoneRecord): Partial<dns2.Packet.Resource> {
  const base = { name: owner, class: Packet.CLASS.IN, ttl: TTL };
  switch (record.type) {
    case 'A':
      return { ...base, type: Packet.TYPE.A, address: record.address };
    case 'AAAA':
      return { ...base, type: Packet.TYPE.AAAA, address: record.address };
    case 'MX':
      return { ...base, type: Packet.TYPE.MX, exchange: record.exchange === '' ? '.' : record.exchange, priority: record.preference };
    case 'TXT':
      return { ...base, type: Packet.TYPE.TXT, data: typeof record.text === 'string' ? splitCharacterStrings(record.text) : [...record.text] };
    case 'CNAME':
      return { ...base, type: Packet.TYPE.CNAME, domain: record.target };
    case 'TLSA': {
      // dns2 has no TLSA codec: it writes `data` as raw RDATA (RFC 6698 §2.1 layout).
      const data = Buffer.concat([Buffer.from([record.usage, record.selector, record.matchingType]), Buffer.from(tlsaBytes(record.data))]);
      return { ...base, type: 52, data };
    }
  }
}

/** TXT data longer than 255 octets travels as several character-strings (RFC 1035 §3.3.14). */
function splitCharacterStrings(text: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += 255) parts.push(text.slice(i, i + 255));
  return parts.length > 0 ? parts : [''];
}
