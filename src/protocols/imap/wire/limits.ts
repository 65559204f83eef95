// The limits of the IMAP wire layer: how much one client command may cost before it is refused.
// Each is a named constant with its reason and its own test (house rule 1). The reader takes the
// per-connection ones as ReaderLimits (the server raises the literal limits after login); the
// parser applies the fixed ones. Input it does not trust: none (constants and their arithmetic).
//
// Standards: RFC 9051 §4.3 (literals, number64), RFC 7162 §4 (command line length), RFC 7888 §4-5
// (LITERAL-: 4096-octet non-synchronizing literals; an oversized one is read and dropped or the
// connection closed), RFC 2971 §3.3 (ID limits), RFC 4422 §3.1 (SASL mechanism names).

/**
 * Longest command line accepted, counting its CRLF (a line ends at a literal announcement too).
 * RFC 7162 §4 asks servers to accept at least 8192 octets. The imaptest `id` case is one line of
 * 31,807 octets (RFC 2971's 30 pairs of 30 + 1024 octets, quoted), and Dovecot's
 * imap_max_line_length defaults to 64 KiB: an over-long line is skipped, never buffered.
 */
export const MAX_LINE_OCTETS = 64 * 1024;

/**
 * Largest literal accepted before authentication. LOGIN, AUTHENTICATE and ID need a few hundred
 * octets; 8 KiB keeps a literal flood from an unauthenticated peer nearly free. The server raises
 * `maxLiteralOctets` to its message size limit after login (`limitsAfterLogin`).
 */
export const MAX_LITERAL_OCTETS_BEFORE_AUTH = 8 * 1024;

/**
 * RFC 7888 §5 (LITERAL-): clients send no non-synchronizing literal larger than this. Deliberate
 * leniency: the reader accepts larger `{n+}` literals within `maxLiteralOctets`, since they cost
 * no more memory than a synchronizing literal of the same size.
 */
export const LITERAL_MINUS_MAX_OCTETS = 4096;

/**
 * Most literals in one command. MULTIAPPEND (RFC 3502) needs one per message and ID up to 60;
 * each literal also costs the client a round trip (or the server a `+`).
 */
export const MAX_LITERALS_PER_COMMAND = 256;

/**
 * Deepest parenthesis nesting in one command. Client commands nest two levels (LIST RETURN
 * (STATUS (...)), QRESYNC, HEADER.FIELDS in a FETCH list) except search keys, where clients
 * write a few levels; the parser recurses once per level.
 */
export const MAX_NESTING = 64;

/**
 * Largest command before authentication: lines and literals together. The RFC 2971 ID command
 * (about 32 KiB) and a SASL-IR initial response fit; the server raises it after login.
 */
export const MAX_COMMAND_OCTETS_BEFORE_AUTH = 64 * 1024;

/**
 * An oversized non-synchronizing literal has already been sent by the client: RFC 7888 §4 lets
 * the server either read and discard it (answering BAD [TOOBIG]) or close the connection. The
 * reader discards up to this many octets without buffering them, so that a LITERAL+ client that
 * overshot the APPEND limit sees a clean error instead of reconnecting in a loop; a larger
 * announcement (say `{4294967295+}`) is a broken or hostile client and ends the connection
 * (a `fatal` error: the server answers `* BYE [TOOBIG]` and closes).
 */
export const MAX_DISCARDED_LITERAL_OCTETS = 256 * 1024 * 1024;

/**
 * A synchronizing literal is only acknowledged (`+`) after the command so far has been parsed,
 * so that garbage gets a BAD before the client uploads anything. The check re-reads the command
 * text before each literal; above this many octets of command text it is skipped (the command
 * is still parsed completely once it has arrived), which bounds the work per command.
 */
export const MAX_PREFIX_CHECK_OCTETS = 64 * 1024;

/** Deepest search program: parentheses, OR and NOT each add a level (recursive descent). */
export const MAX_SEARCH_DEPTH = 256;

/** RFC 2971 §3.3: at most 30 field-value pairs... */
export const MAX_ID_PAIRS = 30;
/** ...field strings of at most 30 octets... */
export const MAX_ID_FIELD_OCTETS = 30;
/** ...and value strings of at most 1024 octets. */
export const MAX_ID_VALUE_OCTETS = 1024;

/** RFC 4422 §3.1: a SASL mechanism name is 1 to 20 characters. */
export const MAX_SASL_MECHANISM_OCTETS = 20;

/** RFC 9051 §9 number and nz-number: unsigned 32-bit. */
export const MAX_NUMBER = 4_294_967_295;

/**
 * RFC 9051 §9 number64 allows up to 2^63-1 (larger is BAD). Deliberate deviation: values above
 * 2^53-1, which JavaScript numbers hold inexactly, saturate to 2^53-1. Where number64 appears in
 * a command (LARGER/SMALLER, partial offsets and lengths, mod-sequences in CHANGEDSINCE,
 * UNCHANGEDSINCE, QRESYNC and MODSEQ, SETQUOTA limits) it is compared with sizes and
 * mod-sequences that Postwarden keeps below 2^53-1, so the comparison comes out the same.
 */
export const MAX_NUMBER64 = Number.MAX_SAFE_INTEGER;

/** Per-connection limits of the command reader. */
export interface ReaderLimits {
  /** Longest line, counting its CRLF. */
  readonly maxLineOctets: number;
  /** Largest literal (either form). */
  readonly maxLiteralOctets: number;
  readonly maxLiteralsPerCommand: number;
  /** Deepest parenthesis nesting outside quoted strings and literals. */
  readonly maxNesting: number;
  /** Largest command: its lines (with their CRLFs) and literals together. */
  readonly maxCommandOctets: number;
  /** Largest oversized non-synchronizing literal skipped rather than answered by closing. */
  readonly maxDiscardedLiteralOctets: number;
}

/** The limits for a new, unauthenticated connection. */
export const DEFAULT_READER_LIMITS: ReaderLimits = Object.freeze({
  maxLineOctets: MAX_LINE_OCTETS,
  maxLiteralOctets: MAX_LITERAL_OCTETS_BEFORE_AUTH,
  maxLiteralsPerCommand: MAX_LITERALS_PER_COMMAND,
  maxNesting: MAX_NESTING,
  maxCommandOctets: MAX_COMMAND_OCTETS_BEFORE_AUTH,
  maxDiscardedLiteralOctets: MAX_DISCARDED_LITERAL_OCTETS,
});

/**
 * The limits to set after login, for a server that accepts messages of up to
 * `maxMessageOctets` (its APPENDLIMIT, RFC 7889): one literal may hold a whole message and a
 * command (MULTIAPPEND included, RFC 3502) may hold one message's worth of literals plus a line.
 */
export function limitsAfterLogin(maxMessageOctets: number): Pick<ReaderLimits, 'maxLiteralOctets' | 'maxCommandOctets'> {
  return { maxLiteralOctets: maxMessageOctets, maxCommandOctets: maxMessageOctets + MAX_LINE_OCTETS };
}

/** Throws RangeError for a limit that is not a positive safe integer (a programming error). */
export function checkLimits(limits: ReaderLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || (value as number) < 1) throw new RangeError(`ImapCommandReader: ${name} must be a positive integer`);
  }
  if (limits.maxLineOctets < 8) throw new RangeError('ImapCommandReader: maxLineOctets must be at least 8');
}
