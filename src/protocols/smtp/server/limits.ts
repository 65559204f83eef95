// Named limits of the SMTP server that are not in the config (house rule 1: each has a test).
// The configurable ones (message size, recipients, errors, connections per IP, timeouts) live
// in the [smtp] config section; the wire layer has the line and chunk limits.

/** Failed AUTH attempts in one session before it is closed (RFC 4954 §4 lets servers limit). */
export const MAX_AUTH_FAILURES_PER_SESSION = 3;
/** Most messages accepted in one session. */
export const MAX_TRANSACTIONS_PER_SESSION = 1000;
