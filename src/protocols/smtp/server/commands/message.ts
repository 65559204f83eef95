// The end of a message (after DATA's terminator or the last BDAT chunk): final checks, the
// Received: field, and the one durable write through ingest/accept.ts. The 250 reply goes out
// only after accept() resolved, that is after the durable commit (house rule 7). Whatever the
// outcome, the transaction ends here (RFC 5321 §4.1.1.4). One log line per transaction.

import { accept, newQueueId, type RemoteRecipient } from '../../../../ingest/accept.ts';
import { ownsAddress } from '../../../../ingest/recipients.ts';
import { formatAddress, parseAddress } from '../../../../mail/address.ts';
import { parseAddressList } from '../../../../mail/address-list.ts';
import { fieldValues, parseHeader } from '../../../../mail/header.ts';
import type { Account } from '../../../../storage/api.ts';
import { receivedField } from '../received.ts';
import { mailErrorReply, reply, TEMPORARY_FAILURE, type Reply } from '../replies.ts';
import type { SessionState, SmtpContext, Transaction } from '../state.ts';

export type DataOutcome = 'ok' | 'too-large' | 'bare-line-ending';

/** RFC 5322 §3.6.2: every From: mailbox must be the submitting user's (553 5.7.1). */
async function fromOwned(ctx: SmtpContext, account: Account, message: Uint8Array): Promise<boolean> {
  const from = fieldValues(parseHeader(message), 'From').flatMap(parseAddressList);
  if (from.length === 0) return false;
  for (const address of from) {
    const parsed = parseAddress(address);
    if (!parsed.ok || !(await ownsAddress(ctx.storage, account, formatAddress(parsed.value)))) return false;
  }
  return true;
}

function remoteRecipients(transaction: Transaction): RemoteRecipient[] {
  const remote = new Map<string, RemoteRecipient>();
  for (const recipient of transaction.recipients) {
    for (const address of recipient.remote) {
      if (remote.has(address)) continue;
      remote.set(address, {
        address,
        ...(recipient.orcpt === undefined ? {} : { orcpt: recipient.orcpt }),
        ...(recipient.notify === undefined ? {} : { notify: recipient.notify }),
      });
    }
  }
  return [...remote.values()];
}

async function decide(ctx: SmtpContext, state: SessionState, transaction: Transaction, message: readonly Uint8Array[], outcome: DataOutcome, queueId: string): Promise<Reply> {
  if (outcome === 'too-large') return reply(552, '5.3.4', `Message too big for this server (limit ${ctx.limits.maxMessageSize} octets)`);
  if (outcome === 'bare-line-ending') {
    return reply(554, '5.6.0', 'Message refused: bare CR or LF in the data; lines must end with CRLF (RFC 5321 §2.3.8)');
  }
  if (state.role === 'submission' && state.account && !(await fromOwned(ctx, state.account, Buffer.concat(message)))) {
    return reply(553, '5.7.1', `From: header rejected: not owned by ${state.account.address}`);
  }
  const params = transaction.params;
  const trace = receivedField({
    helo: state.helo?.name ?? state.remoteAddress,
    remoteAddress: state.remoteAddress,
    hostname: ctx.hostname,
    queueId,
    esmtp: state.helo?.esmtp === true,
    authenticated: state.account !== undefined,
    tls: state.tls,
    smtputf8: params.smtputf8 === true,
    recipient: transaction.recipients.length === 1 ? transaction.recipients[0]?.address : undefined,
    date: new Date(ctx.clock.now()),
  });
  const result = await accept(ctx.storage, {
    queueId,
    message,
    trace: [trace],
    envelope: {
      sender: transaction.sender,
      ...(params.envid === undefined ? {} : { envid: params.envid }),
      ...(params.ret === undefined ? {} : { ret: params.ret }),
      body: params.body ?? '7BIT',
      smtputf8: params.smtputf8 === true,
      requireTls: params.requireTls === true,
      accountId: state.account?.id ?? null,
    },
    local: transaction.recipients.flatMap((recipient) => recipient.accounts.map((account) => ({ account }))),
    remote: remoteRecipients(transaction),
  }, ctx.signer);
  if (!result.ok) return mailErrorReply(result.error);
  if (result.value.queued > 0) ctx.queued();
  return reply(250, '2.0.0', `Ok: queued as ${queueId}`);
}

/** `message`: the message's bytes in the pieces they arrived in (DATA's decoded runs, BDAT chunks). */
export async function finishMessage(ctx: SmtpContext, state: SessionState, message: readonly Uint8Array[], outcome: DataOutcome): Promise<Reply> {
  const transaction = state.transaction;
  state.transaction = undefined;
  if (!transaction) return reply(503, '5.5.1', 'Bad sequence of commands: no mail transaction');
  const queueId = newQueueId();
  const started = ctx.clock.now();
  let answer: Reply;
  try {
    answer = await decide(ctx, state, transaction, message, outcome, queueId);
  } catch (error) {
    // House rule 8: a bug is logged and answered with a temporary failure; the session lives.
    ctx.logger.error({ err: error, queueId }, 'message acceptance failed');
    answer = TEMPORARY_FAILURE;
  }
  ctx.logger.info(
    {
      queueId,
      client: state.remoteAddress,
      helo: state.helo?.name,
      tls: state.tls?.protocol ?? null,
      user: state.account?.address ?? null,
      role: state.role,
      sender: transaction.sender,
      recipients: transaction.recipients.map((r) => r.address),
      size: message.reduce((octets, piece) => octets + piece.length, 0),
      body: transaction.params.body ?? '7BIT',
      verdict: answer.code < 300 ? 'accepted' : answer.code < 500 ? 'deferred' : 'rejected',
      reply: `${answer.code} ${answer.enhanced ?? ''} ${answer.lines.join(' ')}`.replace(/ +/g, ' ').trim(),
      ms: ctx.clock.now() - started,
    },
    'smtp transaction',
  );
  return answer;
}
