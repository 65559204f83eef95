// What a server's reply means for a recipient, and the outcomes we decide without a reply.
// Input it does not trust: the reply text (any characters a server sends): control characters
// are replaced and the text is bounded before it reaches logs or a DSN.
//
// Standards: RFC 5321 §4.2.1 (2yz positive completion, 4yz transient negative, 5yz permanent
// negative), §3.8 (421: the server is closing the channel), RFC 3463 §2-3 (enhanced status
// codes: class.subject.detail; "4.0.0"/"5.0.0" when only the class is known) and the RFC 5248
// registry for the codes we pick ourselves.

import type { Reply } from '../wire/reply.ts';
import { MAX_REPLY_TEXT_CHARS } from './limits.ts';
import type { RecipientOutcome, RecipientStatus, SmtpReplyInfo } from './types.ts';

export type ReplyClass = 'positive' | 'intermediate' | 'temporary' | 'permanent';

/** RFC 5321 §4.2.1: the first digit says how the command went. */
export function replyClass(code: number): ReplyClass {
  if (code >= 500) return 'permanent';
  if (code >= 400) return 'temporary';
  if (code >= 300) return 'intermediate';
  return 'positive';
}

/** The reply as reported: one line of text, control characters replaced, bounded. */
export function replyInfo(reply: Reply): SmtpReplyInfo {
  let text = reply.lines.join(' ').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  if (text.length > MAX_REPLY_TEXT_CHARS) text = `${text.slice(0, MAX_REPLY_TEXT_CHARS - 1)}…`;
  return reply.enhanced === undefined || reply.enhanced === '' ? { code: reply.code, text } : { code: reply.code, enhanced: reply.enhanced, text };
}

/** RFC 3463 §3: the reply's own enhanced code, else the bare class ("4.0.0", "5.0.0", "2.0.0"). */
export function enhancedOf(info: SmtpReplyInfo): string {
  return info.enhanced ?? `${Math.floor(info.code / 100)}.0.0`;
}

/** "550 5.1.1 No such user" as a one-line description of a reply. */
export function describeReply(info: SmtpReplyInfo): string {
  return [String(info.code), info.enhanced, info.text].filter((part) => part !== undefined && part !== '').join(' ');
}

/** The outcome a final reply (RCPT refusal, MAIL refusal, end of data) gives a recipient. */
export function outcomeFromReply(address: string, info: SmtpReplyInfo, after: string): RecipientOutcome {
  const kind = replyClass(info.code);
  const status: RecipientStatus = kind === 'positive' ? 'delivered' : kind === 'permanent' ? 'permanent' : 'temporary';
  return { address, status, reply: info, enhanced: enhancedOf(info), detail: `${after}: ${describeReply(info)}` };
}

/** An outcome we decided ourselves, without a reply from the server. */
export function localOutcome(address: string, status: Exclude<RecipientStatus, 'delivered'>, enhanced: string, detail: string): RecipientOutcome {
  return { address, status, reply: undefined, enhanced, detail };
}
