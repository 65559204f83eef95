// The POP3 command line reader: the generic incremental CRLF line reader of the SMTP wire layer
// (only CRLF ends a line, over-long lines are skipped at bounded memory, plaintext buffered
// behind STLS can be discarded), given the longest line POP3 accepts. Pure. Input it does not
// trust: every byte pushed.
//
// Standards: RFC 1939 §3 (commands end with CRLF), RFC 2449 §4 (255-octet command lines,
// applied per keyword by the parser), RFC 5034 §4 (AUTH and SASL response lines may be longer:
// the reader's limit is MAX_AUTH_COMMAND_LINE_OCTETS), RFC 2595 §4 (after STLS the plaintext
// that followed it is thrown away: `discard()`).

import { SmtpLineReader, type LineEvent } from '../../smtp/wire/line-reader.ts';
import { MAX_AUTH_COMMAND_LINE_OCTETS } from './limits.ts';

export type { LineEvent };
export type CommandLineReader = SmtpLineReader;

/** A reader for one connection's command lines (and the lines of its SASL exchanges). */
export function createCommandLineReader(): CommandLineReader {
  return new SmtpLineReader({ maxLineOctets: MAX_AUTH_COMMAND_LINE_OCTETS });
}
