// How `postwarden queue` shows the outbound queue: a postqueue -p style listing (a line per
// message, an indented line per recipient), a detailed view of one message's envelope, and one
// JSON object per message for scripts. Recipient addresses and remote replies are untrusted
// text: control characters are shown escaped, so a reply cannot drive the terminal.

import type { DsnNotify, QueuedMessage, QueuedRecipient } from '../storage/api.ts';

/** queued and deferred recipients still have to be delivered (storage/queue-api.ts). */
export function isPending(recipient: QueuedRecipient): boolean {
  return recipient.state === 'queued' || recipient.state === 'deferred';
}

/** Text with C0 and C1 control characters (and DEL) escaped as \xHH. */
export function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The reverse path as shown: <> for the null sender (RFC 5321 §4.5.5). */
export function shownSender(sender: string): string {
  return sender === '' ? '<>' : printable(sender);
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function notifyText(notify: DsnNotify): string {
  return notify === 'NEVER' ? 'NEVER' : notify.join(',');
}

/** The recipient's state, attempts, next attempt (while pending) and last reply. */
export function recipientLine(recipient: QueuedRecipient): string {
  const parts = [printable(recipient.address), recipient.state, plural(recipient.attempts, 'attempt')];
  if (isPending(recipient)) parts.push(`next ${recipient.nextAttemptAt.toISOString()}`);
  if (recipient.lastReply !== null) parts.push(`last reply: ${printable(recipient.lastReply)}`);
  return parts.join('  ');
}

export function messageLine(message: QueuedMessage): string {
  const parts = [message.id, message.createdAt.toISOString(), `${message.size} bytes`, `from ${shownSender(message.envelope.sender)}`];
  if (message.finishedAt !== null) parts.push(`finished ${message.finishedAt.toISOString()}`);
  return parts.join('  ');
}

/** The listing of one message: its line, then the recipients shown (indented). */
export function listingLines(message: QueuedMessage, recipients: readonly QueuedRecipient[]): string[] {
  return [messageLine(message), ...recipients.map((recipient) => `  ${recipientLine(recipient)}`)];
}

export function countLine(messages: readonly QueuedMessage[]): string {
  const pending = messages.reduce((sum, message) => sum + message.recipients.filter(isPending).length, 0);
  const finished = messages.filter((message) => message.finishedAt !== null).length;
  return `${plural(messages.length, 'message')}${finished > 0 ? ` (${finished} finished)` : ''}, ${plural(pending, 'recipient')} pending`;
}

export function messageJson(message: QueuedMessage, recipients: readonly QueuedRecipient[]): string {
  const { envelope } = message;
  return JSON.stringify({
    id: message.id,
    createdAt: message.createdAt.toISOString(),
    finishedAt: message.finishedAt?.toISOString() ?? null,
    size: message.size,
    sender: envelope.sender,
    ...(envelope.envid === undefined ? {} : { envid: envelope.envid }),
    ...(envelope.ret === undefined ? {} : { ret: envelope.ret }),
    body: envelope.body,
    smtputf8: envelope.smtputf8,
    requireTls: envelope.requireTls,
    recipients: recipients.map((recipient) => ({
      address: recipient.address,
      state: recipient.state,
      attempts: recipient.attempts,
      nextAttemptAt: recipient.nextAttemptAt.toISOString(),
      lastReply: recipient.lastReply,
      ...(recipient.orcpt === undefined ? {} : { orcpt: recipient.orcpt }),
      ...(recipient.notify === undefined ? {} : { notify: recipient.notify === 'NEVER' ? ['NEVER'] : recipient.notify }),
      delayNotified: recipient.delayNotified,
    })),
  });
}

/** Everything known about one queued message (`queue show`). */
export function detailLines(message: QueuedMessage, submitter: string | undefined): string[] {
  const { envelope } = message;
  const lines = [`queue id: ${message.id}`, `created: ${message.createdAt.toISOString()}`];
  if (message.finishedAt !== null) lines.push(`finished: ${message.finishedAt.toISOString()} (its content is no longer kept)`);
  lines.push(`size: ${message.size} bytes`, `sender: ${shownSender(envelope.sender)}`);
  if (submitter !== undefined) lines.push(`submitted by: ${submitter}`);
  // RFC 3461 §4.3 ENVID and §4.4 RET; RFC 6152 / RFC 3030 BODY; RFC 6531 SMTPUTF8; RFC 8689 REQUIRETLS.
  if (envelope.envid !== undefined) lines.push(`ENVID: ${printable(envelope.envid)}`);
  if (envelope.ret !== undefined) lines.push(`RET: ${envelope.ret}`);
  lines.push(`BODY: ${envelope.body}`, `SMTPUTF8: ${envelope.smtputf8 ? 'yes' : 'no'}`, `REQUIRETLS: ${envelope.requireTls ? 'yes' : 'no'}`);
  lines.push(`recipients (${message.recipients.filter(isPending).length} of ${message.recipients.length} pending):`);
  for (const recipient of message.recipients) {
    lines.push(`  ${recipientLine(recipient)}`);
    // RFC 3461 §4.1 NOTIFY and §4.2 ORCPT.
    const dsn: string[] = [];
    if (recipient.orcpt !== undefined) dsn.push(`ORCPT ${printable(recipient.orcpt)}`);
    if (recipient.notify !== undefined) dsn.push(`NOTIFY ${notifyText(recipient.notify)}`);
    if (recipient.delayNotified) dsn.push('delay notice sent');
    if (dsn.length > 0) lines.push(`    ${dsn.join('  ')}`);
  }
  return lines;
}
