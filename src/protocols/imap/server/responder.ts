// How command handlers answer: untagged data, continuation requests and the tagged status,
// written as wire chunks through the connection. Encoding follows the session: strings may
// carry UTF-8 only after ENABLE UTF8=ACCEPT (RFC 6855 §3), mailbox names are modified UTF-7
// otherwise (RFC 9051 §5.1.3).

import { continuationResponse, statusResponse, utf8, type EncodeOptions, type StatusWord } from '../wire/encoder.ts';
import { encodeMailboxName } from '../wire/mutf7.ts';
import { ResponseBuilder } from '../wire/response-builder.ts';

export interface Output {
  write(chunks: readonly Uint8Array[]): void;
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
    this.output.write(builder.finish());
  }

  /** An untagged response given as ready wire text (without "* " and CRLF). */
  line(text: string): void {
    this.output.write([utf8(`* ${text}\r\n`)]);
  }

  continuation(text: string): void {
    this.output.write([utf8(continuationResponse(text))]);
  }

  tagged(tag: string, status: StatusWord, text: string, code?: string): void {
    this.output.write([utf8(statusResponse(tag, status, text, code))]);
  }

  /** A mailbox name as this session shows it: UTF-8 after UTF8=ACCEPT, modified UTF-7 before. */
  mailboxName(name: string): string {
    return this.options.utf8 ? name : encodeMailboxName(name);
  }
}
