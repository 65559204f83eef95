// A read position over one framed IMAP command (its lines and the literals between them, as the
// command reader delivers them) and the basic token rules of the grammar: atom, quoted string,
// literal, string, astring, nstring, numbers, list-mailbox, mailbox, flags. Recursive-descent
// parsers call these; a rule that does not match throws ParseFailure, which parseCommand turns
// into a BAD (or NO) value: nothing here escapes to callers as an exception.
// Input it does not trust: every octet of the segments (client data).
//
// Standards: RFC 9051 §4.1 (atom), §4.2 (number), §4.3 (string: quoted and literal; literals carry
// no NUL, checked by the reader), §4.3.1 and RFC 3516 §4.3 (literal8 `~{n}`), §4.5 (NIL), §9
// (astring, nstring, list-mailbox, mailbox with INBOX case-insensitive, flag, number64), §2.3.2
// (system flags), RFC 3629 (UTF-8 in strings, RFC 9051 §4.3 and RFC 6855 §3).

import { ascii, asciiUpper, BACKSLASH, DQUOTE, isAstringChar, isAtomChar, isDigit, isListChar, NUL, shown, SP } from './chars.ts';
import { MAX_NUMBER, MAX_NUMBER64 } from './limits.ts';

/** A literal's octets; `binary` for a literal8 `~{n}` (RFC 3516 §4.3). */
export interface Literal {
  readonly data: Uint8Array;
  readonly binary: boolean;
}

/**
 * One line of a command (without its CRLF and without the `{n}` announcement that ended it) and
 * the literal that followed it. 'pending': announced, not yet received (only when checking a
 * command before answering `+`). The last segment of a complete command has no literal.
 */
export interface CommandSegment {
  readonly text: Uint8Array;
  readonly literal?: Literal | 'pending';
}

/** A refusal: the status and optional response code of the tagged reply, and its text. */
export interface CommandError {
  readonly status: 'BAD' | 'NO';
  readonly code?: string;
  readonly text: string;
}

/** A rule did not match; carries the reply. Internal to the parser. */
export class ParseFailure extends Error {
  readonly error: CommandError;
  constructor(error: CommandError) {
    super(error.text);
    this.error = error;
  }
}

/** The parser reached a literal that has not arrived yet (prefix check before `+`). */
export class Incomplete extends Error {}

const EMPTY = new Uint8Array(0);
const NUMBER64_LIMIT = 2n ** 63n - 1n;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Literals are decoded once even when a command is checked several times before `+`. */
const decodedLiterals = new WeakMap<Uint8Array, string | null>();

// RFC 9051 §2.3.2 system flags, by upper-cased name; "\Recent" is obsolete and not settable.
const SYSTEM_FLAGS: ReadonlyMap<string, string> = new Map(
  ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'].map((flag) => [asciiUpper(flag), flag]),
);

export class Cursor {
  readonly #segments: readonly CommandSegment[];
  #index = 0;
  #text: Uint8Array;
  #pos = 0;
  /** The command being parsed, to prefix error texts. */
  context = '';

  constructor(segments: readonly CommandSegment[]) {
    this.#segments = segments;
    this.#text = segments[0]?.text ?? EMPTY;
  }

  fail(detail: string, code?: string): never {
    const text = this.context === '' ? detail : `${this.context}: ${detail}`;
    throw new ParseFailure(code === undefined ? { status: 'BAD', text } : { status: 'BAD', code, text });
  }

  failWith(error: CommandError): never {
    throw new ParseFailure(error);
  }

  /** The octet at the read position, or -1 at the end of the current line. */
  peek(): number {
    return this.#pos < this.#text.length ? (this.#text[this.#pos] ?? -1) : -1;
  }

  /** A literal starts here. */
  atLiteral(): boolean {
    return this.#pos >= this.#text.length && this.#segments[this.#index]?.literal !== undefined;
  }

  /** Nothing is left of the command. */
  atEnd(): boolean {
    return this.#pos >= this.#text.length && this.#segments[this.#index]?.literal === undefined;
  }

  take(byte: number): boolean {
    if (this.peek() !== byte) return false;
    this.#pos++;
    return true;
  }

  expect(byte: number, what: string): void {
    if (!this.take(byte)) this.#unexpected(what);
  }

  /** Exactly one space (RFC 9051 §9 note 2: no other whitespace). */
  sp(): void {
    if (!this.take(SP)) this.#unexpected('SP');
  }

  /** The command must end here. */
  end(): void {
    if (!this.atEnd()) this.#unexpected('the end of the command');
  }

  /** The longest run of octets accepted by `accept` in this line (possibly empty). */
  word(accept: (byte: number) => boolean): string {
    const start = this.#pos;
    while (this.#pos < this.#text.length && accept(this.#text[this.#pos] ?? -1)) this.#pos++;
    return ascii(this.#text, start, this.#pos);
  }

  /** The word that `word` would read, without consuming it. */
  peekWord(accept: (byte: number) => boolean): string {
    const start = this.#pos;
    const word = this.word(accept);
    this.#pos = start;
    return word;
  }

  /** RFC 9051 §4.1 atom. */
  atom(what = 'an atom'): string {
    const atom = this.word(isAtomChar);
    if (atom === '') this.#unexpected(what);
    return atom;
  }

  /** An atom, upper-cased: command names, options, keys (RFC 9051 §9: case-insensitive). */
  keyword(what: string): string {
    return asciiUpper(this.atom(what));
  }

  /** RFC 9051 §4.3 literal; literal8 only where `allowBinary` (RFC 3516 §4.3, APPEND). */
  literal(allowBinary = false): Literal {
    const segment = this.#segments[this.#index];
    if (this.#pos < this.#text.length || segment?.literal === undefined) this.#unexpected('a literal');
    if (segment.literal === 'pending') throw new Incomplete();
    if (segment.literal.binary && !allowBinary) this.fail('a binary literal (~{n}) is not allowed here (RFC 3516 §4.3)');
    this.#index++;
    this.#text = this.#segments[this.#index]?.text ?? EMPTY;
    this.#pos = 0;
    return segment.literal;
  }

  /** RFC 9051 §4.3 quoted: `\` escapes only `"` and `\`; no CR, LF or NUL. */
  quoted(): Uint8Array {
    this.expect(DQUOTE, 'a quoted string');
    const text = this.#text;
    const out: number[] = [];
    for (;;) {
      if (this.#pos >= text.length) this.fail('unterminated quoted string');
      const byte = text[this.#pos++] ?? NUL;
      if (byte === DQUOTE) return Uint8Array.from(out);
      if (byte === BACKSLASH) {
        const next = text[this.#pos];
        if (next !== DQUOTE && next !== BACKSLASH) this.fail('"\\" in a quoted string escapes only "\\" and \'"\'');
        out.push(next);
        this.#pos++;
      } else if (byte === NUL || byte === 0x0d || byte === 0x0a) {
        this.fail('NUL, CR and LF are not allowed in a quoted string');
      } else {
        out.push(byte);
      }
    }
  }

  /** RFC 9051 §9 string = quoted / literal, as octets. */
  stringBytes(what = 'a string'): Uint8Array {
    if (this.atLiteral()) return this.literal().data;
    if (this.peek() === DQUOTE) return this.quoted();
    return this.#unexpected(what);
  }

  /** RFC 9051 §9 astring = 1*ASTRING-CHAR / string, as octets. */
  astringBytes(what = 'a string'): Uint8Array {
    if (this.atLiteral()) return this.literal().data;
    if (this.peek() === DQUOTE) return this.quoted();
    const start = this.#pos;
    if (this.word(isAstringChar) === '') this.#unexpected(what);
    return this.#text.subarray(start, this.#pos);
  }

  string(what?: string): string {
    return this.decode(this.stringBytes(what));
  }

  astring(what?: string): string {
    return this.decode(this.astringBytes(what));
  }

  /** RFC 9051 §9 nstring = string / nil. */
  nstring(what = 'a string or NIL'): string | null {
    if (this.atLiteral() || this.peek() === DQUOTE) return this.string(what);
    if (asciiUpper(this.word(isAtomChar)) !== 'NIL') this.#unexpected(what);
    return null;
  }

  /** RFC 9051 §9 mailbox = "INBOX" / astring: any case of INBOX is INBOX; the rest stays as sent. */
  mailbox(): string {
    const name = this.astring('a mailbox name');
    return asciiUpper(name) === 'INBOX' ? 'INBOX' : name;
  }

  /** RFC 9051 §9 list-mailbox = 1*list-char / string. */
  listMailbox(): string {
    if (this.atLiteral() || this.peek() === DQUOTE) return this.string('a mailbox pattern');
    const pattern = this.word(isListChar);
    if (pattern === '') this.#unexpected('a mailbox pattern');
    return pattern;
  }

  /** RFC 9051 §9 flag (system flags in their canonical case; "\Recent" and unknown ones refused). */
  flag(): string {
    if (this.take(BACKSLASH)) {
      const name = `\\${this.atom('a flag')}`;
      const system = SYSTEM_FLAGS.get(asciiUpper(name));
      if (system === undefined) this.fail(`${shown(name)} is not a system flag that can be set (RFC 9051 §2.3.2)`);
      return system;
    }
    return this.atom('a flag'); // flag-keyword
  }

  /** RFC 9051 §9 flag-list = "(" [flag *(SP flag)] ")". */
  flagList(): string[] {
    this.expect(0x28, 'a flag list');
    const flags: string[] = [];
    if (this.take(0x29)) return flags;
    do flags.push(this.flag());
    while (this.take(SP));
    this.expect(0x29, '")" after the flags');
    return flags;
  }

  /** RFC 9051 §9 number: 0 to 2^32-1. */
  number(): number {
    return this.#digits(MAX_NUMBER, false, 'number');
  }

  /** RFC 9051 §9 nz-number: 1 to 2^32-1, no leading zero. */
  nzNumber(): number {
    return this.#digits(MAX_NUMBER, true, 'non-zero number');
  }

  /** RFC 9051 §9 number64 (values above 2^53-1 saturate, see MAX_NUMBER64). */
  number64(): number {
    return this.#digits(MAX_NUMBER64, false, 'number');
  }

  nzNumber64(): number {
    return this.#digits(MAX_NUMBER64, true, 'non-zero number');
  }

  /** UTF-8 text of a string (RFC 9051 §4.3: strings are UTF-8 in IMAP4rev2). */
  decode(bytes: Uint8Array): string {
    const cached = decodedLiterals.get(bytes);
    if (cached !== undefined) {
      if (cached === null) this.fail('a string is not valid UTF-8');
      return cached;
    }
    let text: string | null;
    try {
      text = UTF8.decode(bytes);
    } catch {
      text = null;
    }
    decodedLiterals.set(bytes, text);
    if (text === null) this.fail('a string is not valid UTF-8');
    return text;
  }

  #digits(max: number, nonZero: boolean, what: string): number {
    const digits = this.word(isDigit);
    if (digits === '') this.#unexpected(`a ${what}`);
    if (nonZero && digits.startsWith('0')) this.fail(`expected a ${what} (no leading zero)`);
    const significant = digits.replace(/^0+(?=.)/, '');
    if (max === MAX_NUMBER64) {
      // RFC 9051 §9 number64 is at most 2^63-1; larger values that JavaScript cannot hold exactly
      // are saturated (see MAX_NUMBER64).
      if (significant.length > 19 || BigInt(significant) > NUMBER64_LIMIT) this.fail('number out of range (at most 2^63-1)');
      return Math.min(Number(significant), MAX_NUMBER64);
    }
    const value = significant.length > 16 ? Infinity : Number(significant);
    if (value > max) this.fail(`number out of range (at most ${max})`);
    return value;
  }

  #unexpected(what: string): never {
    if (this.atLiteral()) return this.fail(`expected ${what}, found a literal`);
    if (this.atEnd()) return this.fail(`expected ${what}, found the end of the command`);
    const byte = this.peek();
    const found = byte > 0x20 && byte < 0x7f ? `"${String.fromCharCode(byte)}"` : `octet 0x${byte.toString(16).padStart(2, '0')}`;
    return this.fail(`expected ${what}, found ${found}`);
  }
}
