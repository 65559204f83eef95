// Mailbox names as stored: UTF-8, "/" as the hierarchy delimiter, INBOX canonical in upper
// case (RFC 9051 §5.1: INBOX is case-insensitive; its children keep the rest of their name).
// Names are untrusted client input: no control characters, no empty or dot levels (".." must
// never look like a path), bounded length and depth.

import { err, ok, type Result } from '../core/result.ts';

export const HIERARCHY_DELIMITER = '/';
/** Longest full mailbox name, in octets. */
export const MAX_MAILBOX_NAME_OCTETS = 1024;
/** Longest single level, in octets. */
export const MAX_MAILBOX_LEVEL_OCTETS = 255;
/** Deepest hierarchy. */
export const MAX_MAILBOX_DEPTH = 32;

export function normalizeMailboxName(input: string): Result<string, string> {
  if (!input.isWellFormed()) return err('the mailbox name is not valid Unicode');
  const name = input.normalize('NFC');
  if (name.length === 0) return err('the mailbox name is empty');
  if (Buffer.byteLength(name) > MAX_MAILBOX_NAME_OCTETS) return err(`the mailbox name is longer than ${MAX_MAILBOX_NAME_OCTETS} octets`);
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return err('the mailbox name contains control characters');
  if (/[*%]/.test(name)) return err('the mailbox name contains a wildcard (* or %)');
  const levels = name.split(HIERARCHY_DELIMITER);
  if (levels.length > MAX_MAILBOX_DEPTH) return err(`the mailbox hierarchy is deeper than ${MAX_MAILBOX_DEPTH} levels`);
  for (const level of levels) {
    if (level === '') return err('the mailbox name has an empty level');
    if (level === '.' || level === '..') return err('the mailbox name has a "." or ".." level');
    if (Buffer.byteLength(level) > MAX_MAILBOX_LEVEL_OCTETS) return err(`a mailbox level is longer than ${MAX_MAILBOX_LEVEL_OCTETS} octets`);
    if (level.trim() !== level) return err('a mailbox level starts or ends with white space');
  }
  // ASCII-only case folding (RFC 9051 §5.1): "ınbox" with a dotless i is not INBOX.
  if (/^inbox$/i.test(levels[0] ?? '')) levels[0] = 'INBOX';
  return ok(levels.join(HIERARCHY_DELIMITER));
}

export function isInbox(name: string): boolean {
  return name === 'INBOX';
}
