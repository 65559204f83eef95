// Scans for line-break octets (CR, LF) four octets at a time. Mail is mostly lines of ordinary
// text, so most 32-bit words hold no octet below 0x0E, and one test per word skips them:
// (w - 0x0E0E0E0E) & ~w & 0x80808080 is non-zero whenever a byte of w is below 0x0E (a false
// positive now and then, never a false negative: "Bit Twiddling Hacks", "Determine if a word
// has a byte less than n"). Only flagged words are looked at octet by octet. A native indexOf
// per line costs a call into C++ for every line; this is several times cheaper on a message.

const CR = 0x0d;
const LF = 0x0a;
const NO_WORDS = new Int32Array(0);

/** Any octet of the little- or big-endian word below 0x0E (CR and LF are). */
function mayHoldBreak(word: number): boolean {
  return ((word - 0x0e0e0e0e) & ~word & 0x80808080) !== 0;
}

/** The aligned words of `bytes`: octets [head, head + 4 × words.length) as 32-bit words. */
function wordsOf(bytes: Uint8Array): { head: number; words: Int32Array } {
  const head = (4 - (bytes.byteOffset & 3)) & 3;
  if (bytes.length < head + 4) return { head: bytes.length, words: NO_WORDS };
  return { head, words: new Int32Array(bytes.buffer, bytes.byteOffset + head, (bytes.length - head) >>> 2) };
}

/** Octet `i` is neither a CR nor an LF, or is one half of a CRLF pair inside `bytes`. */
function pairedAt(bytes: Uint8Array, i: number): boolean {
  const byte = bytes[i];
  if (byte === LF) return i > 0 && bytes[i - 1] === CR;
  if (byte === CR) return bytes[i + 1] === LF && i + 1 < bytes.length;
  return true;
}

/** Every LF is preceded by CR and every CR followed by LF (RFC 5321 §2.3.8); a CR last is not. */
export function crlfOnly(bytes: Uint8Array): boolean {
  const { head, words } = wordsOf(bytes);
  for (let i = 0; i < head; i++) if (!pairedAt(bytes, i)) return false;
  for (let k = 0; k < words.length; k++) {
    if (!mayHoldBreak(words[k] ?? 0)) continue;
    const at = head + k * 4;
    if (!pairedAt(bytes, at) || !pairedAt(bytes, at + 1) || !pairedAt(bytes, at + 2) || !pairedAt(bytes, at + 3)) return false;
  }
  for (let i = head + words.length * 4; i < bytes.length; i++) if (!pairedAt(bytes, i)) return false;
  return true;
}

/** The offsets of every LF in `bytes`, ascending. */
export function lineFeedOffsets(bytes: Uint8Array): Uint32Array {
  let offsets = new Uint32Array(64);
  let count = 0;
  const add = (offset: number): void => {
    if (count === offsets.length) {
      const grown = new Uint32Array(offsets.length * 2);
      grown.set(offsets);
      offsets = grown;
    }
    offsets[count++] = offset;
  };
  const { head, words } = wordsOf(bytes);
  for (let i = 0; i < head; i++) if (bytes[i] === LF) add(i);
  for (let k = 0; k < words.length; k++) {
    if (!mayHoldBreak(words[k] ?? 0)) continue;
    for (let i = head + k * 4, end = i + 4; i < end; i++) if (bytes[i] === LF) add(i);
  }
  for (let i = head + words.length * 4; i < bytes.length; i++) if (bytes[i] === LF) add(i);
  return offsets.subarray(0, count);
}
