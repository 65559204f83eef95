// Case folding and ordering for SEARCH substring matches and SORT/THREAD string keys.
// Input: any text from a message or a client (untrusted); nothing here throws.
// Standards: RFC 5051 i;unicode-casemap (simple titlecase mapping of each character, then NFKD,
// then octet order of the UTF-8 result), RFC 4790 §9.2 i;ascii-casemap, RFC 5255 §4.1
// (I18NLEVEL=1: SEARCH and SORT use i;unicode-casemap), RFC 5256 §1 (SORT/THREAD collate per
// I18NLEVEL=1). Dovecot folds the same way (decomposed titlecase) for SEARCH and SORT.
//
// JavaScript has no titlecase mapping. `toUpperCase` of one code point is the simple uppercase
// mapping whenever it yields one code point, and the simple titlecase equals the simple uppercase
// except for the few characters in TITLECASE below; characters whose uppercase is several code
// points (ß, ŉ, ǰ …) have no simple mapping and stay as they are (RFC 5051 uses the simple one).
// Deliberate deviation: Georgian Mkhedruli letters are left alone because their titlecase is
// themselves while `toUpperCase` maps them to Mtavruli.

/** Characters whose simple titlecase differs from `toUpperCase` of the character (UnicodeData.txt). */
const TITLECASE = new Map<number, number>([
  [0x01c4, 0x01c5], [0x01c5, 0x01c5], [0x01c6, 0x01c5], // Ǆ ǅ ǆ
  [0x01c7, 0x01c8], [0x01c8, 0x01c8], [0x01c9, 0x01c8], // Ǉ ǈ ǉ
  [0x01ca, 0x01cb], [0x01cb, 0x01cb], [0x01cc, 0x01cb], // Ǌ ǋ ǌ
  [0x01f1, 0x01f2], [0x01f2, 0x01f2], [0x01f3, 0x01f2], // Ǳ ǲ ǳ
  [0x1fb3, 0x1fbc], [0x1fc3, 0x1fcc], [0x1ff3, 0x1ffc], // Greek with ypogegrammeni
]);

/** Most folded code points remembered (the cache only speeds up non-ASCII text). */
export const FOLD_CACHE_LIMIT = 4096;
const foldCache = new Map<number, string>();

function titlecaseCodePoint(cp: number): string {
  const mapped = TITLECASE.get(cp);
  if (mapped !== undefined) return String.fromCodePoint(mapped);
  // Greek extended with ypogegrammeni: ᾀ-ᾇ → ᾈ-ᾏ and the like (simple titlecase = +8).
  if ((cp >= 0x1f80 && cp <= 0x1f87) || (cp >= 0x1f90 && cp <= 0x1f97) || (cp >= 0x1fa0 && cp <= 0x1fa7)) {
    return String.fromCodePoint(cp + 8);
  }
  const ch = String.fromCodePoint(cp);
  if (cp >= 0x10d0 && cp <= 0x10ff) return ch; // Georgian Mkhedruli: titlecase is itself
  const upper = ch.toUpperCase();
  const first = upper.codePointAt(0);
  return first !== undefined && upper.length === String.fromCodePoint(first).length ? upper : ch;
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** RFC 5051 §2: the i;unicode-casemap canonical form (titlecase each character, then NFKD). */
export function unicodeCasemap(text: string): string {
  if (ASCII_ONLY.test(text)) return text.toUpperCase();
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80) {
      out += cp >= 0x61 && cp <= 0x7a ? String.fromCharCode(cp - 0x20) : ch;
      continue;
    }
    let folded = foldCache.get(cp);
    if (folded === undefined) {
      folded = titlecaseCodePoint(cp);
      if (foldCache.size < FOLD_CACHE_LIMIT) foldCache.set(cp, folded);
    }
    out += folded;
  }
  return out.normalize('NFKD');
}

/** RFC 4790 §9.2 i;ascii-casemap: a-z map to A-Z, nothing else changes. */
export function asciiCasemap(text: string): string {
  return text.replace(/[a-z]+/g, (s) => s.toUpperCase());
}

/** Maps a UTF-16 code unit so that comparing mapped units orders strings by code point. */
function codePointOrderUnit(unit: number): number {
  if (unit < 0xd800) return unit;
  // Surrogates (supplementary planes) sort after U+E000..U+FFFF.
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Orders two strings by Unicode code point (= octet order of their UTF-8 forms, RFC 5051 §2.2). */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointOrderUnit(x) - codePointOrderUnit(y);
  }
  return a.length - b.length;
}

/** RFC 9051 §6.4.4 substring match, case-insensitive per i;unicode-casemap (needle already folded). */
export function containsFolded(haystack: string, foldedNeedle: string): boolean {
  if (foldedNeedle === '') return true;
  return unicodeCasemap(haystack).includes(foldedNeedle);
}

/** Leading whitespace goes, other runs (SP, HTAB, CR, LF) become one space: Dovecot's SUBJECT text. */
export function compressWhitespace(text: string): string {
  return text.replace(/^[ \t\r\n]+/, '').replace(/[ \t\r\n]+/g, ' ');
}
