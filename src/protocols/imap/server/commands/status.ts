// STATUS (RFC 9051 §6.3.11) with RECENT (RFC 3501), DELETED and SIZE (RFC 8438 STATUS=SIZE,
// RFC 9051), HIGHESTMODSEQ (RFC 7162 §3.1.8), APPENDLIMIT (RFC 7889), MAILBOXID (RFC 8474 §4.2).
// Also used for the STATUS responses of LIST-STATUS (RFC 5819).

import type { Mailbox } from '../../../../storage/api.ts';
import { encodeAstring, encodeNumber } from '../../wire/encoder.ts';
import type { StatusItem } from '../../wire/types.ts';
import { no, ok, type HandlerArgs, type Outcome } from '../context.ts';
import { mailErrorResponse } from '../errors.ts';
import { clientMailboxName } from '../names.ts';

/** RFC 8474 §4.1 objectid for a mailbox: stable for its life, new for a recreated name. */
export function mailboxObjectId(mailbox: Pick<Mailbox, 'id' | 'uidValidity'>): string {
  return `F${mailbox.uidValidity.toString(36)}${mailbox.id.toString(36)}`;
}

/** Writes one STATUS response; false when the mailbox does not exist. */
export async function writeStatus(args: HandlerArgs, mailbox: Mailbox, items: readonly StatusItem[]): Promise<boolean> {
  const status = await args.ctx.storage.mailboxStatus(mailbox.accountId, mailbox.id);
  if (!status.ok) return false;
  const s = status.value;
  const parts: string[] = [];
  for (const item of items) {
    switch (item) {
      case 'MESSAGES':
        parts.push(`MESSAGES ${encodeNumber(s.messages)}`);
        break;
      case 'RECENT':
        parts.push(`RECENT ${encodeNumber(s.recent)}`);
        break;
      case 'UIDNEXT':
        parts.push(`UIDNEXT ${encodeNumber(s.uidNext)}`);
        break;
      case 'UIDVALIDITY':
        parts.push(`UIDVALIDITY ${encodeNumber(s.uidValidity)}`);
        break;
      case 'UNSEEN':
        parts.push(`UNSEEN ${encodeNumber(s.unseen)}`);
        break;
      case 'DELETED':
        parts.push(`DELETED ${encodeNumber(s.deleted)}`);
        break;
      case 'SIZE':
        parts.push(`SIZE ${encodeNumber(s.size)}`);
        break;
      case 'HIGHESTMODSEQ':
        parts.push(`HIGHESTMODSEQ ${encodeNumber(s.highestModSeq)}`);
        break;
      case 'APPENDLIMIT':
        parts.push(`APPENDLIMIT ${encodeNumber(args.ctx.appendLimit)}`);
        break;
      case 'MAILBOXID':
        parts.push(`MAILBOXID (${mailboxObjectId(mailbox)})`);
        break;
      case 'DELETED-STORAGE':
        parts.push('DELETED-STORAGE 0');
        break;
    }
  }
  args.out.line(`STATUS ${encodeAstring(args.out.mailboxName(mailbox.name), args.out.options)} (${parts.join(' ')})`);
  return true;
}

export async function status(args: HandlerArgs, wire: string, items: readonly StatusItem[]): Promise<Outcome> {
  const account = args.state.account;
  if (!account) return no('Not authenticated');
  const name = clientMailboxName(args.state, wire);
  if (!name.ok) return no(`Invalid mailbox name: ${name.error}`, 'NONEXISTENT');
  const mailbox = await args.ctx.storage.getMailbox(account.id, name.value);
  if (!mailbox) return no('Mailbox does not exist', 'NONEXISTENT');
  if (items.includes('HIGHESTMODSEQ')) args.state.condstore = true; // RFC 7162 §3.1: a CONDSTORE-enabling command
  if (!(await writeStatus(args, mailbox, items))) {
    const response = mailErrorResponse({ code: 'nonexistent', message: 'Mailbox does not exist' });
    return no(response.text, response.code);
  }
  return ok('STATUS completed');
}
