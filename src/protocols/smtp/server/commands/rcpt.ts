// RCPT TO (RFC 5321 §4.1.1.3): decide about each recipient now, never accept and bounce later.
// MX: only addresses of local domains (accounts, aliases, +subaddresses); an unknown user is
// 550 5.1.1, any other domain is relaying and refused (550 5.7.1) — whatever the disguise:
// "%" and "!" local parts, source routes (ignored, RFC 5321 §3.3), IP literals, quoted local
// parts, trailing dots, case and punycode variants all end in one of those two answers.
// Submission (authenticated): local recipients as above, any other domain goes to the queue.
// <Postmaster> without a domain reaches the postmaster of the primary domain (§4.5.1).
// NOTIFY and ORCPT (RFC 3461 §4.1–4.2) are kept for later DSNs. Mail to one of our VERP return
// paths (a bounce coming back) goes to the original sender (ingest/returned-bounce.ts).

import { getDomain } from 'tldts';
import { resolveAddress } from '../../../../ingest/recipients.ts';
import { returnedBounce } from '../../../../ingest/returned-bounce.ts';
import type { Account } from '../../../../storage/api.ts';
import type { ForwardPath, RcptParams } from '../../wire/command.ts';
import { reply, type Reply } from '../replies.ts';
import type { AcceptedRecipient, SessionState, SmtpContext, Transaction } from '../state.ts';
import { canonicalAddress, canonicalDomain, envelopeAddress } from './paths.ts';

const RELAY_DENIED = reply(550, '5.7.1', 'Relay access denied');
const UNKNOWN_USER = reply(550, '5.1.1', 'Recipient address rejected: no such user here');

/** The postmaster address for "<Postmaster>": the hostname's mail domain, else the first local domain. */
async function postmasterAddress(ctx: SmtpContext): Promise<string | undefined> {
  const candidates = [getDomain(ctx.hostname) ?? ctx.hostname, ctx.hostname];
  for (const domain of candidates) if (await ctx.storage.getDomain(domain)) return `postmaster@${domain}`;
  const first = (await ctx.storage.listDomains())[0];
  return first && `postmaster@${first.name}`;
}

function overQuota(accounts: readonly Account[], size: number | undefined): boolean {
  return size !== undefined && accounts.some((a) => a.quotaBytes !== null && a.usedBytes + size > a.quotaBytes);
}

function remember(transaction: Transaction, recipient: AcceptedRecipient): Reply {
  transaction.recipients.push(recipient);
  return reply(250, '2.1.5', 'Ok');
}

export async function rcptTo(ctx: SmtpContext, state: SessionState, transaction: Transaction, path: ForwardPath, params: RcptParams): Promise<Reply> {
  if (transaction.recipients.length >= ctx.limits.maxRecipients) return reply(452, '4.5.3', 'Too many recipients');
  const dsn = {
    ...(params.notify === undefined ? {} : { notify: params.notify }),
    ...(params.orcpt === undefined ? {} : { orcpt: `${params.orcpt.addrType};${params.orcpt.address}` }),
  };
  const address = path.kind === 'postmaster' ? await postmasterAddress(ctx) : canonicalAddress(path);
  const bounce = address === undefined ? undefined : await returnedBounce(ctx.storage, address, ctx.verpSecret);
  if (bounce && address !== undefined) {
    ctx.logger.info({ to: address, queueId: bounce.queueId, about: bounce.recipient }, 'mail returned to a VERP address');
    return remember(transaction, { address, accounts: bounce.accounts, remote: bounce.remote, ...dsn });
  }
  const resolution = address === undefined ? undefined : await resolveAddress(ctx.storage, address);
  if (resolution?.kind === 'local' && address !== undefined) {
    if (overQuota(resolution.accounts, transaction.params.size)) return reply(452, '4.2.2', 'Mailbox full; try again later');
    return remember(transaction, { address, accounts: resolution.accounts, remote: resolution.remote, ...dsn });
  }
  // No account or alias has the address: a user we do not have, or another domain's address.
  // resolveAddress has looked the domain up (normalized as canonicalDomain does) unless the
  // address was not usable (a quoted local part, a literal, an unparsable name).
  const domain = path.kind === 'postmaster' ? address?.slice(address.indexOf('@') + 1) : canonicalDomain(path);
  const local =
    resolution?.kind === 'unknown' ||
    (resolution?.kind !== 'remote' && domain !== undefined && (await ctx.storage.getDomain(domain)) !== undefined);
  if (local) return UNKNOWN_USER;
  if (state.role !== 'submission' || !state.account || path.kind === 'postmaster') return RELAY_DENIED;
  if (path.domainLiteral) return reply(550, '5.7.1', 'Address literals are not accepted as destinations');
  if (domain === undefined) return reply(553, '5.1.3', 'Recipient domain is not a valid domain name');
  return remember(transaction, { address: envelopeAddress(path), accounts: [], remote: [envelopeAddress(path)], ...dsn });
}
