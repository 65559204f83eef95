// SMTP replies: formatting (the server's side) and an incremental parser (the client's
// side). Input the parser does not trust: every byte the server sends; it never throws on
// them. formatReply takes our own replies and throws on a malformed one (a programming error,
// never input), so no reply text can inject a line.
//
// Standards: RFC 5321 §4.2 (Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code
// [ SP textstring ] CRLF; Reply-code = %x32-35 %x30-35 %x30-39), §4.2.1 (every line of a
// multiline reply carries the same code), §4.5.3.1.5 (a reply line is at most 512 octets),
// RFC 2034 §4 and RFC 3463 §2 (enhanced status code "class.subject.detail" first on every line
// of the text, class matching the reply code), RFC 4954 §4 ("334" SP: the space is always
// sent, even before empty text), RFC 6531 §3.7.4 (UTF-8 text in some replies).

import { err, ok, type Result } from '../../../core/result.ts';
import { SmtpLineReader } from './line-reader.ts';

/** RFC 5321 §4.5.3.1.5: a reply line, code and CRLF included, is at most 512 octets. */
export const MAX_REPLY_LINE_OCTETS = 512;
/**
 * Most lines in one reply the client reads. No RFC bound; an EHLO reply has about 20 lines.
 * 100 leaves room for verbose servers while bounding a hostile one.
 */
export const MAX_REPLY_LINES = 100;

export interface Reply {
  readonly code: number;
  /** RFC 3463 enhanced status code; absent (or "") when none. */
  readonly enhanced?: string;
  /** The text of each line, without code, separator or enhanced code. */
  readonly lines: readonly string[];
}

// RFC 3463 §2: class "." subject "." detail, subject and detail 1 to 3 digits.
const ENHANCED = /^([245])\.(?:[0-9]{1,3})\.(?:[0-9]{1,3})$/;

/**
 * The reply as sent: "code-text" lines then a "code text" line, the enhanced code (when
 * given) first on every line (RFC 2034 §4), CRLF after each. Throws on a malformed reply.
 */
export function formatReply(reply: Reply): string {
  const { code } = reply;
  if (!Number.isInteger(code) || !/^[2-5][0-5][0-9]$/.test(String(code))) {
    throw new RangeError(`formatReply: ${code} is not a reply code (RFC 5321 §4.2)`);
  }
  const enhanced = reply.enhanced ?? '';
  if (enhanced !== '') {
    const match = ENHANCED.exec(enhanced);
    if (match === null || match[1] !== String(code)[0]) {
      throw new RangeError(`formatReply: "${enhanced}" is not an enhanced status code for ${code} (RFC 3463 §2)`);
    }
  }
  const lines = reply.lines.length === 0 ? [''] : reply.lines;
  let out = '';
  lines.forEach((line, index) => {
    if (/[\r\n]/.test(line)) throw new RangeError('formatReply: a reply line holds CR or LF');
    const text = enhanced === '' ? line : line === '' ? enhanced : `${enhanced} ${line}`;
    out += `${code}${index === lines.length - 1 ? ' ' : '-'}${text}\r\n`;
  });
  return out;
}

export interface ReplyReaderOptions {
  /** Longest reply line accepted, CRLF included (MAX_REPLY_LINE_OCTETS, or more to be lenient). */
  readonly maxLineOctets: number;
  /** Most lines in one reply. */
  readonly maxLines: number;
}

export type ReplyErrorReason = 'too-long' | 'bare-lf' | 'syntax' | 'code-mismatch' | 'too-many-lines';

export interface ReplyError {
  readonly reason: ReplyErrorReason;
  readonly message: string;
}

const TEXT = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Reads replies from the bytes a server sends. An error is final: the stream can no longer be
 * trusted to be in step, so next() keeps returning it and the client should close.
 */
export class ReplyReader {
  readonly #lines: SmtpLineReader;
  readonly #maxLines: number;
  #code: number | undefined;
  #texts: string[] = [];
  #failed: ReplyError | undefined;

  constructor(options: ReplyReaderOptions) {
    if (!Number.isSafeInteger(options.maxLines) || options.maxLines < 1) {
      throw new RangeError('ReplyReader: maxLines must be a positive integer');
    }
    this.#lines = new SmtpLineReader({ maxLineOctets: options.maxLineOctets });
    this.#maxLines = options.maxLines;
  }

  push(bytes: Uint8Array): void {
    if (this.#failed === undefined) this.#lines.push(bytes);
  }

  /** The next complete reply, an error, or undefined until more bytes arrive. */
  next(): Result<Reply, ReplyError> | undefined {
    while (this.#failed === undefined) {
      const event = this.#lines.next();
      if (event === undefined) return undefined;
      if (event.kind === 'too-long') return this.#fail('too-long', 'reply line too long');
      if (event.kind === 'bare-lf') return this.#fail('bare-lf', 'reply line ended by LF alone (RFC 5321 §2.3.8)');
      const line = event.line;
      // RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39, then "-", SP or the line end.
      const [d1 = 0, d2 = 0, d3 = 0, separator] = line;
      if (line.length < 3 || d1 < 0x32 || d1 > 0x35 || d2 < 0x30 || d2 > 0x35 || d3 < 0x30 || d3 > 0x39) {
        return this.#fail('syntax', 'reply line without a reply code');
      }
      if (separator !== undefined && separator !== 0x20 && separator !== 0x2d) {
        return this.#fail('syntax', 'reply code not followed by SP or "-"');
      }
      const code = (d1 - 0x30) * 100 + (d2 - 0x30) * 10 + (d3 - 0x30);
      // RFC 5321 §4.2.1: one code for every line of a reply.
      if (this.#code !== undefined && code !== this.#code) return this.#fail('code-mismatch', 'multiline reply changes its code');
      if (this.#texts.length >= this.#maxLines) return this.#fail('too-many-lines', 'reply has too many lines');
      this.#code = code;
      this.#texts.push(TEXT.decode(line.subarray(4)));
      if (separator === 0x2d) continue;
      const reply = buildReply(code, this.#texts);
      this.#code = undefined;
      this.#texts = [];
      return ok(reply);
    }
    return err(this.#failed);
  }

  #fail(reason: ReplyErrorReason, message: string): Result<Reply, ReplyError> {
    this.#failed = { reason, message };
    this.#code = undefined;
    this.#texts = [];
    return err(this.#failed);
  }
}

/** RFC 2034 §4: the enhanced code leads the first line's text; removed from every line bearing it. */
function buildReply(code: number, texts: readonly string[]): Reply {
  const first = texts[0] ?? '';
  const candidate = /^[245]\.[0-9]{1,3}\.[0-9]{1,3}(?= |$)/.exec(first)?.[0];
  if (candidate === undefined || candidate[0] !== String(code)[0]) return { code, lines: [...texts] };
  const lines = texts.map((text) =>
    text === candidate ? '' : text.startsWith(`${candidate} `) ? text.slice(candidate.length + 1) : text,
  );
  return { code, enhanced: candidate, lines };
}
