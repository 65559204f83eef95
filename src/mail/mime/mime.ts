// The message model of Postwarden's IMAP server, one import: the MIME part indexer over raw
// octets, its cache encoding, and everything FETCH, SEARCH and SORT read from a message
// (BODYSTRUCTURE, BODY, ENVELOPE, BODY[] sections, BINARY, decoded header and body text, sent
// date). Each module states what it does not trust and the standards it follows.

export type { ContentDisposition, ContentType, ImapValue, MimeIndex, MimeParam, MimePart, PartKind, PartialRange, SectionSpec } from './types.ts';
export * from './limits.ts';
export { indexMessage } from './indexer.ts';
export { INDEX_FORMAT_VERSION, parseIndex, serializeIndex } from './index-codec.ts';
export { bodyStructure } from './bodystructure.ts';
export { envelope } from './envelope.ts';
export { section, sectionSize } from './section.ts';
export { binarySection, binarySize, type BinaryError, type BinaryResult, type BinarySizeResult } from './binary.ts';
export { addressEntries, bodyText, decodedAddresses, decodedSubject, headerText, headerValues, type AddressEntry as EnvelopeAddress, type DecodedAddress } from './search-text.ts';
export { parseDateTime, sentDate, sortDate, type SentDate } from './sent-date.ts';
export { decodeEncodedWords } from './encoded-words.ts';
export { findPart } from './part-path.ts';
export { parameterValue, partFileName } from './parameters.ts';
export { encodeBinaryParts } from './binary-append.ts';
