// The body of a multi-line response (RETR, TOP, and the listings): message bytes in, the bytes
// to send out, ending with the termination line. Incremental and pure. Input it does not trust:
// the message, which may hold any bytes (8-bit, binary, bare CR or LF, lines of any length);
// it is sent byte for byte, only dot-stuffed.
//
// Standards: RFC 1939 §3: each line that starts with "." gets one more "." (byte-stuffing), and
// the response ends with a line of "." CRLF; a message that does not end in CRLF gets one, so
// the termination is a line of its own.
//
// Deliberate choice beyond the RFC (which knows CRLF lines only): a "." after a bare LF is
// stuffed too. Most clients split lines at LF (Python's poplib, fetchmail), so an unstuffed
// "\n.\r\n" inside a message would end the response early for them and let the rest of the
// message pose as server responses. A strict CRLF client still finds the termination only at
// the end; it sees one extra "." in such a message. Messages we store have CRLF lines
// (SMTP refuses bare line endings by default), where the two readings agree.

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const TERMINATOR = Uint8Array.of(DOT, CR, LF);
const CRLF_TERMINATOR = Uint8Array.of(CR, LF, DOT, CR, LF);

export class MultilineEncoder {
  #atLineStart = true;
  #beforeLast = -1;
  #last = -1;
  #ended = false;

  /** Encodes the next part of the message. The encoder keeps no reference to `bytes`. */
  push(bytes: Uint8Array): Uint8Array {
    if (this.#ended) throw new Error('MultilineEncoder: push after end');
    if (bytes.length === 0) return new Uint8Array(0);
    const stuffAt: number[] = [];
    if (this.#atLineStart && bytes[0] === DOT) stuffAt.push(0);
    for (let lf = bytes.indexOf(LF); lf !== -1; lf = bytes.indexOf(LF, lf + 1)) {
      if (bytes[lf + 1] === DOT) stuffAt.push(lf + 1);
    }
    const out = new Uint8Array(bytes.length + stuffAt.length);
    let from = 0;
    let to = 0;
    for (const at of stuffAt) {
      out.set(bytes.subarray(from, at), to);
      to += at - from;
      out[to++] = DOT;
      from = at;
    }
    out.set(bytes.subarray(from), to);
    this.#beforeLast = bytes.length > 1 ? (bytes[bytes.length - 2] ?? -1) : this.#last;
    this.#last = bytes[bytes.length - 1] ?? -1;
    this.#atLineStart = this.#last === LF;
    return out;
  }

  /** True when the bytes so far end in CRLF (or there were none): no CRLF is added at the end. */
  get endsWithCrlf(): boolean {
    return this.#last === -1 || (this.#beforeLast === CR && this.#last === LF);
  }

  /** The end: CRLF when the message lacked one, then "." CRLF (RFC 1939 §3). */
  end(): Uint8Array {
    if (this.#ended) throw new Error('MultilineEncoder: end called twice');
    this.#ended = true;
    return (this.endsWithCrlf ? TERMINATOR : CRLF_TERMINATOR).slice();
  }
}

/** The whole body of a multi-line response, termination line included. */
export function encodeMultiline(message: Uint8Array): Uint8Array {
  const encoder = new MultilineEncoder();
  const body = encoder.push(message);
  const tail = encoder.end();
  const out = new Uint8Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out;
}

/**
 * The octets of the message as the client receives it before stuffing: its length, plus the
 * CRLF added when it does not end in one (RETR's "+OK n octets").
 */
export function deliveredOctets(message: Uint8Array): number {
  const n = message.length;
  if (n === 0 || (message[n - 2] === CR && message[n - 1] === LF)) return n;
  return n + 2;
}
