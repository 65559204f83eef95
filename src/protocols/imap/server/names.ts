// Mailbox names from clients: modified UTF-7 (RFC 9051 §5.1.3) or, after ENABLE UTF8=ACCEPT,
// UTF-8 (RFC 6855 §3), then the storage rules (mailbox-name.ts: no empty or dot levels, no
// control characters, INBOX in upper case). Input it does not trust: every name a client sends.

import { err, ok, type Result } from '../../../core/result.ts';
import { normalizeMailboxName } from '../../../storage/mailbox-name.ts';
import { checkMailboxNameCharacters, decodeMailboxName } from '../wire/mutf7.ts';
import type { SessionState } from './context.ts';

export function clientMailboxName(state: SessionState, wire: string): Result<string, string> {
  const decoded = state.enabled.has('UTF8=ACCEPT') ? checkMailboxNameCharacters(wire) : decodeMailboxName(wire);
  if (!decoded.ok) return err(decoded.error);
  const normalized = normalizeMailboxName(decoded.value);
  return normalized.ok ? ok(normalized.value) : err(normalized.error);
}
