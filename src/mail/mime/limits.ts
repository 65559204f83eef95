// The bounds of the MIME part indexer, each a named constant with its own test. Messages are
// untrusted: these keep the work and the index size linear in the message whatever its shape.
// Dovecot 2.3 uses the same two MIME bounds (message-parser.h MESSAGE_PARSER_DEFAULT_MAX_*),
// so the structures FETCH serves match Dovecot's answers for the same bytes.

/**
 * Deepest MIME nesting: a part at depth MAX_MIME_DEPTH - 1 (the top-level message is depth 0)
 * is not split into children even when it says multipart/* or message/rfc822; it stays one
 * opaque part (BODYSTRUCTURE application/octet-stream), exactly as Dovecot does.
 */
export const MAX_MIME_DEPTH = 100;

/**
 * Most parts in one message, the top-level message included. The part that reaches the bound
 * takes the rest of the message as its body and no further boundary is looked for (Dovecot).
 */
export const MAX_MIME_PARTS = 10_000;

/**
 * Longest boundary compared (RFC 2046 §5.1.1 allows 70 characters; Dovecot compares 80): a longer
 * boundary parameter is truncated, so boundary lines only need to start with its first 80 octets.
 */
export const MAX_BOUNDARY_LENGTH = 80;

/**
 * Most octets of one Content-* header field value that are parsed (the field stays whole in the
 * message bytes; only what the index keeps from it is bounded).
 */
export const MAX_HEADER_VALUE_BYTES = 64 * 1024;

/** Most parameters kept from one Content-Type or Content-Disposition field. */
export const MAX_PARAMETERS = 256;

/** Most languages kept from one Content-Language field. */
export const MAX_LANGUAGES = 64;

/** Most addresses read from one address header field (envelope and search). */
export const MAX_ADDRESSES = 1_000;

/** Most octets of text that bodyText() returns for one message (SEARCH BODY/TEXT input). */
export const MAX_BODY_TEXT_BYTES = 16 * 1024 * 1024;
