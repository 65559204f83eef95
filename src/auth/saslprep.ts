// SASLprep: the string preparation applied to passwords (and SCRAM user names) so that the
// same password typed on different systems gives the same bytes. Input is untrusted (client
// data and passwords chosen by users); the function never throws and reports failures as values.
//
// Standards: RFC 4013 (SASLprep profile) over RFC 3454 (stringprep):
//   §2.1 mapping: non-ASCII spaces (RFC 3454 C.1.2) to U+0020, "commonly mapped to nothing"
//        (B.1) removed;
//   §2.2 normalization: Unicode NFKC;
//   §2.3 prohibited output: C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9;
//   §2.4 bidirectional characters: RFC 3454 §6;
//   §2.5 unassigned code points: allowed in queries, rejected in stored strings.
// Deviations (the subset we need): NFKC and "unassigned" use the Unicode version of the
// running JavaScript engine instead of Unicode 3.2; in the bidi check, RandALCat is D.1 plus the
// letters of right-to-left scripts added since, and LCat (RFC 3454 D.2) is approximated as "any
// other letter or spacing mark". Both matter only for exotic passwords, and a password is
// prepared the same way when it is set and when it is checked.

import { err, ok, type Result } from '../core/result.ts';

/** 'query' allows unassigned code points, 'stored' rejects them (RFC 4013 §2.5, RFC 3454 §7). */
export type SaslprepMode = 'query' | 'stored';

export type SaslprepError = 'prohibited-character' | 'unassigned-code-point' | 'bidi-violation' | 'empty';

type Table = readonly (readonly [number, number])[];

// RFC 3454 B.1: commonly mapped to nothing.
const B_1: Table = [
  [0x00ad, 0x00ad], [0x034f, 0x034f], [0x1806, 0x1806], [0x180b, 0x180d], [0x200b, 0x200d],
  [0x2060, 0x2060], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
];

// RFC 3454 C.1.2: non-ASCII space characters.
const C_1_2: Table = [[0x00a0, 0x00a0], [0x1680, 0x1680], [0x2000, 0x200b], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000]];

// RFC 4013 §2.3: prohibited output.
const PROHIBITED: Table = [
  ...C_1_2,
  // C.2.1 ASCII control characters.
  [0x0000, 0x001f], [0x007f, 0x007f],
  // C.2.2 non-ASCII control characters.
  [0x0080, 0x009f], [0x06dd, 0x06dd], [0x070f, 0x070f], [0x180e, 0x180e], [0x200c, 0x200d],
  [0x2028, 0x2029], [0x2060, 0x2063], [0x206a, 0x206f], [0xfeff, 0xfeff], [0xfff9, 0xfffc],
  [0x1d173, 0x1d17a],
  // C.3 private use.
  [0xe000, 0xf8ff], [0xf0000, 0xffffd], [0x100000, 0x10fffd],
  // C.4 non-character code points (the last two of every plane are added below).
  [0xfdd0, 0xfdef],
  // C.5 surrogate codes.
  [0xd800, 0xdfff],
  // C.6 inappropriate for plain text.
  [0xfff9, 0xfffd],
  // C.7 inappropriate for canonical representation.
  [0x2ff0, 0x2ffb],
  // C.8 change display properties or are deprecated.
  [0x0340, 0x0341], [0x200e, 0x200f], [0x202a, 0x202e], [0x206a, 0x206f],
  // C.9 tagging characters.
  [0xe0001, 0xe0001], [0xe0020, 0xe007f],
];

// RFC 3454 D.1: characters with bidirectional property R or AL (RandALCat).
const D_1: Table = [
  [0x05be, 0x05be], [0x05c0, 0x05c0], [0x05c3, 0x05c3], [0x05d0, 0x05ea], [0x05f0, 0x05f4],
  [0x061b, 0x061b], [0x061f, 0x061f], [0x0621, 0x063a], [0x0640, 0x064a], [0x066d, 0x066f],
  [0x0671, 0x06d5], [0x06dd, 0x06dd], [0x06e5, 0x06e6], [0x06fa, 0x06fe], [0x0700, 0x070d],
  [0x0710, 0x0710], [0x0712, 0x072c], [0x0780, 0x07a5], [0x07b1, 0x07b1], [0x200f, 0x200f],
  [0xfb1d, 0xfb1d], [0xfb1f, 0xfb28], [0xfb2a, 0xfb36], [0xfb38, 0xfb3c], [0xfb3e, 0xfb3e],
  [0xfb40, 0xfb41], [0xfb43, 0xfb44], [0xfb46, 0xfbb1], [0xfbd3, 0xfd3d], [0xfd50, 0xfd8f],
  [0xfd92, 0xfdc7], [0xfdf0, 0xfdfc], [0xfe70, 0xfe74], [0xfe76, 0xfefc],
];

function inTable(codePoint: number, table: Table): boolean {
  return table.some(([from, to]) => codePoint >= from && codePoint <= to);
}

/** RFC 3454 C.4: U+FDD0..U+FDEF and the last two code points of every plane. */
function isNonCharacter(codePoint: number): boolean {
  return (codePoint & 0xfffe) === 0xfffe;
}

// Letters of right-to-left scripts added after Unicode 3.2 count as RandALCat too.
const RTL_SCRIPT =
  /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}]/u;
const LETTER = /\p{L}/u;
// Approximation of RFC 3454 D.2 (LCat), see the header.
const LETTER_OR_SPACING_MARK = /[\p{L}\p{Mc}]/u;
const UNASSIGNED = /\p{Cn}/u;

/** Prepares a string with the SASLprep profile (RFC 4013 §2). */
export function saslprep(input: string, mode: SaslprepMode = 'query'): Result<string, SaslprepError> {
  // RFC 4013 §2.1 mapping (B.1 removed, C.1.2 to SPACE), then §2.2 normalization (RFC 3454 §3
  // gives the order). U+200B is in both tables; like other implementations we remove it.
  let mapped = '';
  for (const char of input) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (inTable(codePoint, B_1)) continue;
    mapped += inTable(codePoint, C_1_2) ? ' ' : char;
  }
  // A lone surrogate survives normalize(); the prohibited check catches it (C.5).
  const normalized = mapped.normalize('NFKC');
  const chars = Array.from(normalized);
  // RFC 4013 §2.3 prohibited output.
  for (const char of chars) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (inTable(codePoint, PROHIBITED) || isNonCharacter(codePoint)) return err('prohibited-character');
  }
  // RFC 4013 §2.5 unassigned code points: only stored strings reject them.
  if (mode === 'stored' && UNASSIGNED.test(normalized)) return err('unassigned-code-point');
  // RFC 4013 §2.4, RFC 3454 §6 bidirectional characters.
  if (!bidiAllowed(chars)) return err('bidi-violation');
  if (normalized.length === 0) return err('empty');
  return ok(normalized);
}

function isRandAlCat(char: string): boolean {
  return inTable(char.codePointAt(0) ?? 0, D_1) || (RTL_SCRIPT.test(char) && LETTER.test(char));
}

function isLCat(char: string): boolean {
  return LETTER_OR_SPACING_MARK.test(char) && !isRandAlCat(char) && !RTL_SCRIPT.test(char);
}

/** RFC 3454 §6: a string with RandALCat characters has no LCat and starts and ends with RandALCat. */
function bidiAllowed(chars: readonly string[]): boolean {
  if (!chars.some(isRandAlCat)) return true;
  if (chars.some(isLCat)) return false;
  return isRandAlCat(chars[0] ?? '') && isRandAlCat(chars[chars.length - 1] ?? '');
}
