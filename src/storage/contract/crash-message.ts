// The crash test's messages: their bytes follow from a token, so a reader can tell a whole
// message from a torn one, and sizes vary from a few bytes to 150 KB across blob writes.

import { createHash } from 'node:crypto';

export const CRASH_ACCOUNT = 'crash@example.com';
export const TEST_MASTER_KEY_HEX_FOR_CHILD = '5a'.repeat(32);

export function crashMessage(token: string): Uint8Array {
  const digest = createHash('sha256').update(token).digest();
  const size = digest.readUInt32BE(0) % 150_000;
  const line = `${digest.toString('hex')}\r\n`;
  const body = line.repeat(Math.ceil(size / line.length)).slice(0, size);
  return Buffer.from(`X-Token: ${token}\r\nSubject: crash ${token}\r\n\r\n${body}`);
}

export function tokenOf(raw: Uint8Array): string | undefined {
  const match = /^X-Token: (\S+)\r\n/.exec(Buffer.from(raw.subarray(0, 200)).toString('latin1'));
  return match?.[1];
}
