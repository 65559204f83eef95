// The CLI's user-facing output: results to stdout, one-line errors to stderr (product
// contract: exit 1 on a user error, 2 on bad usage). Kept in one place so commands stay terse.

import type { Result } from '../core/result.ts';
import { UserError } from '../core/user-error.ts';

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** The value, or a UserError carrying the failure's one-line message. */
export function orFail<T>(result: Result<T, string>): T {
  if (!result.ok) throw new UserError(result.error);
  return result.value;
}

/** Reads the whole of stdin (for --password-stdin), without its final line ending. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
