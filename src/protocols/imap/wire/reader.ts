// Incremental reader of IMAP client commands: bytes in as they arrive, one event at a time out —
// a parsed command, a request to send the continuation `+` for a synchronizing literal, or a
// refusal (BAD/NO, `fatal` when the connection must close). It frames commands (lines, literal
// announcements at line ends, literal octets) and hands each complete one to parser.ts. Pure: no
// socket, no clock. Input it does not trust: every byte pushed, split anywhere.
//
// Standards: RFC 9051 §2.2.1 and §4.3 (a line ending in {n} announces n octets that belong to the
// command; CHAR8 excludes NUL), RFC 9051 §7.5 (command continuation request; a BAD instead of `+`
// stops the client sending the literal), RFC 7888 §3-5 (non-synchronizing {n+}: the octets follow
// unasked; one too large is answered BAD [TOOBIG] and either read and dropped or the connection
// closed), RFC 3516 §4.3 and RFC 4466 (literal8 ~{n}, also ~{n+}), RFC 4469 §4.2 and RFC 7889 §4
// (TOOBIG), RFC 5530 §3 (LIMIT), RFC 9051 §6.2.2 (AUTHENTICATE continuation lines) and RFC 2177
// (IDLE's DONE): `expectLine()`, RFC 9051 §6.2.1 (plaintext after STARTTLS is discarded) and
// RFC 4978 §4 (bytes after COMPRESS go to the inflater): `discard()`, `takeRemaining()`.
//
// Deliberate deviations: a bare LF ends a line as CRLF does (as in Dovecot and Cyrus: IMAP has no
// SMTP-like end-of-data marker to smuggle past); an empty line between commands is ignored.
//
// Memory: a line is buffered up to maxLineOctets, then skipped to its end (its last octets are kept
// to see whether it announced a literal); literal octets are kept only for an accepted command and
// up to its limits; the octets of a refused literal are dropped as they arrive. A server that calls
// next() until undefined after each push holds at most one command plus one line plus the push.

import type { CommandError, CommandSegment } from './cursor.ts';
import { checkLimits, DEFAULT_READER_LIMITS, MAX_PREFIX_CHECK_OCTETS, type ReaderLimits } from './limits.ts';
import { concatBytes, findMarker, LineInput, newScan, scanBytes, type LineResult, type Marker } from './line-input.ts';
import { checkCommandPrefix, extractTag, parseCommand } from './parser.ts';
import type { ImapCommand } from './types.ts';

export type ReaderEvent =
  /** A complete, well-formed command. */
  | { readonly kind: 'command'; readonly tag: string; readonly command: ImapCommand }
  /** A synchronizing literal was announced and is accepted: send `+ <text>` now. */
  | { readonly kind: 'continue'; readonly text: string }
  /**
   * A refused command: answer `<tag> <status> [<code>] <text>` (`*` when tag is undefined). When
   * `fatal`, answer `* BYE [<code>] <text>` instead and close the connection.
   */
  | {
      readonly kind: 'error';
      readonly tag: string | undefined;
      readonly status: 'BAD' | 'NO';
      readonly code?: string;
      readonly text: string;
      readonly fatal: boolean;
    };

/** A raw line read after expectLine(): its octets without CRLF, or the news that it was too long. */
export type RawLine = { readonly kind: 'line'; readonly line: Uint8Array } | { readonly kind: 'too-long' };

type State =
  | { readonly kind: 'line' }
  | { readonly kind: 'literal'; remaining: number; readonly chunks: Uint8Array[]; readonly binary: boolean; readonly text: Uint8Array }
  | { readonly kind: 'discard'; remaining: number };

const CONTINUE_TEXT = 'Ready for literal data';
const EMPTY: Uint8Array = new Uint8Array(0);

export class ImapCommandReader {
  #limits: ReaderLimits;
  readonly #input = new LineInput();
  readonly #events: ReaderEvent[] = [];
  #state: State = { kind: 'line' };
  #lineMode = false;
  #closed = false;
  // The command being read.
  #started = false;
  #tag: string | undefined;
  #segments: CommandSegment[] = [];
  #refused = false;
  #octets = 0;
  #textOctets = 0;
  #literals = 0;
  #depth = 0;

  constructor(limits: Partial<ReaderLimits> = {}) {
    this.#limits = { ...DEFAULT_READER_LIMITS, ...limits };
    checkLimits(this.#limits);
  }

  /** The limits in force. */
  get limits(): ReaderLimits {
    return this.#limits;
  }

  /** Changes limits, e.g. `limitsAfterLogin(...)` once authenticated; applies from the next check. */
  setLimits(limits: Partial<ReaderLimits>): void {
    const merged = { ...this.#limits, ...limits };
    checkLimits(merged);
    this.#limits = merged;
  }

  /** Adds bytes as received. The reader keeps no reference to `bytes`. */
  push(bytes: Uint8Array): void {
    if (this.#closed) return;
    let input = bytes;
    // Octets that are to be dropped anyway are dropped here, without being buffered; literal
    // octets go straight to their literal, so that large APPEND bodies are copied once.
    while (input.length > 0 && this.#input.empty) {
      const state = this.#state;
      if (this.#input.skipping) {
        input = input.subarray(this.#input.skipDirect(input));
      } else if (state.kind === 'discard') {
        const taken = Math.min(input.length, state.remaining);
        this.#discarded(state, taken);
        input = input.subarray(taken);
      } else if (state.kind === 'literal') {
        const taken = Math.min(input.length, state.remaining);
        this.#onLiteralOctets(state, input.slice(0, taken));
        input = input.subarray(taken);
      } else {
        break;
      }
    }
    this.#input.append(input);
  }

  /** The next event, or undefined until more bytes arrive (always undefined after expectLine()). */
  next(): ReaderEvent | undefined {
    for (;;) {
      const event = this.#events.shift();
      if (event !== undefined) return event;
      if (this.#closed || this.#lineMode || !this.#step()) return this.#events.shift();
    }
  }

  /**
   * The next line is not a command: an AUTHENTICATE response (RFC 9051 §6.2.2) or IDLE's DONE
   * (RFC 2177). Call after the command's event; read it with nextLine(); commands resume after it.
   */
  expectLine(): void {
    this.#lineMode = true;
  }

  /** The raw line requested by expectLine(), once it has arrived. */
  nextLine(): RawLine | undefined {
    if (this.#closed || !this.#lineMode) return undefined;
    const line = this.#input.readLine(this.#limits.maxLineOctets);
    if (line === undefined) return undefined;
    this.#lineMode = false;
    return line.kind === 'line' ? { kind: 'line', line: line.text } : { kind: 'too-long' };
  }

  /** Octets held: input not yet read plus the command being assembled (for tests and metrics). */
  heldOctets(): number {
    let held = this.#input.held();
    for (const segment of this.#segments) held += segment.text.length + (typeof segment.literal === 'object' ? segment.literal.data.length : 0);
    if (this.#state.kind === 'literal') for (const chunk of this.#state.chunks) held += chunk.length;
    return held;
  }

  /**
   * Hands over the octets not yet read and resets the reader: after COMPRESS DEFLATE they go to
   * the inflater (RFC 4978 §4). Call right after the command's event.
   */
  takeRemaining(): Uint8Array {
    const rest = this.#input.takeAll();
    this.discard();
    return rest;
  }

  /** Throws away everything buffered: RFC 9051 §6.2.1, plaintext after STARTTLS. */
  discard(): void {
    this.#input.clear();
    this.#events.length = 0;
    this.#state = { kind: 'line' };
    this.#lineMode = false;
    this.#endCommand();
  }

  /** Makes progress on the buffered octets; false when more input is needed. */
  #step(): boolean {
    const state = this.#state;
    if (state.kind === 'line') {
      const line = this.#input.readLine(this.#limits.maxLineOctets);
      if (line === undefined) return false;
      this.#onLine(line);
      return true;
    }
    if (state.kind === 'discard') {
      const dropped = this.#input.drop(state.remaining);
      this.#discarded(state, dropped);
      return dropped > 0;
    }
    const chunk = this.#input.take(state.remaining);
    if (chunk === undefined) return false;
    this.#onLiteralOctets(state, chunk);
    return true;
  }

  #discarded(state: Extract<State, { kind: 'discard' }>, octets: number): void {
    state.remaining -= octets;
    if (state.remaining === 0) this.#state = { kind: 'line' };
  }

  #onLiteralOctets(state: Extract<State, { kind: 'literal' }>, chunk: Uint8Array): void {
    state.remaining -= chunk.length;
    if (!state.binary && chunk.includes(0)) {
      // RFC 9051 §4.3: a literal is *CHAR8 (no NUL); binary data travels in literal8 (RFC 3516 §4.3).
      this.#refuse({ status: 'BAD', text: 'NUL octet in a literal: binary data needs a literal8 ~{n} (RFC 3516)' });
      return;
    }
    state.chunks.push(chunk);
    if (state.remaining > 0) return;
    const size = state.chunks.reduce((sum, part) => sum + part.length, 0);
    this.#segments.push({ text: state.text, literal: { data: concatBytes(state.chunks, size), binary: state.binary } });
    this.#state = { kind: 'line' };
  }

  #onLine(line: LineResult): void {
    const first = !this.#started;
    if (first && line.kind === 'line' && line.text.length === 0) return; // an empty line between commands
    this.#started = true;
    const limits = this.#limits;
    let marker: Marker | undefined;
    let text: Uint8Array = EMPTY;
    if (line.kind === 'line') {
      if (first) this.#tag = extractTag(line.text);
      const scan = newScan(this.#depth);
      scanBytes(line.text, scan);
      marker = scan.inQuote ? undefined : findMarker(line.text);
      text = marker === undefined ? line.text : line.text.subarray(0, marker.start);
      this.#depth = scan.depth;
      if (scan.maxDepth > limits.maxNesting) this.#refuse({ status: 'BAD', code: 'LIMIT', text: `Parentheses nested deeper than ${limits.maxNesting} levels` });
    } else {
      if (first) this.#tag = extractTag(line.head, false);
      marker = line.inQuote ? undefined : findMarker(line.tail);
      this.#refuse({ status: 'BAD', code: 'TOOBIG', text: `Command line longer than ${limits.maxLineOctets} octets` });
    }
    this.#octets += line.octets;
    this.#textOctets += line.octets;
    if (this.#octets > limits.maxCommandOctets) this.#refuse({ status: 'BAD', code: 'TOOBIG', text: `Command larger than ${limits.maxCommandOctets} octets` });
    if (marker === undefined) {
      if (!this.#refused) {
        this.#segments.push({ text });
        this.#complete();
      }
      this.#endCommand();
      return;
    }
    if (!this.#refused) {
      const refusal = this.#literalRefusal(marker);
      if (refusal !== undefined) {
        if (!marker.sync && marker.size > limits.maxDiscardedLiteralOctets) return this.#fatal(refusal);
        // RFC 7888 §5: a non-synchronizing literal over the limit is BAD [TOOBIG]; a synchronizing one
        // is simply refused (NO, as for APPEND over the APPENDLIMIT, RFC 7889 §4): the client waits for `+`.
        this.#refuse(marker.sync ? { status: 'NO', ...refusal } : { status: 'BAD', ...refusal });
      } else if (this.#textOctets <= MAX_PREFIX_CHECK_OCTETS) {
        // A command already wrong gets its BAD now: before `+` (RFC 9051 §2.2.1 note), or before
        // its non-synchronizing literal is buffered.
        const problem = checkCommandPrefix([...this.#segments, { text, literal: 'pending' }]);
        if (problem !== undefined) this.#refuse(problem);
      }
    }
    if (this.#refused) {
      // The client sends a non-synchronizing literal anyway (RFC 7888 §4: read it and drop it); it
      // sends a synchronizing one only after `+`, which a refused command never gets.
      if (marker.sync) return this.#endCommand();
      if (marker.size > limits.maxDiscardedLiteralOctets) return this.#fatal({ code: 'TOOBIG', text: 'Literal too large to skip' });
      this.#state = marker.size > 0 ? { kind: 'discard', remaining: marker.size } : { kind: 'line' };
      return;
    }
    if (marker.sync) this.#events.push({ kind: 'continue', text: CONTINUE_TEXT });
    this.#literals++;
    this.#octets += marker.size;
    const state: State = { kind: 'literal', remaining: marker.size, chunks: [], binary: marker.binary, text };
    this.#state = state;
    if (marker.size === 0) this.#onLiteralOctets(state, EMPTY);
  }

  /** Why an announced literal cannot be accepted, if it cannot. */
  #literalRefusal(marker: Marker): Omit<CommandError, 'status'> | undefined {
    const limits = this.#limits;
    if (this.#literals + 1 > limits.maxLiteralsPerCommand) return { code: 'LIMIT', text: `More than ${limits.maxLiteralsPerCommand} literals in one command` };
    if (marker.size > limits.maxLiteralOctets) return { code: 'TOOBIG', text: `Literal larger than ${limits.maxLiteralOctets} octets` };
    if (this.#octets + marker.size > limits.maxCommandOctets) return { code: 'TOOBIG', text: `Command larger than ${limits.maxCommandOctets} octets` };
    return undefined;
  }

  #complete(): void {
    const parsed = parseCommand(this.#segments);
    if (parsed.ok) {
      this.#events.push({ kind: 'command', tag: parsed.value.tag, command: parsed.value.command });
    } else {
      const { tag, ...error } = parsed.error;
      this.#events.push({ kind: 'error', tag, ...error, fatal: false });
    }
  }

  /** Refuses the command being read (once); its remaining octets are then dropped. */
  #refuse(error: CommandError): void {
    if (this.#refused) return;
    this.#refused = true;
    this.#segments = [];
    if (this.#state.kind === 'literal') this.#state = this.#state.remaining > 0 ? { kind: 'discard', remaining: this.#state.remaining } : { kind: 'line' };
    this.#events.push({ kind: 'error', tag: this.#tag, ...error, fatal: false });
  }

  #fatal(error: Omit<CommandError, 'status'>): void {
    this.#events.push({ kind: 'error', tag: this.#tag, status: 'BAD', ...error, fatal: true });
    this.#closed = true;
    this.#input.clear();
    this.#endCommand();
  }

  #endCommand(): void {
    this.#started = false;
    this.#tag = undefined;
    this.#segments = [];
    this.#refused = false;
    this.#octets = 0;
    this.#textOctets = 0;
    this.#literals = 0;
    this.#depth = 0;
  }
}
