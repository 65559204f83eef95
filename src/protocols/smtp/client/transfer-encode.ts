// Content-transfer encoders for the down-conversion of 8-bit and binary MIME parts to 7-bit:
// quoted-printable for text, base64 for everything else. Pure; any octets in, 7-bit lines
// of at most 76 characters out. Input it does not trust: the part's body (any octets).
//
// Standards: RFC 2045 §6.7 (quoted-printable: rule 1 "=" and two upper-case hexadecimal
// digits, rule 2 literal 33-60 and 62-126, rule 3 SP and TAB literal except at the end of an
// encoded line, rule 4 line breaks as CRLF, rule 5 soft line breaks keeping lines at most 76
// characters), RFC 2045 §6.8 (base64, lines of at most 76 characters), RFC 2046 §5.1.1 and
// RFC 2045 §6.7 note 8 ("-" at a line start is encoded, so no encoded line can look like a
// multipart boundary), RFC 2046 §4.1.1 (in text, CRLF and a bare LF are line breaks).

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const TAB = 0x09;
const EQUALS = 0x3d;
const HYPHEN = 0x2d;

/** RFC 2045 §6.7 rule 5: encoded lines are no more than 76 characters long. */
export const MAX_ENCODED_LINE_CHARS = 76;

const HEX = '0123456789ABCDEF';
const ASCII = new TextEncoder();

function escape(byte: number): string {
  return `=${HEX[byte >> 4]}${HEX[byte & 0x0f]}`;
}

/**
 * Quoted-printable for a text body: CRLF and bare LF end lines (sent as CRLF), a bare CR is
 * encoded, so decoding gives the text with CRLF line ends.
 */
export function encodeQuotedPrintable(body: Uint8Array): Uint8Array {
  const out: string[] = [];
  let lineStart = 0;
  while (lineStart <= body.length) {
    let lf = body.indexOf(LF, lineStart);
    const hasBreak = lf !== -1;
    if (!hasBreak) lf = body.length;
    const end = hasBreak && lf > lineStart && body[lf - 1] === CR ? lf - 1 : lf;
    if (!hasBreak && lineStart === body.length) break;
    out.push(encodeLine(body.subarray(lineStart, end)));
    if (hasBreak) out.push('\r\n');
    lineStart = lf + 1;
  }
  return ASCII.encode(out.join(''));
}

/** One text line (no line break inside, bare CR allowed) as one or more encoded lines. */
function encodeLine(line: Uint8Array): string {
  const tokens: string[] = [];
  for (const [i, byte] of line.entries()) {
    const last = i === line.length - 1;
    // Rule 3: white space at the end of the line is encoded; rule 2: the rest of printable ASCII is literal.
    const literal = ((byte === SP || byte === TAB) && !last) || (byte >= 33 && byte <= 126 && byte !== EQUALS);
    tokens.push(literal ? String.fromCharCode(byte) : escape(byte));
  }
  let out = '';
  let length = 0;
  for (let token of tokens) {
    // Rule 5: room for the token and the "=" of a soft break.
    if (length + token.length > MAX_ENCODED_LINE_CHARS - 1) {
      out += '=\r\n';
      length = 0;
    }
    if (length === 0 && token === '-') token = escape(HYPHEN);
    out += token;
    length += token.length;
  }
  return out;
}

/** Base64 in lines of 76 characters, each ended by CRLF (RFC 2045 §6.8). */
export function encodeBase64Lines(body: Uint8Array): Uint8Array {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += MAX_ENCODED_LINE_CHARS) lines.push(`${text.slice(i, i + MAX_ENCODED_LINE_CHARS)}\r\n`);
  return ASCII.encode(lines.join(''));
}
