// Reader of one BDAT chunk body: takes exactly the announced number of octets from the
// stream, binary-transparent, and hands back whatever follows (the next pipelined command).
// Pure and incremental. Input it does not trust: the pushed bytes (client data, split
// anywhere); it never throws on them.
//
// Standards: RFC 3030 §2 (the chunk-size octets follow the CRLF of the BDAT line; no
// dot-stuffing, no line-ending rules, no terminator). A server that refuses a chunk must still
// read it through this reader, or the chunk's bytes would be taken for commands.

/**
 * Largest BDAT chunk-size accepted (RFC 3030 §2 chunk-size = 1*DIGIT, unbounded): 2^31 - 1,
 * the largest count that fits a signed 32-bit integer, so no peer or counter along the way can
 * wrap it, and far above any message size limit. A larger value is refused by the command
 * parser; the server then has lost framing and must close the connection.
 */
export const MAX_BDAT_CHUNK_OCTETS = 2 ** 31 - 1;

export interface ChunkStep {
  /** The part of the chunk in this push (a view into the pushed bytes, not a copy). */
  readonly bytes: Uint8Array;
  /** The whole chunk has been read. */
  readonly done: boolean;
  /** Bytes after the chunk (a view into the pushed bytes): the next command line. */
  readonly rest: Uint8Array;
}

export class ChunkReader {
  #remaining: number;

  /** `size` comes from a parsed BDAT command; anything else is a programming error. */
  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_BDAT_CHUNK_OCTETS) {
      throw new RangeError(`ChunkReader: size must be an integer from 0 to ${MAX_BDAT_CHUNK_OCTETS}`);
    }
    this.#remaining = size;
  }

  /** Octets of the chunk still to come. */
  get remaining(): number {
    return this.#remaining;
  }

  push(bytes: Uint8Array): ChunkStep {
    const take = Math.min(this.#remaining, bytes.length);
    this.#remaining -= take;
    return { bytes: bytes.subarray(0, take), done: this.#remaining === 0, rest: bytes.subarray(take) };
  }
}
