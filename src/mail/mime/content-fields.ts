// The Content-* header fields of one MIME part: Content-Type (RFC 2045 §5), parameters with
// RFC 2231 continuations joined (§3, §4: "name*0*=utf-8''..." becomes "name*" with the charset
// and language prefix kept, as IMAP BODYSTRUCTURE carries it), Content-Transfer-Encoding
// (RFC 2045 §6), Content-Disposition (RFC 2183 §2) and Content-Language (RFC 3282 §2). Values are
// untrusted binary strings (one unit per octet); nothing throws. Malformed input is read as far
// as it goes and the rest skipped the way Dovecot does (rfc2231-parser.c, message-part-data.c),
// so BODYSTRUCTURE matches Dovecot's for the same octets.

import { MAX_LANGUAGES, MAX_PARAMETERS } from './limits.ts';
import { Rfc822Tokens } from './rfc822-tokens.ts';
import type { ContentDisposition, ContentType, MimeParam } from './types.ts';

interface Rfc2231Piece {
  readonly key: string;
  readonly index: number;
  readonly extended: boolean;
  readonly value: string;
}

function escapePercent(value: string): string {
  return value.replace(/%/g, '%25');
}

/** Reads the parameter list after the type (RFC 2045 §5.1) and joins RFC 2231 pieces. */
export function parseParams(tokens: Rfc822Tokens): MimeParam[] {
  const plain: MimeParam[] = [];
  const pieces: Rfc2231Piece[] = [];
  const result = { key: '', value: '' };
  // Dovecot reuses one record for every piece, so a "name*" without a number inherits the
  // number of the piece before it; kept for identical answers.
  let lastIndex = 0;
  for (let guard = 0; guard <= tokens.end + 1; guard++) {
    const status = tokens.contentParam(result);
    if (status === 0) break;
    if (status < 0) {
      if (tokens.atEnd()) break;
      tokens.pos++; // Skip one octet of garbage and look for the next ";".
      continue;
    }
    if (plain.length + pieces.length >= MAX_PARAMETERS) continue;
    const star = result.key.indexOf('*');
    if (star >= 0) {
      // RFC 2231 §3 (continuations "name*0", "name*1") and §4 ("name*" / "name*0*": charset'lang'%XX).
      let p = star;
      if (p + 1 < result.key.length) {
        p++;
        lastIndex = 0;
        while (p < result.key.length && result.key.charCodeAt(p) >= 0x30 && result.key.charCodeAt(p) <= 0x39) {
          lastIndex = lastIndex * 10 + result.key.charCodeAt(p) - 0x30;
          p++;
        }
      }
      let extended = false;
      if (result.key[p] === '*') {
        extended = true;
        p++;
      }
      if (p >= result.key.length) {
        pieces.push({ key: result.key.slice(0, star), index: lastIndex, extended, value: result.value });
        continue;
      }
    }
    plain.push([result.key, result.value]);
  }
  if (pieces.length === 0) return plain;
  // Sorted by name (octet order) and number; a name whose numbers have a gap is kept as pieces.
  pieces.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  for (let i = 0; i < pieces.length; ) {
    const first = pieces[i] as Rfc2231Piece;
    const lower = first.key.toLowerCase();
    let j = i;
    let ok = true;
    let extended = false;
    for (let next = 0; j < pieces.length; j++, next++) {
      const piece = pieces[j] as Rfc2231Piece;
      if (piece.key.toLowerCase() !== lower) break;
      if (piece.index !== next) ok = false;
      if (piece.extended) extended = true;
    }
    const group = pieces.slice(i, j);
    i = j;
    if (!ok) {
      for (const piece of group) plain.push([`${piece.key}*${piece.index}${piece.extended ? '*' : ''}`, piece.value]);
      continue;
    }
    let value = !first.extended && extended ? "''" : '';
    for (const piece of group) value += !piece.extended && extended ? escapePercent(piece.value) : piece.value;
    plain.push([extended ? `${first.key}*` : first.key, value]);
  }
  return plain;
}

/** Content-Type (RFC 2045 §5.1). A malformed value keeps what was read, without parameters. */
export function parseContentType(value: string): ContentType {
  const tokens = new Rfc822Tokens(value);
  tokens.skipLwsp();
  const out = { value: '' };
  const status = tokens.contentType(out);
  const slash = out.value.indexOf('/');
  const type = slash < 0 ? out.value : out.value.slice(0, slash);
  const subtype = slash < 0 ? '' : out.value.slice(slash + 1);
  return { type, subtype, params: status < 0 ? [] : parseParams(tokens) };
}

/** The lower-cased "type/subtype" as the part parser classifies it (may lack the subtype). */
export function contentTypeKey(value: string): string {
  const tokens = new Rfc822Tokens(value);
  tokens.skipLwsp();
  const out = { value: '' };
  tokens.contentType(out);
  return out.value.toLowerCase();
}

/** The boundary parameter of a multipart Content-Type, or undefined. */
export function boundaryOf(type: ContentType): string | undefined {
  for (const [name, value] of type.params) if (name.toLowerCase() === 'boundary') return value;
  return undefined;
}

/** Content-Transfer-Encoding (RFC 2045 §6.1): one token and nothing else, or undefined. */
export function parseEncoding(value: string): string | undefined {
  const tokens = new Rfc822Tokens(value);
  tokens.skipLwsp();
  const out = { value: '' };
  if (tokens.mimeToken(out) >= 0 && tokens.skipLwsp() === 0 && out.value.length > 0) return out.value;
  return undefined;
}

/** Content-Disposition (RFC 2183 §2): the disposition type token and its parameters. */
export function parseDisposition(value: string): ContentDisposition | undefined {
  const tokens = new Rfc822Tokens(value);
  tokens.skipLwsp();
  const out = { value: '' };
  if (tokens.mimeToken(out) < 0) return undefined;
  return { value: out.value, params: parseParams(tokens) };
}

/** Content-Language (RFC 3282 §2): a comma-separated list of language tags. */
export function parseLanguage(value: string): string[] | undefined {
  const tokens = new Rfc822Tokens(value);
  const languages: string[] = [];
  tokens.skipLwsp();
  for (;;) {
    const out = { value: '' };
    if (tokens.atom(out) < 0) break;
    if (languages.length < MAX_LANGUAGES) languages.push(out.value);
    if (tokens.atEnd() || tokens.code() !== 0x2c) break;
    tokens.pos++;
    tokens.skipLwsp();
  }
  return languages.length > 0 ? languages : undefined;
}
