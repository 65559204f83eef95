// RETR and TOP (RFC 1939 §5 and §7): the message bytes from storage, sent dot-stuffed and
// byte-exact. A message of the snapshot that another client (IMAP) removed since the login is
// an error, not stale bytes. Input it does not trust: the message number and line count
// (parsed and bounded by the wire layer); the stored message (any bytes).
//
// Standards: RFC 1939 §5 RETR ("+OK n octets", then the message), §7 TOP msg n (the header,
// the blank line and n body lines), §3 (multi-line responses, byte-stuffed), RFC 2449 §6.7
// (EXPIRE 0: RETR, not TOP, is the retrieval that removes a message at QUIT).

import { deliveredOctets, encodeMultiline } from '../../wire/multiline.ts';
import { topOfMessage } from '../../wire/top.ts';
import type { Maildrop, MaildropMessage } from '../maildrop.ts';
import { MESSAGE_GONE, mailErrorReply, ok, type Reply } from '../replies.ts';
import type { Pop3Context } from '../state.ts';
import { lookupError } from './listing.ts';

type Read = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly reply: Reply };

/** The message's bytes, if it is still in the mailbox. */
async function read(ctx: Pop3Context, maildrop: Maildrop, message: MaildropMessage): Promise<Read> {
  const present = await ctx.storage.listMessages(maildrop.accountId, maildrop.mailboxId, { uidFrom: message.uid, uidTo: message.uid });
  if (!present.ok) return { ok: false, reply: mailErrorReply(present.error) };
  if (present.value.length === 0) return { ok: false, reply: MESSAGE_GONE };
  const raw = await ctx.storage.readMessage(maildrop.accountId, message.blobId);
  return raw.ok ? { ok: true, bytes: raw.value } : { ok: false, reply: mailErrorReply(raw.error) };
}

export async function retr(ctx: Pop3Context, maildrop: Maildrop, number: number): Promise<Reply> {
  const found = maildrop.lookup(number);
  if (!found.ok) return lookupError(found);
  const raw = await read(ctx, maildrop, found.message);
  if (!raw.ok) return raw.reply;
  found.message.retrieved = true;
  return ok(`${deliveredOctets(raw.bytes)} octets`, encodeMultiline(raw.bytes));
}

export async function top(ctx: Pop3Context, maildrop: Maildrop, number: number, lines: number): Promise<Reply> {
  const found = maildrop.lookup(number);
  if (!found.ok) return lookupError(found);
  const raw = await read(ctx, maildrop, found.message);
  if (!raw.ok) return raw.reply;
  return ok('Top of message follows', encodeMultiline(topOfMessage(raw.bytes, lines)));
}
