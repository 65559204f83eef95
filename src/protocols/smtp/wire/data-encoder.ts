// Incremental encoder of DATA content for the SMTP client: message bytes in, dot-stuffed
// bytes with CRLF line endings out, then the end-of-data line. Pure. Input it does not trust:
// the message (it may come from anyone and hold bare CR or LF): every bare CR and bare LF is
// sent as CRLF, so no message we relay can carry a smuggled end-of-data to the next hop.
//
// Standards: RFC 5321 §4.5.2 (a line starting with "." gets one more "."), §4.1.1.4 (the data
// end with CRLF "." CRLF; a message not ending in CRLF gets one), §2.3.8 (lines end in CRLF).

import { END_OF_DATA } from './data.ts';
import { crlfOnly } from './text.ts';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const LF_DOT = Buffer.from('\n.', 'latin1');

export class DataEncoder {
  #state: 'start' | 'mid' | 'cr' = 'start';
  #ended = false;

  /** Encodes the next part of the message. */
  push(bytes: Uint8Array): Uint8Array {
    if (this.#ended) throw new Error('DataEncoder: push after end');
    if (this.#state !== 'cr' && bytes.length > 0 && needsNoChange(bytes, this.#state === 'start')) {
      // The usual case (a queued message is CRLF-clean, few lines start with "."): sent as is.
      this.#state = bytes[bytes.length - 1] === LF ? 'start' : 'mid';
      return bytes;
    }
    const out = new Uint8Array(bytes.length * 2 + 2);
    let n = 0;
    for (let i = 0; i < bytes.length; ) {
      const byte = bytes[i] ?? 0;
      if (this.#state === 'cr') {
        // CR then anything: a line end (a bare CR becomes CRLF).
        out[n++] = CR;
        out[n++] = LF;
        this.#state = 'start';
        if (byte === LF) i++;
        continue;
      }
      if (byte === CR) {
        this.#state = 'cr';
      } else if (byte === LF) {
        out[n++] = CR;
        out[n++] = LF;
        this.#state = 'start';
      } else {
        // RFC 5321 §4.5.2: dot-stuffing.
        if (this.#state === 'start' && byte === DOT) out[n++] = DOT;
        out[n++] = byte;
        this.#state = 'mid';
      }
      i++;
    }
    return out.slice(0, n);
  }

  /** Ends the message: a final CRLF if it lacked one, then "." CRLF (RFC 5321 §4.1.1.4). */
  end(): Uint8Array {
    if (this.#ended) throw new Error('DataEncoder: end called twice');
    this.#ended = true;
    // The last line's CRLF and the "." line: exactly END_OF_DATA unless the message ended in CRLF.
    return this.#state === 'start' ? END_OF_DATA.slice(2) : END_OF_DATA.slice();
  }
}

/** Encoding leaves `bytes` as they are: CRLF only, and no line starts with "." (RFC 5321 §4.5.2). */
function needsNoChange(bytes: Uint8Array, atLineStart: boolean): boolean {
  if (atLineStart && bytes[0] === DOT) return false;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(LF_DOT) === -1 && crlfOnly(bytes);
}

/** The whole message dot-stuffed and terminated, ready to follow a 354 reply. */
export function encodeData(message: Uint8Array): Uint8Array {
  const encoder = new DataEncoder();
  const body = encoder.push(message);
  const tail = encoder.end();
  const out = new Uint8Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out;
}
