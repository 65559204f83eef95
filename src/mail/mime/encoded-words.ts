// RFC 2047 encoded words ("=?charset?B|Q?text?=", with RFC 2231 §5 "charset*language") decoded
// to text, for SEARCH and display, not for ENVELOPE (which keeps them, RFC 9051 §7.5.2). White
// space between two encoded words is dropped (RFC 2047 §6.2); adjacent words in the same charset
// are joined before decoding so a character split across words survives. Text outside encoded
// words is raw header octets: UTF-8 when valid, else windows-1252 (RFC 6532 allows UTF-8).
// Input is an untrusted binary string; malformed words stay as written. Never throws.

import { binaryBytes } from './bytes.ts';
import { decodeCharset, decodeUnlabeled } from './charset.ts';
import { decodeBase64 } from './transfer-decoding.ts';

const WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

function qDecode(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5f) out.push(0x20);
    else if (c === 0x3d && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c & 0xff);
  }
  return new Uint8Array(out);
}

/** Decodes the encoded words in a header value (binary string) to text. */
export function decodeEncodedWords(value: string): string {
  let out = '';
  let last = 0;
  let pending: { charset: string; bytes: Uint8Array[] } | undefined;
  const flush = (): void => {
    if (pending) out += decodeCharset(Buffer.concat(pending.bytes), pending.charset);
    pending = undefined;
  };
  for (const match of value.matchAll(WORD)) {
    const start = match.index;
    const between = value.slice(last, start);
    const charset = (match[1] ?? '').split('*')[0] ?? '';
    const encoded = match[3] ?? '';
    const bytes = (match[2] ?? 'q').toLowerCase() === 'b' ? decodeBase64(binaryBytes(encoded)).bytes : qDecode(encoded);
    if (pending && /^[ \t\r\n]*$/.test(between)) {
      // RFC 2047 §6.2: white space between adjacent encoded words is not displayed.
      if (pending.charset.toLowerCase() === charset.toLowerCase()) pending.bytes.push(bytes);
      else {
        flush();
        pending = { charset, bytes: [bytes] };
      }
    } else {
      flush();
      out += decodeUnlabeled(binaryBytes(between));
      pending = { charset, bytes: [bytes] };
    }
    last = start + match[0].length;
  }
  flush();
  return out + decodeUnlabeled(binaryBytes(value.slice(last)));
}
