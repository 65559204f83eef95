// DNS messages on the wire (RFC 1035 §4.1): a query encoder and a response decoder for the few
// record types mail delivery needs — A (§3.4.1), AAAA (RFC 3596 §2.2), MX (§3.3.9), TXT
// (§3.3.14), CNAME (§3.3.1), TLSA (RFC 6698 §2.1) — and the EDNS0 OPT pseudo-record
// (RFC 6891 §6.1). Other types are kept as raw bytes. Pure: bytes in, values out; the decoder
// never throws and trusts nothing in the message (counts, lengths, compression pointers).

import { ok, err, type Result } from '../../core/result.ts';

export const HEADER_OCTETS = 12;
/** RFC 1035 §2.3.4: a name is at most 255 octets on the wire, a label at most 63. */
export const MAX_NAME_OCTETS = 255;
export const MAX_LABEL_OCTETS = 63;
/** Compression pointers followed while reading one name (each must point backwards, so this is a safety net). */
export const MAX_POINTER_HOPS = 127;
/** RFC 8085 / DNS flag day 2020: a UDP payload size that avoids fragmentation. */
export const DEFAULT_UDP_PAYLOAD = 1232;

export const TYPE = { A: 1, CNAME: 5, MX: 15, TXT: 16, AAAA: 28, OPT: 41, TLSA: 52 } as const;
export const CLASS_IN = 1;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface DnsHeader {
  readonly id: number;
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  /** Authentic Data (RFC 4035 §3.2.3). */
  readonly ad: boolean;
  /** Checking Disabled (RFC 4035 §3.2.2). */
  readonly cd: boolean;
  /** The 4-bit RCODE of the header; see DnsMessage.rcode for the extended one. */
  readonly rcode: number;
  readonly qdcount: number;
  readonly ancount: number;
  readonly nscount: number;
  readonly arcount: number;
}

export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

export type RecordData =
  | { readonly kind: 'a'; readonly address: string }
  | { readonly kind: 'aaaa'; readonly address: string }
  | { readonly kind: 'mx'; readonly preference: number; readonly exchange: string }
  | { readonly kind: 'txt'; readonly strings: readonly Uint8Array[] }
  | { readonly kind: 'cname'; readonly target: string }
  | { readonly kind: 'tlsa'; readonly usage: number; readonly selector: number; readonly matchingType: number; readonly data: Uint8Array }
  | { readonly kind: 'other'; readonly bytes: Uint8Array };

export interface DnsRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly data: RecordData;
}

/** The OPT pseudo-record's fields (RFC 6891 §6.1.2, §6.1.3). */
export interface Edns {
  readonly udpPayloadSize: number;
  readonly extendedRcode: number;
  readonly version: number;
  readonly dnssecOk: boolean;
}

export interface DnsMessage {
  readonly header: DnsHeader;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  /** Additional records other than OPT. */
  readonly additionals: readonly DnsRecord[];
  readonly edns: Edns | undefined;
  /** The full RCODE: header bits plus the OPT extension (RFC 6891 §6.1.3). */
  readonly rcode: number;
}

export interface DecodeError {
  readonly offset: number;
  readonly detail: string;
}

export interface QueryInput {
  readonly id: number;
  readonly name: string;
  readonly type: number;
  /** RD (RFC 1035 §4.1.1); a stub resolver always asks for recursion. */
  readonly recursionDesired?: boolean;
  /** Adds an OPT record; with dnssecOk the DO bit (RFC 3225 §3) and the AD bit (RFC 6840 §5.7). */
  readonly edns?: { readonly udpPayloadSize: number; readonly dnssecOk: boolean } | undefined;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** The wire form of a presentation-form name ("mx.example.com", trailing dot optional). */
export function encodeName(name: string): Result<Uint8Array, string> {
  const text = name.endsWith('.') ? name.slice(0, -1) : name;
  if (text === '') return ok(Uint8Array.of(0));
  const bytes: number[] = [];
  for (const label of text.split('.')) {
    // Host names and the _service labels of SRV/TLSA/MTA-STS owners (RFC 6698 §3, RFC 8461 §3.1).
    if (label.length > MAX_LABEL_OCTETS || !/^[A-Za-z0-9_-]+$/.test(label)) return err(`invalid label ${JSON.stringify(label)} in ${JSON.stringify(name)}`);
    bytes.push(label.length);
    for (let i = 0; i < label.length; i++) bytes.push(label.charCodeAt(i));
  }
  bytes.push(0);
  if (bytes.length > MAX_NAME_OCTETS) return err(`name longer than ${MAX_NAME_OCTETS} octets`);
  return ok(Uint8Array.from(bytes));
}

/** A query message with one question of class IN (RFC 1035 §4.1). */
export function encodeQuery(input: QueryInput): Result<Uint8Array, string> {
  const name = encodeName(input.name);
  if (!name.ok) return name;
  const edns = input.edns;
  const out = new Uint8Array(HEADER_OCTETS + name.value.length + 4 + (edns ? 11 : 0));
  const view = new DataView(out.buffer);
  view.setUint16(0, input.id & 0xffff);
  let flags = 0;
  if (input.recursionDesired !== false) flags |= 0x0100;
  if (edns?.dnssecOk) flags |= 0x0020; // AD: "tell me whether the answer validated" (RFC 6840 §5.7)
  view.setUint16(2, flags);
  view.setUint16(4, 1);
  view.setUint16(10, edns ? 1 : 0);
  out.set(name.value, HEADER_OCTETS);
  let at = HEADER_OCTETS + name.value.length;
  view.setUint16(at, input.type);
  view.setUint16(at + 2, CLASS_IN);
  at += 4;
  if (edns) {
    // OPT: root owner, TYPE 41, CLASS = payload size, TTL = ext-rcode|version|DO|Z, RDLENGTH 0.
    out[at] = 0;
    view.setUint16(at + 1, TYPE.OPT);
    view.setUint16(at + 3, Math.max(512, Math.min(edns.udpPayloadSize, 0xffff)));
    view.setUint32(at + 5, edns.dnssecOk ? 0x8000 : 0);
    view.setUint16(at + 9, 0);
  }
  return ok(out);
}

// ---------------------------------------------------------------------------------------------
// Decoding

class Malformed {
  readonly offset: number;
  readonly detail: string;
  constructor(offset: number, detail: string) {
    this.offset = offset;
    this.detail = detail;
  }
}

/** The 12-octet header alone (enough to match an ID and see TC in a truncated reply). */
export function decodeHeader(bytes: Uint8Array): Result<DnsHeader, DecodeError> {
  if (bytes.length < HEADER_OCTETS) return err({ offset: bytes.length, detail: 'message shorter than its header' });
  const u16 = (at: number) => ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
  const flags = u16(2);
  return ok({
    id: u16(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
    qdcount: u16(4),
    ancount: u16(6),
    nscount: u16(8),
    arcount: u16(10),
  });
}

/** Decodes a whole message. Octets after the last record are ignored. */
export function decodeMessage(bytes: Uint8Array): Result<DnsMessage, DecodeError> {
  const header = decodeHeader(bytes);
  if (!header.ok) return header;
  const reader = new Reader(bytes);
  reader.at = HEADER_OCTETS;
  try {
    const h = header.value;
    const questions: DnsQuestion[] = [];
    for (let i = 0; i < h.qdcount; i++) {
      const name = reader.name();
      questions.push({ name, type: reader.u16(), class: reader.u16() });
    }
    const answers = reader.records(h.ancount);
    const authorities = reader.records(h.nscount);
    const all = reader.records(h.arcount);
    const opts = all.filter((r) => r.type === TYPE.OPT);
    // RFC 6891 §6.1.1: more than one OPT makes the message malformed.
    if (opts.length > 1) return err({ offset: reader.at, detail: 'more than one OPT record' });
    const opt = opts[0];
    const edns: Edns | undefined = opt && {
      udpPayloadSize: opt.class,
      extendedRcode: opt.ttl >>> 24,
      version: (opt.ttl >>> 16) & 0xff,
      dnssecOk: (opt.ttl & 0x8000) !== 0,
    };
    return ok({
      header: h,
      questions,
      answers,
      authorities,
      additionals: all.filter((r) => r.type !== TYPE.OPT),
      edns,
      rcode: ((edns?.extendedRcode ?? 0) << 4) | h.rcode,
    });
  } catch (error) {
    if (error instanceof Malformed) return err({ offset: error.offset, detail: error.detail });
    throw error;
  }
}

/** A cursor over one message; throws Malformed, which decodeMessage turns into a value. */
class Reader {
  readonly bytes: Uint8Array;
  at = 0;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  need(count: number, what: string): void {
    if (this.at + count > this.bytes.length) throw new Malformed(this.at, `message ends inside ${what}`);
  }

  u8(): number {
    this.need(1, 'a field');
    return this.bytes[this.at++] ?? 0;
  }

  u16(): number {
    this.need(2, 'a field');
    const value = ((this.bytes[this.at] ?? 0) << 8) | (this.bytes[this.at + 1] ?? 0);
    this.at += 2;
    return value;
  }

  u32(): number {
    return ((this.u16() << 16) | this.u16()) >>> 0;
  }

  take(count: number, what: string): Uint8Array {
    this.need(count, what);
    const slice = this.bytes.slice(this.at, this.at + count);
    this.at += count;
    return slice;
  }

  /** A possibly compressed name (RFC 1035 §4.1.4) in presentation form, no trailing dot. */
  name(): string {
    const labels: string[] = [];
    let octets = 1;
    let at = this.at;
    let resumeAt = -1;
    let hops = 0;
    for (;;) {
      if (at >= this.bytes.length) throw new Malformed(at, 'message ends inside a name');
      const length = this.bytes[at] ?? 0;
      if (length === 0) {
        at += 1;
        break;
      }
      if ((length & 0xc0) === 0xc0) {
        if (at + 1 >= this.bytes.length) throw new Malformed(at, 'message ends inside a compression pointer');
        const target = ((length & 0x3f) << 8) | (this.bytes[at + 1] ?? 0);
        // Only backward pointers: a loop is impossible, and forward references never occur.
        if (target >= at) throw new Malformed(at, 'compression pointer does not point backwards');
        if (++hops > MAX_POINTER_HOPS) throw new Malformed(at, 'too many compression pointers');
        if (resumeAt < 0) resumeAt = at + 2;
        at = target;
        continue;
      }
      if ((length & 0xc0) !== 0) throw new Malformed(at, `unsupported label type 0x${length.toString(16)}`);
      if (at + 1 + length > this.bytes.length) throw new Malformed(at, 'message ends inside a label');
      octets += length + 1;
      if (octets > MAX_NAME_OCTETS) throw new Malformed(at, `name longer than ${MAX_NAME_OCTETS} octets`);
      labels.push(labelText(this.bytes.subarray(at + 1, at + 1 + length)));
      at += 1 + length;
    }
    this.at = resumeAt >= 0 ? resumeAt : at;
    return labels.join('.');
  }

  records(count: number): DnsRecord[] {
    const out: DnsRecord[] = [];
    for (let i = 0; i < count; i++) out.push(this.record());
    return out;
  }

  record(): DnsRecord {
    const name = this.name();
    const type = this.u16();
    const klass = this.u16();
    const ttl = this.u32();
    const length = this.u16();
    this.need(length, 'RDATA');
    const end = this.at + length;
    const data = this.rdata(type, length, end);
    if (this.at !== end) throw new Malformed(this.at, `RDATA of type ${type} does not fill RDLENGTH`);
    return { name, type, class: klass, ttl, data };
  }

  rdata(type: number, length: number, end: number): RecordData {
    switch (type) {
      case TYPE.A: {
        if (length !== 4) throw new Malformed(this.at, 'A RDATA is not 4 octets');
        return { kind: 'a', address: Array.from(this.take(4, 'an A record')).join('.') };
      }
      case TYPE.AAAA: {
        if (length !== 16) throw new Malformed(this.at, 'AAAA RDATA is not 16 octets');
        return { kind: 'aaaa', address: ipv6Text(this.take(16, 'an AAAA record')) };
      }
      case TYPE.MX: {
        const preference = this.u16();
        const exchange = this.nameWithin(end);
        return { kind: 'mx', preference, exchange };
      }
      case TYPE.CNAME:
        return { kind: 'cname', target: this.nameWithin(end) };
      case TYPE.TXT: {
        // RFC 1035 §3.3.14: one or more <character-string>s.
        if (length === 0) throw new Malformed(this.at, 'empty TXT RDATA');
        const strings: Uint8Array[] = [];
        while (this.at < end) {
          const size = this.u8();
          if (this.at + size > end) throw new Malformed(this.at, 'TXT string overruns RDATA');
          strings.push(this.take(size, 'a TXT string'));
        }
        return { kind: 'txt', strings };
      }
      case TYPE.TLSA: {
        // RFC 6698 §2.1: usage, selector, matching type (one octet each), association data.
        if (length < 3) throw new Malformed(this.at, 'TLSA RDATA shorter than 3 octets');
        const usage = this.u8();
        const selector = this.u8();
        const matchingType = this.u8();
        return { kind: 'tlsa', usage, selector, matchingType, data: this.take(length - 3, 'TLSA data') };
      }
      default:
        return { kind: 'other', bytes: this.take(length, 'RDATA') };
    }
  }

  nameWithin(end: number): string {
    const name = this.name();
    if (this.at > end) throw new Malformed(this.at, 'name overruns RDATA');
    return name;
  }
}

/** A label as presentation text: LDH and underscore as is, anything else \DDD (RFC 1035 §5.1). */
function labelText(label: Uint8Array): string {
  let text = '';
  for (const byte of label) {
    const plain = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x5f || byte === 0x2a;
    text += plain ? String.fromCharCode(byte) : `\\${byte.toString().padStart(3, '0')}`;
  }
  return text;
}

/** RFC 5952 §4 text form of an IPv6 address. */
export function ipv6Text(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // The longest run of two or more zero groups becomes "::" (the first one on a tie).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
