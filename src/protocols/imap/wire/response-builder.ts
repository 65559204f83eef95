// Builds one response (e.g. `* 3 FETCH (UID 7 BODY[] {5123}\r\n...)`) as a list of Uint8Array
// chunks: text parts are encoded once, literal octets are passed through without being copied
// into strings, so a large body costs one reference. Input it does not trust: the values given
// (through encoder.ts, which keeps CR, LF and NUL out of the text parts).
//
// Standards: RFC 9051 §4.3 (literal), §4.3.1 and RFC 3516 §4.3 (literal8), §4.4 (lists), §7.5.2
// (FETCH responses carry literals), §9 (response-data = "*" SP ... CRLF).

import { encodeAstring, encodeFlagList, encodeNstring, encodeNumber, encodeString, literal8Header, literalHeader, utf8, type EncodeOptions } from './encoder.ts';

export class ResponseBuilder {
  readonly #options: EncodeOptions;
  readonly #chunks: (Uint8Array | string)[] = [];
  #text = '';
  /** Whether the next item needs a space before it. */
  #spaced = false;

  constructor(options: EncodeOptions) {
    this.#options = options;
  }

  /** Starts an untagged response: "* ". */
  static untagged(options: EncodeOptions): ResponseBuilder {
    return new ResponseBuilder(options).raw('* ');
  }

  /** Appends wire text as is (the caller vouches that it is valid, e.g. from encoder.ts). */
  raw(text: string): this {
    this.#text += text;
    this.#spaced = false;
    return this;
  }

  /** An item, preceded by a space when one is needed. */
  item(encoded: string): this {
    if (this.#spaced) this.#text += ' ';
    this.#text += encoded;
    this.#spaced = true;
    return this;
  }

  atom(value: string): this {
    return this.item(value);
  }

  number(value: number): this {
    return this.item(encodeNumber(value));
  }

  astring(value: string): this {
    return this.item(encodeAstring(value, this.#options));
  }

  string(value: string): this {
    return this.item(encodeString(value, this.#options));
  }

  nstring(value: string | null): this {
    return this.item(encodeNstring(value, this.#options));
  }

  flags(flags: readonly string[]): this {
    return this.item(encodeFlagList(flags));
  }

  /** Opens a parenthesized list. */
  open(): this {
    this.item('(');
    this.#spaced = false;
    return this;
  }

  close(): this {
    this.#text += ')';
    this.#spaced = true;
    return this;
  }

  /** A literal: "{n}\r\n" then the octets, passed by reference (RFC 9051 §4.3). */
  literal(bytes: Uint8Array): this {
    return this.#withOctets(literalHeader(bytes.length), bytes);
  }

  /** A literal8: "~{n}\r\n" then the octets (RFC 3516 §4.3). */
  literal8(bytes: Uint8Array): this {
    return this.#withOctets(literal8Header(bytes.length), bytes);
  }

  /** Ends the response with CRLF and returns its chunks. */
  finish(): Uint8Array[] {
    return this.finishParts().map((part) => (typeof part === 'string' ? utf8(part) : part));
  }

  /**
   * Ends the response with CRLF and returns its parts: wire text as strings (valid as for
   * `raw`), literal octets as given. A writer gathering many responses encodes the text once.
   */
  finishParts(): (Uint8Array | string)[] {
    this.#text += '\r\n';
    this.#flush();
    return this.#chunks.splice(0);
  }

  #withOctets(header: string, bytes: Uint8Array): this {
    this.item(header);
    this.#flush();
    if (bytes.length > 0) this.#chunks.push(bytes);
    this.#spaced = true;
    return this;
  }

  #flush(): void {
    if (this.#text === '') return;
    this.#chunks.push(this.#text);
    this.#text = '';
  }
}
