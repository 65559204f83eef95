// Removing header fields from a message without touching any other octet (the rest of the
// header, the body and every line ending stay as they are), for fields that are instructions
// to this server and must not travel on (our pool header). RFC 5322 §2.2: a field is its first
// line plus the continuation lines that start with white space. Input it does not trust: the
// message; a field name matches case-insensitively.

import { headerEnd } from './header.ts';

/** `message` without the top-level header fields called `name`; the same array when there are none. */
export function removeHeaderFields(message: Uint8Array, name: string): Uint8Array {
  const end = headerEnd(message);
  const wanted = Buffer.from(`${name.toLowerCase()}:`, 'latin1');
  const kept: Uint8Array[] = [];
  let removedAny = false;
  let removing = false;
  let keptFrom = 0;
  let line = 0;
  while (line < end) {
    let next = message.indexOf(0x0a, line);
    next = next < 0 || next >= end ? end : next + 1;
    const continuation = message[line] === 0x20 || message[line] === 0x09;
    if (!continuation) removing = startsWithName(message, line, wanted);
    if (removing) {
      if (keptFrom < line) kept.push(message.subarray(keptFrom, line));
      keptFrom = next;
      removedAny = true;
    }
    line = next;
  }
  if (!removedAny) return message;
  kept.push(message.subarray(keptFrom));
  return Buffer.concat(kept);
}

function startsWithName(message: Uint8Array, at: number, wanted: Uint8Array): boolean {
  if (at + wanted.length > message.length) return false;
  for (let i = 0; i < wanted.length; i++) {
    let byte = message[at + i] as number;
    if (byte >= 0x41 && byte <= 0x5a) byte += 0x20;
    // RFC 5322 §4.5.3 (obsolete syntax): white space may come before the colon.
    if (i === wanted.length - 1 && byte !== 0x3a) return skipWhiteToColon(message, at + i);
    if (byte !== wanted[i]) return false;
  }
  return true;
}

function skipWhiteToColon(message: Uint8Array, at: number): boolean {
  let i = at;
  while (message[i] === 0x20 || message[i] === 0x09) i++;
  return i > at && message[i] === 0x3a;
}
