// Incremental reader of SMTP command lines (and of reply lines, for the client): bytes in as
// they arrive, one line event at a time out. Pure: no socket, no clock. Input it does not
// trust: every byte pushed (the peer's data, of any length, split anywhere).
//
// Standards: RFC 5321 §2.3.8 (only CRLF ends a line: a bare LF is reported and its line
// discarded, a bare CR is an ordinary byte that the command parser then refuses),
// RFC 5321 §4.5.3.1.4 (command line limit; extensions may raise it, as RFC 1869 §4.1.2 had
// extension parameters lengthen MAIL and RCPT), RFC 4954 §4 (AUTH initial responses), RFC 3207 §4.2
// (plaintext after STARTTLS is thrown away: `discard()`), RFC 2920 §3 (pipelining: the bytes
// after a DATA or BDAT line belong to the next decoder: `takeRemaining()`).
//
// Memory: an over-long line is dropped as soon as it is seen to be over the limit and its
// remaining bytes are skipped as they arrive, so a server that calls next() until undefined
// after each push holds at most maxLineOctets plus the last push.

/** RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including the CRLF. */
export const MAX_COMMAND_LINE_OCTETS = 512;

/**
 * Longest MAIL or RCPT command line accepted. RFC 5321 §4.5.3.1.4 lets SMTP extensions raise
 * the 512 of the base protocol (the mechanism of RFC 1869 §4.1.2), and the ones we implement
 * claim: SIZE +26 (RFC 1870 §3), BODY +16 (RFC 6152 §2), SMTPUTF8 +10 (RFC 6531 §3.1),
 * RET/ENVID +100 and NOTIFY/ORCPT +500 (RFC 3461 §4), AUTH= +500 (RFC 4954 §3), and the
 * 11 octets of " REQUIRETLS" (RFC 8689 §2): about 1,200 octets for MAIL. 4096 leaves room for
 * UTF-8 addresses (RFC 6531 §3.3: a 64-octet local part and a 255-octet domain can take up to
 * four octets per character once written in U-labels) and for source routes, while keeping a
 * line a small, bounded buffer. Postfix's default line_length_limit is 2048.
 */
export const MAX_EXTENDED_COMMAND_LINE_OCTETS = 4096;

/** RFC 4422 §3.1: a SASL mechanism name is 1 to 20 characters. */
export const MAX_SASL_MECHANISM_OCTETS = 20;

/**
 * Longest AUTH command line accepted, and the longest line of a SASL exchange: RFC 4954 §4
 * names 12288 octets of base64 as sufficient for deployed mechanisms, plus "AUTH", a space, a
 * mechanism name (MAX_SASL_MECHANISM_OCTETS), a space and the CRLF. Deliberate
 * deviation: RFC 4954 §4 keeps the AUTH command itself under the 512-octet line limit, but
 * OAuth clients (XOAUTH2, OAUTHBEARER) send long initial responses on the AUTH line anyway.
 * This is also the limit to give the reader in a server: parseCommand applies the shorter
 * limit of each command.
 */
export const MAX_AUTH_COMMAND_LINE_OCTETS = 12288 + 'AUTH '.length + MAX_SASL_MECHANISM_OCTETS + ' '.length + 2;

export type LineEvent =
  /** A line, without its CRLF. */
  | { readonly kind: 'line'; readonly line: Uint8Array }
  /** The line exceeded the limit: it was discarded up to its line end, then reading continues. */
  | { readonly kind: 'too-long' }
  /** A line ended with LF not preceded by CR (RFC 5321 §2.3.8): it was discarded. */
  | { readonly kind: 'bare-lf' };

export interface LineReaderOptions {
  /** Longest line accepted, counting its CRLF. */
  readonly maxLineOctets: number;
}

const CR = 0x0d;
const LF = 0x0a;
/** Buffers larger than this are released rather than kept for reuse once empty. */
const RETAINED_BUFFER_OCTETS = 64 * 1024;

export class SmtpLineReader {
  readonly #maxLineOctets: number;
  #buffer = new Uint8Array(1024);
  #start = 0;
  #end = 0;
  /** Where the search for LF resumes: bytes before it are known to hold none. */
  #scanned = 0;
  /** The current line was found over-long: its bytes are skipped up to its LF. */
  #skipping = false;
  /** A skipped line has ended: the next event is 'too-long'. */
  #tooLongPending = false;

  constructor(options: LineReaderOptions) {
    if (!Number.isSafeInteger(options.maxLineOctets) || options.maxLineOctets < 2) {
      throw new RangeError('SmtpLineReader: maxLineOctets must be an integer of at least 2');
    }
    this.#maxLineOctets = options.maxLineOctets;
  }

  /** Adds bytes as received. The reader keeps no reference to `bytes`. */
  push(bytes: Uint8Array): void {
    let input = bytes;
    if (this.#skipping) {
      // The rest of a line already reported over-long: drop it here, so it costs nothing.
      const lf = input.indexOf(LF);
      if (lf === -1) return;
      this.#skipping = false;
      this.#tooLongPending = true;
      input = input.subarray(lf + 1);
    }
    if (input.length === 0) return;
    this.#reserve(input.length);
    this.#buffer.set(input, this.#end);
    this.#end += input.length;
  }

  /** The next line event, or undefined until more bytes arrive. */
  next(): LineEvent | undefined {
    if (this.#tooLongPending) {
      this.#tooLongPending = false;
      return { kind: 'too-long' };
    }
    if (this.#skipping) return undefined;
    const from = Math.max(this.#start, this.#scanned);
    const lf = this.#buffer.subarray(0, this.#end).indexOf(LF, from);
    if (lf === -1) {
      this.#scanned = this.#end;
      if (this.#end - this.#start >= this.#maxLineOctets) {
        // No line end yet and already too long (RFC 5321 §4.5.3.1.4): drop what we hold and
        // skip the rest of the line as it arrives.
        this.#clear();
        this.#skipping = true;
      }
      return undefined;
    }
    const lineStart = this.#start;
    this.#start = lf + 1;
    this.#scanned = this.#start;
    let event: LineEvent;
    if (lf + 1 - lineStart > this.#maxLineOctets) {
      event = { kind: 'too-long' };
    } else if (lf > lineStart && this.#buffer[lf - 1] === CR) {
      event = { kind: 'line', line: this.#buffer.slice(lineStart, lf - 1) };
    } else {
      // RFC 5321 §2.3.8: LF alone does not end a command line; the line is refused.
      event = { kind: 'bare-lf' };
    }
    if (this.#start === this.#end) this.#clear();
    return event;
  }

  /** Bytes buffered and not yet returned by next(). */
  pending(): number {
    return this.#end - this.#start;
  }

  /**
   * Hands over the bytes not yet returned by next() and empties the reader: after a DATA or
   * BDAT line the server gives them to the data decoder (RFC 2920 §3, pipelining).
   */
  takeRemaining(): Uint8Array {
    const rest = this.#buffer.slice(this.#start, this.#end);
    this.#clear();
    this.#skipping = false;
    this.#tooLongPending = false;
    return rest;
  }

  /** Throws away everything buffered: RFC 3207 §4.2, plaintext after STARTTLS. */
  discard(): void {
    this.#clear();
    this.#skipping = false;
    this.#tooLongPending = false;
  }

  #clear(): void {
    this.#start = 0;
    this.#end = 0;
    this.#scanned = 0;
    if (this.#buffer.length > RETAINED_BUFFER_OCTETS) this.#buffer = new Uint8Array(1024);
  }

  #reserve(extra: number): void {
    const used = this.#end - this.#start;
    if (this.#end + extra <= this.#buffer.length) return;
    if (used + extra <= this.#buffer.length) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
    } else {
      const grown = new Uint8Array(Math.max(this.#buffer.length * 2, used + extra));
      grown.set(this.#buffer.subarray(this.#start, this.#end));
      this.#buffer = grown;
    }
    this.#scanned -= this.#start;
    if (this.#scanned < 0) this.#scanned = 0;
    this.#start = 0;
    this.#end = used;
  }
}
