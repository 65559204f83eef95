// The named limits of the POP3 wire layer (house rule 1: every limit is a constant with its own
// test). Pure data. Input it does not trust: none.
//
// Standards: RFC 2449 §4 (command lines at most 255 octets, response lines at most 512, both
// counting the CRLF; SASL exchanges are exempt), RFC 5034 §4 (AUTH: the base64 lines of an
// exchange may be longer than other lines), RFC 4954 §4 (12288 octets of base64 suffice for
// deployed mechanisms), RFC 4422 §3.1 (a mechanism name is 1 to 20 characters), RFC 1939 §3
// (keywords are three or four characters), RFC 1939 §7 (a unique-id is 1 to 70 characters).

/** RFC 2449 §4: a command line is at most 255 octets, CRLF included. */
export const MAX_COMMAND_LINE_OCTETS = 255;

/** RFC 2449 §4: a response line is at most 512 octets, CRLF included (SASL challenges excepted). */
export const MAX_RESPONSE_LINE_OCTETS = 512;

/** RFC 4422 §3.1: a SASL mechanism name is 1 to 20 characters. */
export const MAX_SASL_MECHANISM_OCTETS = 20;

/**
 * Longest base64 line of a SASL exchange (an initial response or a response line): the 12288
 * octets RFC 4954 §4 names as enough for deployed mechanisms. RFC 5034 §4 exempts these lines
 * from the command line limit and lets the server bound them. The same bound as the shared
 * SASL layer's MAX_SASL_LINE_OCTETS (a test checks they agree).
 */
export const MAX_SASL_RESPONSE_OCTETS = 12288;

/**
 * Longest AUTH command line, and the limit the line reader is given: "AUTH", a space, a
 * mechanism name, a space, an initial response of MAX_SASL_RESPONSE_OCTETS and the CRLF.
 * Deliberate deviation: RFC 5034 §4 keeps the AUTH command itself within the 255 octets of
 * RFC 2449 §4 (a client must send a longer initial response after an empty challenge
 * instead), but we accept the longer line, as our SMTP server does, since some clients send
 * long initial responses anyway. The parser applies MAX_COMMAND_LINE_OCTETS to every other
 * command.
 */
export const MAX_AUTH_COMMAND_LINE_OCTETS = 'AUTH '.length + MAX_SASL_MECHANISM_OCTETS + ' '.length + MAX_SASL_RESPONSE_OCTETS + 2;

/**
 * Largest message number a command may carry. RFC 1939 gives no bound; message numbers beyond
 * the maildrop are answered "no such message" by the server. Bounding them keeps every number
 * a small integer, whatever digit string a client sends.
 */
export const MAX_MESSAGE_NUMBER = 2_147_483_647;

/** Largest line count TOP accepts (RFC 1939 §7: a non-negative number); larger counts are refused. */
export const MAX_TOP_LINES = 2_147_483_647;

/** Most digits a number argument may have (leading zeros included). */
export const MAX_NUMBER_DIGITS = 10;

/** RFC 1939 §7: a unique-id is 1 to 70 characters in the range 0x21 to 0x7E. */
export const MAX_UNIQUE_ID_OCTETS = 70;
