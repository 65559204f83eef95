// The byte buffer under the IMAP command reader: octets in as pushed, out as lines (up to a limit;
// a longer line is skipped as it arrives, keeping only its start, its end and whether it ended
// inside a quoted string) or as runs of literal octets. Also the two scans the reader needs on a
// line: quotes and parentheses, and the literal announcement at its end. Pure. Input it does not
// trust: every byte pushed.
//
// Standards: RFC 9051 §2.2 (lines end with CRLF; a bare LF is accepted too, see reader.ts), §4.3
// and §9 (literal = "{" number64 ["+"] "}" CRLF; quoted strings end within their line), RFC 7888
// §3 ("{n+}" checked at the end of every line), RFC 3516 §4.3 and RFC 4466 ("~{n}" literal8).

import { BACKSLASH, CR, DQUOTE, isDigit, LF } from './chars.ts';

/** A complete line without its line end, or what is known of a skipped over-long one. */
export type LineResult =
  | { readonly kind: 'line'; readonly text: Uint8Array; readonly octets: number }
  | { readonly kind: 'too-long'; readonly head: Uint8Array; readonly tail: Uint8Array; readonly inQuote: boolean; readonly octets: number };

/** The announcement at the end of a line: RFC 9051 §9 literal / literal8, RFC 7888 `+`. */
export interface Marker {
  /** Where the announcement starts in the line. */
  readonly start: number;
  /** Announced octets (Infinity for a number too long to read). */
  readonly size: number;
  readonly sync: boolean;
  readonly binary: boolean;
}

/** Quote and parenthesis state of a line as it is scanned. */
export interface Scan {
  inQuote: boolean;
  escaped: boolean;
  depth: number;
  maxDepth: number;
}

export const newScan = (depth = 0): Scan => ({ inQuote: false, escaped: false, depth, maxDepth: depth });

export function scanBytes(bytes: Uint8Array, scan: Scan): void {
  for (const byte of bytes) {
    if (scan.inQuote) {
      if (scan.escaped) scan.escaped = false;
      else if (byte === BACKSLASH) scan.escaped = true;
      else if (byte === DQUOTE) scan.inQuote = false;
    } else if (byte === DQUOTE) {
      scan.inQuote = true;
    } else if (byte === 0x28) {
      scan.depth++;
      if (scan.depth > scan.maxDepth) scan.maxDepth = scan.depth;
    } else if (byte === 0x29) {
      scan.depth--;
    }
  }
}

/** The literal announcement ending `text` ("{12}", "{12+}", "~{12}", "~{12+}"), if any. */
export function findMarker(text: Uint8Array): Marker | undefined {
  let i = text.length - 1;
  if (text[i] !== 0x7d) return undefined;
  i--;
  const sync = text[i] !== 0x2b;
  if (!sync) i--;
  const digitsEnd = i + 1;
  while (i >= 0 && isDigit(text[i] ?? 0)) i--;
  if (i === digitsEnd - 1 || i < 0 || text[i] !== 0x7b) return undefined;
  let digits = '';
  for (let d = i + 1; d < digitsEnd; d++) digits += String.fromCharCode(text[d] ?? 0);
  digits = digits.replace(/^0+(?=.)/, '');
  const size = digits.length > 16 ? Infinity : Number(digits);
  const binary = i > 0 && text[i - 1] === 0x7e;
  return { start: binary ? i - 1 : i, size, sync, binary };
}

export function concatBytes(parts: readonly Uint8Array[], total = parts.reduce((sum, part) => sum + part.length, 0)): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

interface Skip {
  readonly head: Uint8Array;
  tail: Uint8Array;
  readonly scan: Scan;
  octets: number;
}

/** Octets kept from the start of a skipped line (for its tag) and from its end (for a literal announcement). */
const SKIP_HEAD_OCTETS = 512;
const SKIP_TAIL_OCTETS = 64;
/** Buffers larger than this are released rather than kept once empty. */
const RETAINED_BUFFER_OCTETS = 64 * 1024;
const EMPTY: Uint8Array = new Uint8Array(0);

export class LineInput {
  #buffer = new Uint8Array(4096);
  #start = 0;
  #end = 0;
  /** Where the search for LF resumes: the octets before it hold none. */
  #scanned = 0;
  #skip: Skip | undefined;
  #skipped: LineResult | undefined;

  /** Nothing buffered and no skipped line waiting to be reported. */
  get empty(): boolean {
    return this.#start === this.#end && this.#skipped === undefined;
  }

  /** An over-long line is being skipped: pushed octets can go to skipDirect(). */
  get skipping(): boolean {
    return this.#skip !== undefined;
  }

  held(): number {
    return this.#end - this.#start;
  }

  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#end);
    this.#end += bytes.length;
  }

  /** Consumes octets of a skipped line straight from `bytes`; returns how many were used. */
  skipDirect(bytes: Uint8Array): number {
    return this.#skipBytes(bytes);
  }

  /** The next line (at most `maxOctets` with its line end), or undefined until it is complete. */
  readLine(maxOctets: number): LineResult | undefined {
    if (this.#skip !== undefined) {
      this.#start += this.#skipBytes(this.#buffer.subarray(this.#start, this.#end));
      this.#clearIfEmpty();
    } else if (this.#skipped === undefined) {
      const lf = this.#buffer.subarray(0, this.#end).indexOf(LF, Math.max(this.#start, this.#scanned));
      const octets = lf === -1 ? this.#end - this.#start : lf + 1 - this.#start;
      if (lf === -1 && octets < maxOctets) {
        this.#scanned = this.#end;
        return undefined;
      }
      if (lf !== -1 && octets <= maxOctets) {
        const end = lf > this.#start && this.#buffer[lf - 1] === CR ? lf - 1 : lf;
        const text = this.#buffer.slice(this.#start, end);
        this.#start = lf + 1;
        this.#scanned = this.#start;
        this.#clearIfEmpty();
        return { kind: 'line', text, octets };
      }
      // Too long: keep its start, then skip the rest as it arrives.
      const line = this.#buffer.subarray(this.#start, this.#end);
      // At least maxOctets octets of the line are buffered now, however it was split: keep fewer.
      const head = line.slice(0, Math.min(SKIP_HEAD_OCTETS, maxOctets - 1));
      this.#skip = { head, tail: EMPTY, scan: newScan(), octets: 0 };
      this.#start += this.#skipBytes(line);
      this.#clearIfEmpty();
    }
    const skipped = this.#skipped;
    this.#skipped = undefined;
    return skipped;
  }

  /** Up to `max` buffered octets (a copy), or undefined when none are buffered. */
  take(max: number): Uint8Array | undefined {
    if (this.#start === this.#end || max <= 0) return undefined;
    const chunk = this.#buffer.slice(this.#start, Math.min(this.#end, this.#start + max));
    this.#start += chunk.length;
    this.#clearIfEmpty();
    return chunk;
  }

  /** Drops up to `max` buffered octets; returns how many. */
  drop(max: number): number {
    const dropped = Math.min(max, this.#end - this.#start);
    this.#start += dropped;
    this.#clearIfEmpty();
    return dropped;
  }

  /** Everything buffered, and the buffer emptied. */
  takeAll(): Uint8Array {
    const rest = this.#buffer.slice(this.#start, this.#end);
    this.clear();
    return rest;
  }

  clear(): void {
    this.#start = 0;
    this.#end = 0;
    this.#scanned = 0;
    this.#skip = undefined;
    this.#skipped = undefined;
    if (this.#buffer.length > RETAINED_BUFFER_OCTETS) this.#buffer = new Uint8Array(4096);
  }

  /** Scans octets of a skipped line without keeping them; returns how many were consumed. */
  #skipBytes(bytes: Uint8Array): number {
    const skip = this.#skip;
    if (skip === undefined) return 0;
    const lf = bytes.indexOf(LF);
    const part = lf === -1 ? bytes : bytes.subarray(0, lf);
    scanBytes(part, skip.scan);
    skip.octets += lf === -1 ? bytes.length : lf + 1;
    skip.tail = part.length >= SKIP_TAIL_OCTETS ? part.slice(-SKIP_TAIL_OCTETS) : concatBytes([skip.tail, part]).slice(-SKIP_TAIL_OCTETS);
    if (lf === -1) return bytes.length;
    const tail = skip.tail[skip.tail.length - 1] === CR ? skip.tail.subarray(0, -1) : skip.tail;
    this.#skipped = { kind: 'too-long', head: skip.head, tail, inQuote: skip.scan.inQuote, octets: skip.octets };
    this.#skip = undefined;
    return lf + 1;
  }

  #clearIfEmpty(): void {
    if (this.#start !== this.#end) return;
    this.#start = 0;
    this.#end = 0;
    this.#scanned = 0;
    if (this.#buffer.length > RETAINED_BUFFER_OCTETS) this.#buffer = new Uint8Array(4096);
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
    this.#scanned = Math.max(0, this.#scanned - this.#start);
    this.#start = 0;
    this.#end = used;
  }
}
