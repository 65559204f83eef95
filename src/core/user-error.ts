// A failure the operator caused and can fix (bad argument, bad config, port taken).
// The CLI prints its message as one line on stderr and exits with status 1; anything else
// that escapes is a bug and is reported with its stack.

export class UserError extends Error {
  override readonly name = 'UserError';
}

/** Usage errors (unknown option, missing argument) exit with status 2. */
export class UsageError extends UserError {}
