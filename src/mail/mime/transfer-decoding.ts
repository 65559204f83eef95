// Content-Transfer-Encoding decoders (RFC 2045 §6): base64 (§6.8) and quoted-printable (§6.7),
// each a state machine fed one octet at a time, so a part is decoded in one pass and the same
// code serves whole bodies and streams. Input is an untrusted encoded body; decoding never
// throws. `strict` reports malformed input the way Dovecot's decoders do (its BINARY fetch then
// fails, RFC 3516 §4.3 leaves the reaction to the server); the output is produced leniently
// either way (for SEARCH, which must read what it can).

export interface Decoded {
  readonly bytes: Uint8Array;
  /** True when the input was malformed (bad characters, bad padding, bad "=" escapes). */
  readonly malformed: boolean;
}

class ByteSink {
  private buffer = new Uint8Array(256);
  length = 0;

  push(byte: number): void {
    if (this.length === this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = byte;
  }

  pushAll(bytes: readonly number[]): void {
    for (const byte of bytes) this.push(byte);
  }

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

const BASE64 = new Int16Array(256).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => (BASE64[c.charCodeAt(0)] = i));

function isBase64Space(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x20 || c === 0x09;
}

/**
 * RFC 2045 §6.8 base64: white space is ignored; padding "=" may only end a group of 2 or 3
 * characters; after the padding only white space may follow; an incomplete final group is
 * malformed. Other characters are malformed (skipped in the lenient output).
 */
export function decodeBase64(input: Uint8Array): Decoded {
  const out = new ByteSink();
  let malformed = false;
  let group = 0; // Characters of the current 4-character group.
  let bits = 0;
  let padding = 0; // "=" seen in the current group.
  let ended = false; // The padding completed a group.
  for (let i = 0; i < input.length; i++) {
    const c = input[i] ?? 0;
    if (isBase64Space(c)) continue;
    if (ended) {
      malformed = true;
      continue;
    }
    const value = BASE64[c] ?? -1;
    if (c === 0x3d) {
      if (group + padding < 2) {
        malformed = true;
        continue;
      }
      padding++;
      if (group + padding === 4) ended = true;
      continue;
    }
    if (value < 0 || padding > 0) {
      malformed = true;
      continue;
    }
    bits = (bits << 6) | value;
    group++;
    if (group === 2) out.push((bits >> 4) & 0xff);
    else if (group === 3) out.push((bits >> 2) & 0xff);
    else if (group === 4) {
      out.push(bits & 0xff);
      group = 0;
      bits = 0;
    }
  }
  if (!ended && (group !== 0 || padding !== 0)) malformed = true;
  return { bytes: out.bytes(), malformed };
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57; // Lower case is not valid but accepted.
  return -1;
}

const CRLF = [0x0d, 0x0a] as const;

/** Decoder states (Dovecot's qp-decoder.c has the same ones). */
const Qp = { Text: 0, Space: 1, Equals: 2, EqualsSpace: 3, Hex2: 4, Cr: 5, SoftCr: 6 } as const;
type QpState = (typeof Qp)[keyof typeof Qp];

/** Quoted-printable lines are at most 76 characters: more trailing white space is malformed. */
const QP_MAX_SPACE = 76;

/**
 * RFC 2045 §6.7 quoted-printable: "=XX" octets, "=" at a line end is a soft line break, trailing
 * white space is dropped (rule 3), line breaks become CRLF. A malformed "=" is kept as text.
 */
export function decodeQuotedPrintable(input: Uint8Array): Decoded {
  const out = new ByteSink();
  let malformed = false;
  let state: QpState = Qp.Text;
  let space: number[] = [];
  let hex = 0;
  const invalid = (): void => {
    malformed = true;
    if (state === Qp.Equals) out.push(0x3d);
    else if (state === Qp.Hex2) out.pushAll([0x3d, hex]);
    else if (state === Qp.EqualsSpace) {
      out.push(0x3d);
      out.pushAll(space);
    } else if (state === Qp.Cr) {
      out.pushAll(space);
      out.push(0x0d);
    } else if (state === Qp.SoftCr) {
      out.push(0x3d);
      out.pushAll(space);
      out.push(0x0d);
    }
    space = [];
    state = Qp.Text;
  };
  for (let i = 0; i < input.length; ) {
    const c = input[i] ?? 0;
    switch (state) {
      case Qp.Text:
        if (c === 0x3d) state = Qp.Equals;
        else if (c === 0x0d) state = Qp.Cr;
        else if (c === 0x0a) out.pushAll(CRLF);
        else if (c === 0x20 || c === 0x09) {
          state = Qp.Space;
          space.push(c);
        } else out.push(c);
        break;
      case Qp.Space:
        if (c === 0x20 || c === 0x09) {
          if (space.length <= QP_MAX_SPACE) space.push(c);
        } else if (c === 0x0d) {
          state = Qp.Cr;
        } else if (c === 0x0a) {
          out.pushAll(CRLF);
          space = [];
          state = Qp.Text;
        } else {
          out.pushAll(space);
          if (space.length > QP_MAX_SPACE) malformed = true;
          space = [];
          state = Qp.Text;
          continue; // Read this octet again as text.
        }
        break;
      case Qp.Equals: {
        const value = hexValue(c);
        if (value >= 0) {
          hex = c;
          state = Qp.Hex2;
        } else if (c === 0x20 || c === 0x09) {
          space.push(c);
          state = Qp.EqualsSpace;
        } else if (c === 0x0d) {
          state = Qp.SoftCr;
        } else if (c === 0x0a) {
          state = Qp.Text;
        } else {
          invalid();
          continue;
        }
        break;
      }
      case Qp.Hex2: {
        const value = hexValue(c);
        if (value >= 0) {
          out.push(hexValue(hex) * 16 + value);
          state = Qp.Text;
        } else {
          invalid();
          continue;
        }
        break;
      }
      case Qp.EqualsSpace:
        if (c === 0x20 || c === 0x09) {
          if (space.length <= QP_MAX_SPACE) space.push(c);
        } else if (c === 0x0d) {
          state = Qp.SoftCr;
        } else if (c === 0x0a) {
          space = [];
          state = Qp.Text;
        } else {
          invalid();
          continue;
        }
        break;
      case Qp.Cr:
      case Qp.SoftCr:
        if (c === 0x0a) {
          space = [];
          if (state === Qp.Cr) out.pushAll(CRLF);
          state = Qp.Text;
        } else {
          invalid();
          continue;
        }
        break;
    }
    i++;
  }
  if (state !== Qp.Text && state !== Qp.Space) invalid();
  return { bytes: out.bytes(), malformed };
}
