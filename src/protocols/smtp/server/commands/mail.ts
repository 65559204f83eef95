// MAIL FROM (RFC 5321 §4.1.1.2) with its ESMTP parameters: SIZE (RFC 1870 §6: refuse early
// what will not fit), BODY (RFC 6152, RFC 3030), SMTPUTF8 (RFC 6531), RET/ENVID (RFC 3461),
// AUTH (RFC 4954 §5, accepted and not trusted), REQUIRETLS (RFC 8689 §4.1: only under TLS).
// On submission the sender must be an address the authenticated user owns (553 5.7.1).

import { ownsAddress } from '../../../../ingest/recipients.ts';
import type { MailParams, ReversePath } from '../../wire/command.ts';
import { MAX_TRANSACTIONS_PER_SESSION } from '../limits.ts';
import { reply, type Reply } from '../replies.ts';
import type { SessionState, SmtpContext } from '../state.ts';
import { canonicalAddress, senderText } from './paths.ts';

export async function mailFrom(ctx: SmtpContext, state: SessionState, path: ReversePath, params: MailParams): Promise<Reply> {
  const esmtp = state.helo?.esmtp === true;
  if (!esmtp && (params.size !== undefined || params.body !== undefined || params.smtputf8 || params.ret || params.envid || params.requireTls || params.auth)) {
    return reply(555, '5.5.4', 'MAIL parameters need EHLO');
  }
  if (params.size !== undefined && params.size > ctx.limits.maxMessageSize) {
    return reply(552, '5.3.4', `Message too big for this server (limit ${ctx.limits.maxMessageSize} octets)`);
  }
  if (params.requireTls && !state.tls) return reply(530, '5.7.10', 'REQUIRETLS needs a TLS session');
  if (state.transactions >= MAX_TRANSACTIONS_PER_SESSION) return reply(421, '4.7.0', 'Too many messages in one session; reconnect');
  if (state.role === 'submission') {
    const account = state.account;
    if (!account) return reply(530, '5.7.0', 'Authentication required');
    if (path.kind !== 'mailbox') return reply(553, '5.7.1', 'The null sender is not accepted for submission');
    const address = canonicalAddress(path);
    if (address === undefined || !(await ownsAddress(ctx.storage, account, address))) {
      return reply(553, '5.7.1', `Sender address rejected: not owned by ${account.address}`);
    }
  }
  state.transaction = { sender: senderText(path), params, recipients: [], refusedRecipients: 0 };
  state.transactions++;
  return reply(250, '2.1.0', 'Ok');
}
