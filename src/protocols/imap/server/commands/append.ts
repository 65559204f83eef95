// APPEND (RFC 9051 §6.3.12) and MULTIAPPEND (RFC 3502: several messages, all or none), with
// binary literals (RFC 3516 §4.4), APPENDUID (RFC 4315 §3), TRYCREATE for a missing mailbox,
// TOOBIG above APPENDLIMIT (RFC 7889) and OVERQUOTA. Bare LF line ends become CRLF, so sizes
// are exact for the CRLF form every client reads (RFC 9051 §2.3.4). The parse cache is built
// here, once, so FETCH never reparses.

import { buildMessageCache } from '../../../../mail/message-cache.ts';
import { encodeBinaryParts } from '../../../../mail/mime/mime.ts';
import type { NewMessage } from '../../../../storage/api.ts';
import { appendUidCode } from '../../wire/encoder.ts';
import { dateTimeToEpochMs } from '../../wire/dates.ts';
import type { AppendMessage } from '../../wire/types.ts';
import { no, ok, type HandlerArgs, type Outcome } from '../context.ts';
import { mailErrorResponse } from '../errors.ts';
import { clientMailboxName } from '../names.ts';

/** Bare LF becomes CRLF; CRLF stays. */
export function toCrlf(data: Uint8Array): Uint8Array {
  let bare = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === 0x0a && (i === 0 || data[i - 1] !== 0x0d)) bare++;
  if (bare === 0) return data;
  const out = new Uint8Array(data.length + bare);
  let j = 0;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i] ?? 0;
    if (byte === 0x0a && (i === 0 || data[i - 1] !== 0x0d)) out[j++] = 0x0d;
    out[j++] = byte;
  }
  return out;
}

export async function append(args: HandlerArgs, wire: string, messages: readonly AppendMessage[]): Promise<Outcome> {
  const { state, ctx } = args;
  const account = state.account;
  if (!account) return no('Not authenticated');
  const name = clientMailboxName(state, wire);
  if (!name.ok) return no(`Invalid mailbox name: ${name.error}`, 'TRYCREATE');
  const mailbox = await ctx.storage.getMailbox(account.id, name.value);
  if (!mailbox) return no('The mailbox does not exist', 'TRYCREATE');
  const items: NewMessage[] = [];
  for (const message of messages) {
    if (message.data.length > ctx.appendLimit) return no(`Message too large (APPENDLIMIT ${ctx.appendLimit})`, 'TOOBIG');
    if (message.data.length === 0) return no('Empty message', 'CANNOT');
    let internalDate: Date | undefined;
    if (message.date !== undefined) {
      const ms = dateTimeToEpochMs(message.date);
      if (ms === undefined) return no('Invalid date-time', 'CANNOT');
      internalDate = new Date(ms);
    }
    // A literal8 carries binary octets as they are: no line-end repair, binary parts to base64 (RFC 3516 §4.4).
    const raw = message.binary ? encodeBinaryParts(message.data) : toCrlf(message.data);
    items.push({ accountId: account.id, mailboxId: mailbox.id, raw, flags: message.flags, cache: buildMessageCache(raw), ...(internalDate ? { internalDate } : {}) });
  }
  // RFC 3502 §6: every message or none, in one commit.
  const result = await ctx.storage.deliver({ queueId: '', local: items });
  if (!result.ok) {
    const response = mailErrorResponse(result.error);
    return no(response.text, response.code);
  }
  const appended = result.value.local;
  const first = appended[0];
  const code = first ? appendUidCode(first.uidValidity, appended.map((m) => m.uid)) : undefined;
  if (state.selected && state.selected.mailboxId === mailbox.id) state.selected.dirty = true;
  return ok('APPEND completed', code);
}
