// Binary content appended with an IMAP literal8 (RFC 3516 §4.4: APPEND ~{n}) cannot be served
// by BODY[] as it is: an IMAP literal may not hold NUL (RFC 9051 §4.3). Like Dovecot, parts with
// Content-Transfer-Encoding "binary" are stored re-encoded as base64 (RFC 2045 §6.8) with their
// header changed to say so; BINARY[] decodes them back to the original octets. Input it does not
// trust: the appended octets.

import { bufferView } from './bytes.ts';
import { headerFields } from './header-fields.ts';
import { indexMessage } from './indexer.ts';
import type { MimePart } from './types.ts';

/** RFC 2045 §6.8: encoded lines are at most 76 characters. */
const BASE64_LINE = 76;

function binaryLeaves(part: MimePart, out: MimePart[]): void {
  if (part.children.length > 0) {
    for (const child of part.children) binaryLeaves(child, out);
    return;
  }
  if (part.encoding?.toLowerCase() === 'binary' && part.kind !== 'multipart' && part.kind !== 'message') out.push(part);
}

/** Base64 lines joined by CRLF; the CRLF after the last one belongs to what follows the part. */
function base64Lines(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += BASE64_LINE) lines.push(text.slice(i, i + BASE64_LINE));
  return lines.join('\r\n');
}

/** The message with every Content-Transfer-Encoding: binary part re-encoded as base64. */
export function encodeBinaryParts(raw: Uint8Array): Uint8Array {
  const leaves: MimePart[] = [];
  binaryLeaves(indexMessage(raw).root, leaves);
  if (leaves.length === 0) return raw;
  const view = bufferView(raw);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const part of leaves.sort((a, b) => a.headerStart - b.headerStart)) {
    if (part.headerStart < at) continue;
    for (const field of headerFields(raw, part.headerStart, part.bodyStart)) {
      if (!field.hasColon || field.name.toLowerCase() !== 'content-transfer-encoding') continue;
      chunks.push(view.subarray(at, field.start), Buffer.from('Content-Transfer-Encoding: base64\r\n'));
      at = field.end;
    }
    chunks.push(view.subarray(at, part.bodyStart), Buffer.from(base64Lines(view.subarray(part.bodyStart, part.bodyEnd))));
    at = part.bodyEnd;
  }
  chunks.push(view.subarray(at));
  return Buffer.concat(chunks);
}
