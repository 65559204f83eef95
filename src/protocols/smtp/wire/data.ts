// Incremental decoder of DATA content: bytes after the DATA command's CRLF in, dot-unstuffed
// message bytes out, up to the end-of-data line, then the bytes that follow (the next pipelined
// command). Pure: no socket, no clock. Input it does not trust: every pushed byte (client
// data, split at any point, possibly crafted to smuggle a second message past a relay).
//
// Standards: RFC 5321 §4.1.1.4 (the data end with CRLF "." CRLF, where the first CRLF ends the
// last line of the message; at the very start the DATA command's CRLF plays that role),
// §4.5.2 (a leading period is removed from every line), §2.3.8 (only CRLF ends a line),
// §4.5.3.1.10 and RFC 1870 §6.3 (over the size limit: keep reading to the end, then 552).
//
// SMTP smuggling: ONLY CR LF "." CR LF ends the data. "\n.\n", "\n.\r\n", "\r.\n", "\r.\r\n" and
// every other bare CR or LF never do; with bareLineEndings 'reject' they make the outcome
// 'bare-line-ending' (the message will be refused); with 'normalize' they become CRLF in the
// output (the line after one is still dot-unstuffed) but still cannot end the data.
//
// Chunks are always a prefix of the decoded message, the same whatever the split of the
// input: everything before the first problem (a refused bare line ending, or the octet that
// passes the size limit), nothing after it. Once the outcome is not 'ok' the caller discards
// what it got.
//
// Memory: each push allocates at most twice its size plus a few octets (runs of plain lines are
// passed on as views of the input, not copied); the decoder keeps at most two pending octets
// ("." and CR) between pushes.

import { crlfOnly } from './text.ts';

/** RFC 5321 §4.1.1.4: the end-of-data sequence, as the client sends it after a last line. */
export const END_OF_DATA = new Uint8Array([0x0d, 0x0a, 0x2e, 0x0d, 0x0a]);

export type BareLineEndings = 'reject' | 'normalize';

export interface DataDecoderOptions {
  /** Largest message accepted: RFC 1870 §5's message size (CRLFs counted, stuffing dots not). */
  readonly maxMessageOctets: number;
  readonly bareLineEndings: BareLineEndings;
}

export type DataOutcome = 'ok' | 'too-large' | 'bare-line-ending';

export type DataEvent =
  /** Message bytes, dot-unstuffed, CRLF line endings, in order: a view of the pushed bytes or a fresh array. */
  | { readonly kind: 'chunk'; readonly bytes: Uint8Array }
  /** The end-of-data line was read; `rest` is what followed it (a view into the pushed bytes). */
  | { readonly kind: 'end'; readonly rest: Uint8Array; readonly outcome: DataOutcome };

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
/** A line end followed by a line that starts with ".". */
const LF_DOT = Buffer.from([LF, DOT]);

/**
 * Where the decoder stands. 'start': at the start of a line; 'dot': a "." was read at the
 * start of a line; 'dot-cr': "." CR at the start of a line; 'mid': inside a line; 'cr': a CR
 * inside a line. `#canEnd` says whether the current line start follows a real CRLF (or the
 * DATA command), the only place a "." line may end the data.
 */
type State = 'start' | 'dot' | 'dot-cr' | 'mid' | 'cr';

export class DataDecoder {
  readonly #maxMessageOctets: number;
  readonly #normalize: boolean;
  #state: State = 'start';
  #canEnd = true;
  #octets = 0;
  #outcome: DataOutcome = 'ok';
  #ended = false;

  constructor(options: DataDecoderOptions) {
    if (!Number.isSafeInteger(options.maxMessageOctets) || options.maxMessageOctets < 0) {
      throw new RangeError('DataDecoder: maxMessageOctets must be a non-negative integer');
    }
    this.#maxMessageOctets = options.maxMessageOctets;
    this.#normalize = options.bareLineEndings === 'normalize';
  }

  /** True once the end-of-data line has been read. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Decodes the pushed bytes: zero or more 'chunk' events, then, once the end-of-data line is
   * read, one 'end' event. Pushing after the end is a programming error (the bytes belong to
   * the command reader) and throws.
   */
  push(bytes: Uint8Array): DataEvent[] {
    if (this.#ended) throw new Error('DataDecoder: push after the end of the data');
    const plain = this.#plainLines(bytes);
    if (plain === 0) return this.#decode(bytes);
    this.#octets += plain;
    this.#state = 'start';
    this.#canEnd = true;
    const first: DataEvent = { kind: 'chunk', bytes: bytes.subarray(0, plain) };
    return plain === bytes.length ? [first] : [first, ...this.#decode(bytes.subarray(plain))];
  }

  /**
   * The fast path: how many leading octets of `bytes` are whole lines that decode to themselves
   * (no line starts with ".", every line ends with CRLF, no bare CR or LF), within the size
   * limit, while the outcome is still 'ok'. Those need no state machine: native scans find
   * the first "." line and the last line end, and check the line endings in between. The
   * state machine takes the rest: "." lines (stuffed dots, the end of the data), bare line
   * endings, the last partial line, the limit.
   */
  #plainLines(bytes: Uint8Array): number {
    if (this.#outcome !== 'ok' || (this.#state !== 'mid' && this.#state !== 'start')) return 0;
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.#state === 'start' && view[0] === DOT) return 0;
    let end = view.lastIndexOf(LF) + 1;
    const dotLine = view.indexOf(LF_DOT);
    if (dotLine !== -1 && dotLine + 1 < end) end = dotLine + 1;
    if (end === 0 || this.#octets + end > this.#maxMessageOctets) return 0;
    return crlfOnly(view.subarray(0, end)) ? end : 0;
  }

  /** The state machine, octet by octet between native scans of ordinary runs. */
  #decode(bytes: Uint8Array): DataEvent[] {
    // Not zero-filled: only the octets written below are ever read.
    const out = Buffer.allocUnsafe(bytes.length * 2 + 4);
    let n = 0;
    // Output index of the first bare line ending of this push, when it refuses the message.
    let cut = -1;
    const bare = (): void => {
      if (!this.#normalize && cut === -1) cut = n;
    };
    let state = this.#state;
    let canEnd = this.#canEnd;
    let end = -1;
    // Next CR and LF at or after the scan position (-1: none left), found with native indexOf
    // and kept until passed, so runs of ordinary octets are copied at once in O(n) overall.
    let nextCr = bytes.indexOf(CR);
    let nextLf = bytes.indexOf(LF);
    for (let i = 0; i < bytes.length && end === -1; ) {
      if (state === 'mid') {
        if (nextCr !== -1 && nextCr < i) nextCr = bytes.indexOf(CR, i);
        if (nextLf !== -1 && nextLf < i) nextLf = bytes.indexOf(LF, i);
        const stop = Math.min(nextCr === -1 ? bytes.length : nextCr, nextLf === -1 ? bytes.length : nextLf);
        if (stop > i) {
          out.set(bytes.subarray(i, stop), n);
          n += stop - i;
          i = stop;
          continue;
        }
      }
      const byte = bytes[i] ?? 0;
      switch (state) {
        case 'start':
          if (byte === DOT) state = 'dot';
          else if (byte === CR) state = 'cr';
          else if (byte === LF) {
            bare();
            out[n++] = CR;
            out[n++] = LF;
            canEnd = false;
          } else {
            out[n++] = byte;
            state = 'mid';
          }
          i++;
          break;
        case 'dot':
          if (byte === CR) {
            state = 'dot-cr';
          } else if (byte === LF) {
            // "." LF: a bare line ending; never the end of the data.
            bare();
            out[n++] = DOT;
            out[n++] = CR;
            out[n++] = LF;
            state = 'start';
            canEnd = false;
          } else {
            // RFC 5321 §4.5.2: the leading period is deleted ("..x" gives ".x", ".x" gives "x").
            out[n++] = byte;
            state = 'mid';
          }
          i++;
          break;
        case 'dot-cr':
          if (byte === LF && canEnd) {
            // CRLF "." CRLF: RFC 5321 §4.1.1.4, the end of the data.
            end = i + 1;
            break;
          }
          // A "." line that cannot end the data (it follows a bare line ending), or "." CR
          // followed by something other than LF (a bare CR): kept as a "." line.
          if (byte !== LF) bare();
          out[n++] = DOT;
          out[n++] = CR;
          out[n++] = LF;
          state = 'start';
          canEnd = byte === LF;
          if (byte === LF) i++;
          break;
        case 'mid':
          if (byte === CR) state = 'cr';
          else if (byte === LF) {
            bare();
            out[n++] = CR;
            out[n++] = LF;
            state = 'start';
            canEnd = false;
          } else out[n++] = byte;
          i++;
          break;
        case 'cr':
          if (byte === LF) {
            out[n++] = CR;
            out[n++] = LF;
            state = 'start';
            canEnd = true;
            i++;
          } else {
            // A bare CR; the byte after it starts a line that cannot end the data.
            bare();
            out[n++] = CR;
            out[n++] = LF;
            state = 'start';
            canEnd = false;
          }
          break;
      }
    }
    this.#state = state;
    this.#canEnd = canEnd;
    const events: DataEvent[] = [];
    if (this.#outcome === 'ok') {
      // Chunks are always a prefix of the message: up to the first problem, wherever the
      // pushes were split. The first problem decides the outcome.
      let emit = n;
      let outcome: DataOutcome = 'ok';
      if (cut !== -1) {
        emit = cut;
        outcome = 'bare-line-ending';
      }
      // RFC 1870 §6.3 / RFC 5321 §4.5.3.1.10: past the limit, stop keeping bytes but read on.
      const room = this.#maxMessageOctets - this.#octets;
      if (emit > room) {
        emit = room;
        outcome = 'too-large';
      }
      if (emit > 0) events.push({ kind: 'chunk', bytes: out.subarray(0, emit) });
      this.#octets += emit;
      this.#outcome = outcome;
    }
    if (end !== -1) {
      this.#ended = true;
      events.push({ kind: 'end', rest: bytes.subarray(end), outcome: this.#outcome });
    }
    return events;
  }
}
