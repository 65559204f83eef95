// The service extensions a server lists in its EHLO reply, read into typed fields. Input it
// does not trust: the reply lines (any text the server sends); nothing here throws, keywords
// only ever reach a `switch` (house rule 11), and a malformed parameter reads as "not
// offered" rather than as something we would then rely on.
//
// Standards: RFC 5321 §4.1.1.1 (ehlo-ok-rsp: the first line greets, each further line is
// ehlo-line = ehlo-keyword *( SP ehlo-param ); keywords are case-insensitive, §2.4), RFC 2920
// (PIPELINING), RFC 1870 §4 (SIZE [number]; 0 or none: no fixed limit), RFC 6152 (8BITMIME),
// RFC 6531 §3.2 (SMTPUTF8), RFC 3030 (CHUNKING, BINARYMIME), RFC 3461 (DSN), RFC 3207
// (STARTTLS), RFC 8689 §2 (REQUIRETLS), RFC 2034 (ENHANCEDSTATUSCODES), RFC 4954 §3 (AUTH
// mechanisms). Deliberate deviation: "AUTH=LOGIN PLAIN", the form of pre-standard servers
// that many still send beside the standard line, is read as AUTH too.

export interface Extensions {
  readonly pipelining: boolean;
  /**
   * RFC 1870: SIZE offered with a fixed limit in octets; 0 when offered without one (or
   * with 0); undefined when not offered.
   */
  readonly size: number | undefined;
  readonly eightBitMime: boolean;
  readonly smtputf8: boolean;
  readonly chunking: boolean;
  readonly binaryMime: boolean;
  readonly dsn: boolean;
  readonly startTls: boolean;
  readonly requireTls: boolean;
  readonly enhancedStatusCodes: boolean;
  /** SASL mechanisms, upper-cased. */
  readonly auth: readonly string[];
  /** Every extension line, keyword upper-cased, parameters as sent (for the report). */
  readonly keywords: readonly string[];
}

/** No extensions: the server answered HELO (RFC 5321 §4.1.1.1) or nothing yet. */
export const NO_EXTENSIONS: Extensions = {
  pipelining: false,
  size: undefined,
  eightBitMime: false,
  smtputf8: false,
  chunking: false,
  binaryMime: false,
  dsn: false,
  startTls: false,
  requireTls: false,
  enhancedStatusCodes: false,
  auth: [],
  keywords: [],
};

/** RFC 1870 §3: size-value ::= 1*20DIGIT. */
const SIZE_VALUE = /^[0-9]{1,20}$/;
/** RFC 5321 §4.1.1.1: ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"). */
const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
/** RFC 4422 §3.1: sasl-mech = 1*20 upper-case letters, digits, "-" and "_". */
const MECHANISM = /^[A-Z0-9_-]{1,20}$/;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Reads the lines of a 250 EHLO reply (the first line, the greeting, is skipped). */
export function parseEhloReply(lines: readonly string[]): Extensions {
  const out: Mutable<Extensions> = { ...NO_EXTENSIONS, auth: [], keywords: [] };
  const auth = new Set<string>();
  const keywords: string[] = [];
  for (const line of lines.slice(1)) {
    const words = line.trim().split(/[ \t]+/);
    const [first = '', ...params] = words;
    // "AUTH=PLAIN LOGIN": the pre-standard form (see the header).
    const legacyAuth = /^auth=/i.test(first);
    const keyword = legacyAuth ? 'AUTH' : first.toUpperCase();
    if (!legacyAuth && !KEYWORD.test(first)) continue;
    const values = legacyAuth ? [first.slice(5), ...params].filter((word) => word !== '') : params;
    if (!legacyAuth) keywords.push([keyword, ...params].join(' '));
    switch (keyword) {
      case 'PIPELINING':
        out.pipelining = true;
        break;
      case 'SIZE': {
        // RFC 1870 §4: "SIZE" [SP number]; an unreadable number is treated as no limit given.
        const value = params[0];
        out.size = value !== undefined && SIZE_VALUE.test(value) ? Math.min(Number(value), Number.MAX_SAFE_INTEGER) : 0;
        break;
      }
      case '8BITMIME':
        out.eightBitMime = true;
        break;
      case 'SMTPUTF8':
        out.smtputf8 = true;
        break;
      case 'CHUNKING':
        out.chunking = true;
        break;
      case 'BINARYMIME':
        out.binaryMime = true;
        break;
      case 'DSN':
        out.dsn = true;
        break;
      case 'STARTTLS':
        out.startTls = true;
        break;
      case 'REQUIRETLS':
        out.requireTls = true;
        break;
      case 'ENHANCEDSTATUSCODES':
        out.enhancedStatusCodes = true;
        break;
      case 'AUTH':
        for (const value of values) {
          const mechanism = value.toUpperCase();
          if (MECHANISM.test(mechanism)) auth.add(mechanism);
        }
        break;
      default:
        break;
    }
  }
  out.auth = [...auth];
  out.keywords = keywords;
  return out;
}
