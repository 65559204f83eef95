// Helpers shared by the SMTP wire tests: input rich in SMTP's framing octets, and (from
// ../../wire-bytes.test-support.ts) byte strings written as text and the ways of splitting input.

import fc from 'fast-check';
import { bytes, concat, cuts, latin1, oneByteAtATime, splitAt, utf8 } from '../../wire-bytes.test-support.ts';

export { bytes, concat, cuts, latin1, oneByteAtATime, splitAt, utf8 };

/** Bytes rich in the octets that matter to SMTP framing (CR, LF, ".", SP, NUL, high bit). */
export const framingBytes = (maxLength: number) =>
  fc
    .array(fc.oneof(fc.constantFrom(0x0d, 0x0a, 0x2e, 0x20, 0x00, 0x3a, 0x3c, 0x3e), fc.integer({ min: 0, max: 255 })), { maxLength })
    .map((array) => Uint8Array.from(array));
