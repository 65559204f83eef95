// DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded by a two-octet
// length. An incremental reader: push bytes as they arrive, take whole messages out. Pure; the
// stream is untrusted (a zero length is passed on as an empty message for the decoder to refuse).

export const LENGTH_PREFIX_OCTETS = 2;
/** The two-octet prefix bounds a message to 65535 octets (RFC 1035 §4.2.2). */
export const MAX_MESSAGE_OCTETS = 0xffff;

/** Prefixes a message with its length; undefined if it cannot be framed (over 65535 octets). */
export function frameMessage(message: Uint8Array): Uint8Array | undefined {
  if (message.length > MAX_MESSAGE_OCTETS) return undefined;
  const out = new Uint8Array(LENGTH_PREFIX_OCTETS + message.length);
  out[0] = message.length >> 8;
  out[1] = message.length & 0xff;
  out.set(message, LENGTH_PREFIX_OCTETS);
  return out;
}

export class TcpFrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.buffered += bytes.length;
  }

  /** The next whole message, or undefined until more bytes arrive. */
  next(): Uint8Array | undefined {
    if (this.buffered < LENGTH_PREFIX_OCTETS) return undefined;
    const prefix = this.peek(LENGTH_PREFIX_OCTETS);
    const length = ((prefix[0] ?? 0) << 8) | (prefix[1] ?? 0);
    if (this.buffered < LENGTH_PREFIX_OCTETS + length) return undefined;
    this.consume(LENGTH_PREFIX_OCTETS);
    const message = this.peek(length);
    this.consume(length);
    return message;
  }

  /** Octets received but not yet returned as a message. */
  pending(): number {
    return this.buffered;
  }

  private peek(count: number): Uint8Array {
    const out = new Uint8Array(count);
    let filled = 0;
    for (const chunk of this.chunks) {
      if (filled === count) break;
      const part = chunk.subarray(0, count - filled);
      out.set(part, filled);
      filled += part.length;
    }
    return out;
  }

  private consume(count: number): void {
    this.buffered -= count;
    while (count > 0) {
      const first = this.chunks[0];
      if (!first) return;
      if (first.length <= count) {
        count -= first.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(count);
        count = 0;
      }
    }
  }
}
