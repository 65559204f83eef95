// Finding the part a section's part numbers name (RFC 9051 §6.4.5): in a multipart, "n" is its
// n-th body part; a part that is not multipart has only part 1 (itself); the numbers after a
// message/rfc822 (or message/global) part count inside the embedded message. Out-of-range
// numbers name no part (the section is then empty, as Dovecot answers). Follows Dovecot's
// imap-msgpart.c walk so that corner cases (such as "1.1" of a leaf body part) agree.

import type { MimePart } from './types.ts';

export function findPart(root: MimePart, path: readonly number[]): MimePart | undefined {
  let part: MimePart | undefined = root;
  for (let i = 0; i < path.length && part; i++) {
    const number = path[i] ?? 0;
    const more = i + 1 < path.length;
    if (part.kind === 'multipart') {
      part = part.children[Math.max(number, 1) - 1];
    } else if (number !== 1 || (more && part.kind !== 'message')) {
      // Only 1 exists below a non-multipart part, and only a message has parts below it.
      part = undefined;
    }
    if (part && part.kind === 'message' && more) part = part.children[0]; // Continue inside.
  }
  return part;
}
