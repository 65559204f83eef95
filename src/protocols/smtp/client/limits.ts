// Named limits of the outbound SMTP client (house rule 1: each has a test in limits.test.ts).
// Timeouts live in types.ts (DEFAULT_TIMEOUTS, RFC 5321 §4.5.3.2); the wire layer has the
// reply parser's own limits.

/**
 * Longest reply line we read, CRLF included. RFC 5321 §4.5.3.1.5 allows 512 octets; real
 * servers sometimes send longer text lines, so we accept what Postfix's client accepts by
 * default (line_length_limit = 2048) and treat a longer line as a protocol failure.
 */
export const CLIENT_MAX_REPLY_LINE_OCTETS = 2048;

/** Most lines in one reply (an EHLO reply has about 20). Over it: a protocol failure. */
export const CLIENT_MAX_REPLY_LINES = 100;

/**
 * Most RCPT commands in one pipelined write (RFC 2920 §3.1); the replies are read before the
 * next write. Below MAX_BUFFERED_REPLIES, so we never stop reading while a server waits for us
 * to take its replies before it reads on.
 */
export const PIPELINE_GROUP_COMMANDS = 100;

/**
 * Replies read ahead of what the session asked for before the socket is paused (TCP then
 * pushes back): bounds what a server that floods replies can make us hold.
 */
export const MAX_BUFFERED_REPLIES = 256;

/**
 * Octets per BDAT chunk (RFC 3030 §2 leaves the size to the client). 1 MiB: few round trips
 * for large messages, small enough that a refused chunk wastes little.
 */
export const BDAT_CHUNK_OCTETS = 1024 * 1024;

/** Octets of DATA content handed to the socket per write; each write has the data-block timeout. */
export const DATA_WRITE_OCTETS = 64 * 1024;

/** Longest reply text kept in an outcome (it ends up in logs and DSNs). */
export const MAX_REPLY_TEXT_CHARS = 1000;
