// Named limits of the POP3 server that are not in the config (house rule 1: each has a test).
// The configurable ones (autologout timer, LOGIN-DELAY, connections per IP) live in the [pop3]
// config section; the wire layer has the line limits (wire/limits.ts).

/**
 * How long the maildrop lock (a storage lease, RFC 1939 §8 "exclusive-access lock") lives
 * without renewal. A session renews it while it lives and releases it when it ends, so this
 * only matters when a server process dies holding it: the maildrop is then locked this long.
 */
export const MAILDROP_LOCK_TTL_MS = 60_000;
/** How often a session renews its maildrop lock: three renewals per TTL ride out a slow store. */
export const MAILDROP_LOCK_RENEW_MS = 20_000;
/** Failed logins (USER/PASS or AUTH) in one session before it is closed (RFC 5034 §4 lets servers limit). */
export const MAX_AUTH_FAILURES_PER_SESSION = 3;
/** Unparseable or over-long command lines in one session before it is closed. */
export const MAX_INVALID_COMMANDS_PER_SESSION = 20;
/** A TLS handshake after STLS must finish within this time. */
export const STLS_HANDSHAKE_TIMEOUT_MS = 30_000;
/**
 * Replies to pipelined commands (RFC 2449 §6.6) are gathered and written together up to this
 * size; past it they are written out and the next command waits until the client has read
 * them, so a client that pipelines many RETRs without reading holds one message in memory.
 */
export const OUTPUT_FLUSH_OCTETS = 64 * 1024;
