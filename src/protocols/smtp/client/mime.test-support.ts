// Helpers of the client's MIME tests: an independent quoted-printable decoder (RFC 2045 §6.7),
// so the encoder is checked against code that shares nothing with it.

/** Soft line breaks removed, "=XX" turned back into octets; everything else kept. */
export function decodeQuotedPrintable(text: string): Uint8Array {
  const joined = text.replace(/=\r\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    if (joined[i] === '=') {
      out.push(Number.parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(joined.charCodeAt(i));
    }
  }
  return Uint8Array.from(out);
}
