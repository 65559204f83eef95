// TOP's cut of a message: the header, the blank line that ends it, and the first n lines of
// the body. Pure; returns a view into the message. Input it does not trust: the message (any
// bytes; a message without a blank line is all header).
//
// Standards: RFC 1939 §7 (TOP msg n: "the headers of the message, the blank line separating
// the headers from the body, and then the number of lines of the indicated message's body";
// the whole message when n exceeds its body), RFC 5322 §2.1 (the header ends at the first
// empty line). Lines end at LF, as in multiline.ts: a line "\n" alone ends the header too.

const CR = 0x0d;
const LF = 0x0a;

/** Where the body starts (just after the blank line), or undefined when there is no blank line. */
export function bodyStart(message: Uint8Array): number | undefined {
  let start = 0;
  while (start < message.length) {
    if (message[start] === LF) return start + 1;
    if (message[start] === CR && message[start + 1] === LF) return start + 2;
    const lf = message.indexOf(LF, start);
    if (lf === -1) return undefined;
    start = lf + 1;
  }
  return undefined;
}

/** The header, the blank line and `bodyLines` lines of the body (fewer if the body is shorter). */
export function topOfMessage(message: Uint8Array, bodyLines: number): Uint8Array {
  const body = bodyStart(message);
  if (body === undefined) return message;
  let end = body;
  for (let line = 0; line < bodyLines && end < message.length; line++) {
    const lf = message.indexOf(LF, end);
    end = lf === -1 ? message.length : lf + 1;
  }
  return message.subarray(0, end);
}
