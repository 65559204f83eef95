// Line endings of a message as it goes out: every bare CR and bare LF becomes CRLF, the way the
// SMTP client's DATA encoder sends them (protocols/smtp/wire/data-encoder.ts), so what is signed
// (DKIM, ARC) or embedded (DSNs) is exactly what travels. Input it does not trust: any octets.
//
// Standards: RFC 5321 §2.3.8 (lines end in CRLF; a bare CR or LF is not a line end on the wire),
// RFC 5322 §2.3 (CR and LF only occur together as CRLF).

const CR = 0x0d;
const LF = 0x0a;

/** True when every CR is followed by LF and every LF follows a CR. */
export function hasCrlfOnly(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === CR && bytes[i + 1] !== LF) return false;
    if (byte === LF && (i === 0 || bytes[i - 1] !== CR)) return false;
  }
  return true;
}

/**
 * The message with CRLF line endings: CRLF stays, a bare CR or a bare LF becomes CRLF. With
 * `finalCrlf`, a message whose last line lacks its CRLF gets one (as DATA sends it, RFC 5321
 * §4.1.1.4). Returns the input itself when nothing changes.
 */
export function toCrlf(bytes: Uint8Array, finalCrlf = false): Uint8Array {
  const needsEnd = finalCrlf && bytes.length > 0 && bytes[bytes.length - 1] !== LF && bytes[bytes.length - 1] !== CR;
  if (hasCrlfOnly(bytes) && !needsEnd) return bytes;
  const out = new Uint8Array(bytes.length * 2 + 2);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    if (byte === CR) {
      out[n++] = CR;
      out[n++] = LF;
      if (bytes[i + 1] === LF) i++;
    } else if (byte === LF) {
      out[n++] = CR;
      out[n++] = LF;
    } else {
      out[n++] = byte;
    }
  }
  if (needsEnd) {
    out[n++] = CR;
    out[n++] = LF;
  }
  return out.slice(0, n);
}
