// Named limits of the SMTP server that are not in the config (house rule 1: each has a test).
// The configurable ones (message size, recipients, errors, connections per IP, timeouts) live
// in the [smtp] config section.

/** Failed AUTH attempts in one session before it is closed (RFC 4954 §4 lets servers limit). */
export const MAX_AUTH_FAILURES_PER_SESSION = 3;
/** Longest SASL response line, base64 (the SASL layer enforces its own limit too). */
export const MAX_AUTH_LINE_OCTETS = 12 * 1024;
/** Longest whole session; slow senders are cut off after it (slowloris). */
export const MAX_SESSION_SECONDS = 60 * 60;
/** Most messages accepted in one session. */
export const MAX_TRANSACTIONS_PER_SESSION = 1000;
/** Replies to a buffered batch of pipelined commands are flushed in one write (RFC 2920 §3.2). */
export const MAX_PIPELINED_COMMANDS = 1000;
