// How command handlers answer: untagged data, continuation requests and the tagged status,
// written as wire chunks through the connection. Encoding follows the session: strings may
// carry UTF-8 only after ENABLE UTF8=ACCEPT (RFC 6855 §3), mailbox names are modified UTF-7
// otherwise (RFC 9051 §5.1.3).

import { continuationResponse, statusResponse, type EncodeOptions, type StatusWord } from '../wire/encoder.ts';
import { encodeMailboxName } from '../wire/mutf7.ts';
import { ResponseBuilder } from '../wire/response-builder.ts';

/** Wire chunks: octets, or wire text (sent as UTF-8). */
export type WireChunk = Uint8Array | string;

export interface Output {
  write(chunks: readonly WireChunk[]): void;
}

export class Responder {
  private readonly output: Output;
  options: EncodeOptions = { utf8: false };

  constructor(output: Output) {
    this.output = output;
  }

  /** A builder for one untagged response ("* " already written). */
  untagged(): ResponseBuilder {
    return ResponseBuilder.untagged(this.options);
  }

  send(builder: ResponseBuilder): void {
    this.output.write(builder.finishParts());
  }

  /** An untagged response given as ready wire text (without "* " and CRLF). */
  line(text: string): void {
    this.output.write([`* ${text}\r\n`]);
  }

  continuation(text: string): void {
    this.output.write([continuationResponse(text)]);
  }

  tagged(tag: string, status: StatusWord, text: string, code?: string): void {
    this.output.write([statusResponse(tag, status, text, code)]);
  }

  /** A mailbox name as this session shows it: UTF-8 after UTF8=ACCEPT, modified UTF-7 before. */
  mailboxName(name: string): string {
    return this.options.utf8 ? name : encodeMailboxName(name);
  }
}
