// Helpers shared by the POP3 wire tests and the POP3 test client: byte strings written as
// text, the ways of splitting input that house rule 2 asks every incremental reader to
// survive, and two reference decoders of multi-line responses written from RFC 1939 §3
// independently of the encoder. Not a test file itself. Input it does not trust: none (test
// data), though the decoders never throw on any bytes.

import fc from 'fast-check';
import { bytes, concat, cuts, latin1, oneByteAtATime, splitAt, utf8 } from '../../wire-bytes.test-support.ts';

export { bytes, concat, cuts, latin1, oneByteAtATime, splitAt, utf8 };

/** Bytes rich in what matters to POP3 framing (CR, LF, ".", SP, NUL, high bit). */
export const framingBytes = (maxLength: number) =>
  fc
    .array(fc.oneof(fc.constantFrom(0x0d, 0x0a, 0x2e, 0x20, 0x00, 0xff), fc.integer({ min: 0, max: 255 })), { maxLength })
    .map((array) => Uint8Array.from(array));

export interface Decoded {
  readonly message: Uint8Array;
  /** Bytes after the termination line. */
  readonly rest: Uint8Array;
}

/**
 * RFC 1939 §3 as clients that read lines up to LF apply it (poplib, fetchmail): a line that
 * starts with "." loses it, and the line "." CRLF ends the response. Undefined until the
 * termination line has arrived.
 */
export function decodeMultilineByLf(wire: Uint8Array): Decoded | undefined {
  return decode(wire, (from) => {
    const lf = wire.indexOf(0x0a, from);
    return lf === -1 ? undefined : lf + 1;
  });
}

/** RFC 1939 §3 read strictly: lines end at CRLF only; otherwise as decodeMultilineByLf. */
export function decodeMultilineByCrlf(wire: Uint8Array): Decoded | undefined {
  return decode(wire, (from) => {
    for (let lf = wire.indexOf(0x0a, from); lf !== -1; lf = wire.indexOf(0x0a, lf + 1)) {
      if (lf > from && wire[lf - 1] === 0x0d) return lf + 1;
    }
    return undefined;
  });
}

function decode(wire: Uint8Array, lineEnd: (from: number) => number | undefined): Decoded | undefined {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (;;) {
    const end = lineEnd(start);
    if (end === undefined) return undefined;
    const line = wire.subarray(start, end);
    if (line.length === 3 && line[0] === 0x2e && line[1] === 0x0d && line[2] === 0x0a) {
      return { message: concat(parts), rest: wire.slice(end) };
    }
    parts.push(line[0] === 0x2e ? line.subarray(1) : line);
    start = end;
  }
}
