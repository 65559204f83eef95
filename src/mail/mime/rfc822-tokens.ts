// RFC 5322 / RFC 2045 lexical tokens over one unfolded header value: comments (§3.2.2), atoms
// and dot-atoms (§3.2.3), quoted strings (§3.2.4), phrases (§3.2.5 with obs-phrase §4.1),
// domains and domain literals (§3.4.1), and MIME tokens (RFC 2045 §5.1). The value is a binary
// string (one unit per octet) and untrusted: every method returns a status instead of throwing.
// The statuses and the lenient corners follow Dovecot's rfc822-parser.c, so the structures built
// from them (ENVELOPE, BODYSTRUCTURE) equal Dovecot's: 1 = more input follows, 0 = input ended,
// -1 = malformed.

/**
 * atext (RFC 5322 §3.2.3) octets are non-zero; 2 marks letters, digits and every octet >= 0x80
 * (UTF-8, RFC 6532), 4 marks the atext that are MIME tspecials ("/", "=", "?", RFC 2045 §5.1).
 */
const ATEXT = new Uint8Array(256);
for (let c = 0x80; c < 0x100; c++) ATEXT[c] = 2;
for (let c = 0x30; c <= 0x39; c++) ATEXT[c] = 2;
for (let c = 0x41; c <= 0x5a; c++) ATEXT[c] = 2;
for (let c = 0x61; c <= 0x7a; c++) ATEXT[c] = 2;
for (const c of "!#$%&'*+-^_`{|}~") ATEXT[c.charCodeAt(0)] = 1;
for (const c of '/=?') ATEXT[c.charCodeAt(0)] = 4;

export function isAtext(c: number): boolean {
  return (ATEXT[c] ?? 0) !== 0;
}

/** A MIME token octet: atext that is not a tspecial, or "." (RFC 2045 §5.1 token). */
function isTokenChar(c: number): boolean {
  const kind = ATEXT[c] ?? 0;
  return kind === 1 || kind === 2 || c === 0x2e;
}

export class Rfc822Tokens {
  readonly text: string;
  pos: number;
  readonly end: number;
  /** The last comment skipped (its text), when comments are collected. */
  lastComment: string | undefined;

  constructor(text: string, collectComments = false) {
    this.text = text;
    this.pos = 0;
    this.end = text.length;
    this.lastComment = collectComments ? '' : undefined;
  }

  code(at = this.pos): number {
    return at < this.end ? this.text.charCodeAt(at) : -1;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** §3.2.2 comment, nested, with quoted-pairs; the text is kept in lastComment. */
  skipComment(): number {
    let level = 1;
    let text = '';
    let start = ++this.pos;
    for (; this.pos < this.end; this.pos++) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x28) {
        level++;
      } else if (c === 0x29) {
        if (--level === 0) {
          if (this.lastComment !== undefined) this.lastComment = text + this.text.slice(start, this.pos);
          this.pos++;
          return this.pos < this.end ? 1 : 0;
        }
      } else if (c === 0x5c) {
        text += this.text.slice(start, this.pos);
        start = this.pos + 1;
        this.pos++;
        if (this.pos >= this.end) return -1;
      }
    }
    return -1; // missing ")"
  }

  /** Skips white space, line breaks and comments (CFWS, §3.2.2). */
  skipLwsp(): number {
    while (this.pos < this.end) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
        this.pos++;
        continue;
      }
      if (c !== 0x28) break;
      if (this.skipComment() < 0) return -1;
    }
    return this.pos < this.end ? 1 : 0;
  }

  /** atom = [CFWS] 1*atext [CFWS]; appends to out.value. */
  atom(out: { value: string }): number {
    if (this.pos >= this.end || !isAtext(this.code())) return -1;
    const start = this.pos++;
    while (this.pos < this.end && isAtext(this.code())) this.pos++;
    out.value += this.text.slice(start, this.pos);
    return this.pos < this.end ? this.skipLwsp() : 0;
  }

  /** dot-atom, allowing CFWS around "." for RFC 822 compatibility. */
  dotAtom(out: { value: string }): number {
    if (this.pos >= this.end || !isAtext(this.code())) return -1;
    let start = this.pos++;
    while (this.pos < this.end) {
      if (isAtext(this.code())) {
        this.pos++;
        continue;
      }
      out.value += this.text.slice(start, this.pos);
      let status = this.skipLwsp();
      if (status <= 0) return status;
      if (this.code() !== 0x2e) return 1;
      this.pos++;
      out.value += '.';
      status = this.skipLwsp();
      if (status <= 0) return status;
      start = this.pos;
    }
    out.value += this.text.slice(start, this.pos);
    return 0;
  }

  /** RFC 2045 §5.1 token (possibly empty), then CFWS. */
  mimeToken(out: { value: string }): number {
    const start = this.pos;
    while (this.pos < this.end && isTokenChar(this.code())) this.pos++;
    out.value += this.text.slice(start, this.pos);
    return this.pos < this.end ? this.skipLwsp() : 0;
  }

  /** §3.2.4 quoted-string: quoted-pairs unescaped, folding line breaks removed. */
  quotedString(out: { value: string }): number {
    this.pos++;
    let start = this.pos;
    for (; this.pos < this.end; this.pos++) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x22) {
        out.value += this.text.slice(start, this.pos);
        this.pos++;
        return this.skipLwsp();
      }
      if (c === 0x0a) {
        let stop = this.pos;
        if (stop > start && this.text.charCodeAt(stop - 1) === 0x0d) stop--;
        out.value += this.text.slice(start, stop);
        start = this.pos + 1;
      } else if (c === 0x5c) {
        this.pos++;
        if (this.pos >= this.end) return -1;
        out.value += this.text.slice(start, this.pos - 1);
        start = this.pos;
      }
    }
    return -1; // missing '"'
  }

  private atomOrDot(out: { value: string }): number {
    const start = this.pos;
    while (this.pos < this.end && (isAtext(this.code()) || this.code() === 0x2e)) this.pos++;
    out.value += this.text.slice(start, this.pos);
    return this.pos < this.end ? this.skipLwsp() : 0;
  }

  /** phrase = 1*word / obs-phrase (§3.2.5, §4.1): words joined by one space. */
  phrase(out: { value: string }): number {
    if (this.pos >= this.end) return 0;
    if (this.code() === 0x2e) return -1;
    for (;;) {
      const status = this.code() === 0x22 ? this.quotedString(out) : this.atomOrDot(out);
      if (status <= 0) return status;
      const c = this.code();
      if (!isAtext(c) && c !== 0x22 && c !== 0x2e) break;
      out.value += ' ';
    }
    return this.skipLwsp();
  }

  /** §3.4.1 domain-literal, kept with its brackets. */
  private domainLiteral(out: { value: string }): number {
    const start = this.pos;
    for (; this.pos < this.end; this.pos++) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x5c) {
        this.pos++;
        if (this.pos >= this.end) break;
      } else if (c === 0x5d) {
        this.pos++;
        out.value += this.text.slice(start, this.pos);
        return this.skipLwsp();
      }
    }
    return -1; // missing "]"
  }

  /** "@" domain (the "@" is at pos): dot-atom / domain-literal / obs-domain. */
  domain(out: { value: string }): number {
    this.pos++;
    if (this.skipLwsp() <= 0) return -1;
    return this.code() === 0x5b ? this.domainLiteral(out) : this.dotAtom(out);
  }

  /** RFC 2045 §5.1 type "/" subtype; out gets "type/subtype" (or what could be read). */
  contentType(out: { value: string }): number {
    if (this.skipLwsp() <= 0) return -1;
    if (this.mimeToken(out) <= 0 || out.value === '') return -1;
    if (this.code() !== 0x2f) return -1;
    this.pos++;
    if (this.skipLwsp() <= 0) return -1;
    out.value += '/';
    return this.mimeToken(out);
  }

  /**
   * One `";" attribute "=" value` (RFC 2045 §5.1): 1 with key and value, 0 at the end, -1 when
   * malformed (the caller skips one octet and tries again).
   */
  contentParam(result: { key: string; value: string }): number {
    result.key = '';
    result.value = '';
    if (this.pos >= this.end) return 0;
    if (this.code() !== 0x3b) return -1;
    this.pos++;
    if (this.skipLwsp() <= 0) return -1;
    const key = { value: '' };
    if (this.mimeToken(key) <= 0) return -1;
    if (this.code() !== 0x3d) return -1;
    this.pos++;
    const value = { value: '' };
    let status = this.skipLwsp();
    if (status <= 0) {
      // No value.
    } else if (this.code() === 0x22) {
      status = this.quotedString(value);
    } else if (this.code() === 0x3d) {
      // Broken senders write name==?utf-8?b?...?= unquoted: take it up to ";" or white space.
      const start = this.pos;
      while (this.pos < this.end) {
        const c = this.code();
        if (c === 0x3b || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) break;
        this.pos++;
      }
      value.value = this.text.slice(start, this.pos);
    } else {
      status = this.mimeToken(value);
    }
    result.key = key.value;
    result.value = value.value;
    return status < 0 ? -1 : 1;
  }
}
