// Types of the message model: the part index (MimeIndex, cached with each message so FETCH never
// reparses) and the IMAP value trees computed from it. Types only.
//
// Strings taken from header fields are kept in the index as binary strings: one UTF-16 code unit
// per octet (latin1), so any octets, valid UTF-8 or not, round-trip exactly through JSON. The
// functions that return ImapValue turn them into decoded strings when they are valid UTF-8 and
// into bytes (Uint8Array) when they are not, so the server sends the octets the message holds.

/**
 * An IMAP value tree (RFC 9051 §4): strings are decoded text, Uint8Array is raw octets, null is
 * NIL, numbers are numbers, arrays are parenthesized lists. The server's encoder picks quoted
 * strings or literals; nothing here is wire text.
 */
export type ImapValue = string | number | null | Uint8Array | readonly ImapValue[];

/** A MIME parameter (RFC 2045 §5.1) after RFC 2231 continuations were joined, binary strings. */
export type MimeParam = readonly [name: string, value: string];

/** How a part's body was parsed. */
export type PartKind =
  /** multipart/* with a boundary: children are the body parts (RFC 2046 §5.1). */
  | 'multipart'
  /** message/rfc822 (or message/global): one child, the embedded message (RFC 2046 §5.2.1). */
  | 'message'
  /** text/* or no Content-Type (RFC 2045 §5.2 default text/plain). */
  | 'text'
  /** Anything else, multipart/* without a usable boundary, and parts cut off by a bound. */
  | 'basic';

export interface ContentType {
  /** As written (case kept), binary string; "" when the field is malformed. */
  readonly type: string;
  readonly subtype: string;
  readonly params: readonly MimeParam[];
}

export interface ContentDisposition {
  readonly value: string;
  readonly params: readonly MimeParam[];
}

export interface MimePart {
  /** Offset of the first header octet. */
  readonly headerStart: number;
  /** Offset of the first body octet (the header includes its terminating empty line). */
  readonly bodyStart: number;
  /** Offset after the last body octet (the CRLF before a boundary belongs to the boundary). */
  readonly bodyEnd: number;
  /** Line feeds in the header and in the body. */
  readonly headerLines: number;
  readonly bodyLines: number;
  readonly kind: PartKind;
  /** The part is MIME: it has Content-Type or MIME-Version, or it is a body part of a multipart. */
  readonly mime: boolean;
  /** Cut off by MAX_MIME_DEPTH or MAX_MIME_PARTS: children were not looked for. */
  readonly overflow: boolean;
  /** Parsed Content-* fields (first occurrence; absent when the part is not MIME). */
  readonly contentType?: ContentType;
  readonly encoding?: string;
  readonly id?: string;
  readonly description?: string;
  readonly md5?: string;
  readonly disposition?: ContentDisposition;
  readonly language?: readonly string[];
  readonly location?: string;
  readonly children: readonly MimePart[];
}

export interface MimeIndex {
  /** Octets of the message the index describes. */
  readonly size: number;
  readonly root: MimePart;
}

/**
 * RFC 9051 §6.4.5 section-spec (structurally the wire parser's `Section`): part numbers ("1.2"
 * is [1, 2], [] for the whole message) and the text specifier.
 */
export interface SectionSpec {
  readonly part: readonly number[];
  readonly text?: 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
  /** Field names for HEADER.FIELDS (.NOT). */
  readonly fields?: readonly string[];
}

/** RFC 9051 §6.4.5 <offset.length> (structurally the wire parser's `Partial`). */
export interface PartialRange {
  readonly offset: number;
  readonly length: number;
}
