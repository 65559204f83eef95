// Commands valid in every state (RFC 9051 §6.1): CAPABILITY, NOOP (and RFC 3501's CHECK, which
// RFC 9051 folds into NOOP), LOGOUT, and ID (RFC 2971), plus ENABLE (RFC 5161), NAMESPACE
// (RFC 2342) and the QUOTA commands (RFC 9208), which need authentication.

import { capabilities, ENABLEABLE } from '../capabilities.ts';
import { ok, no, type HandlerArgs, type Outcome, type SessionState, type ImapContext } from '../context.ts';
import { encodeAstring, encodeList, encodeNumber } from '../../wire/encoder.ts';

export function capabilityList(ctx: ImapContext, state: SessionState): string[] {
  return capabilities({
    tls: state.tls,
    loginAllowed: state.loginAllowed,
    authenticated: state.phase !== 'notauth',
    compressed: state.compressed,
    appendLimit: ctx.appendLimit,
    startTlsOffered: state.startTlsOffered,
  });
}

export function capability({ ctx, state, out }: HandlerArgs): Outcome {
  out.line(['CAPABILITY', ...capabilityList(ctx, state)].join(' '));
  return ok('CAPABILITY completed');
}

export function id({ ctx, out }: HandlerArgs): Outcome {
  // RFC 2971 §3.2: the server's own identification; the client's is only logged.
  out.send(out.untagged().atom('ID').open().string('name').string('Postwarden').string('version').string(ctx.version).close());
  return ok('ID completed');
}

export function enable({ state, out }: HandlerArgs, requested: readonly string[]): Outcome {
  const enabled: string[] = [];
  for (const name of requested) {
    const upper = name.toUpperCase();
    if (!ENABLEABLE.has(upper) || state.enabled.has(upper)) continue;
    state.enabled.add(upper);
    // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
    if (upper === 'QRESYNC' && !state.enabled.has('CONDSTORE')) state.enabled.add('CONDSTORE');
    enabled.push(name);
  }
  if (state.enabled.has('CONDSTORE')) state.condstore = true;
  if (state.enabled.has('UTF8=ACCEPT')) out.options = { utf8: true };
  out.line(['ENABLED', ...enabled].join(' '));
  return ok('ENABLE completed');
}

export function namespace({ out }: HandlerArgs): Outcome {
  // RFC 2342 §5: one personal namespace with "/" as delimiter, no other users' or shared ones.
  out.line('NAMESPACE (("" "/")) NIL NIL');
  return ok('NAMESPACE completed');
}

async function quotaResponse({ ctx, state, out }: HandlerArgs): Promise<boolean> {
  const account = state.account;
  if (!account) return false;
  const quota = await ctx.storage.getQuota(account.id);
  if (!quota.ok || quota.value.limitBytes === null) return false;
  // RFC 9208 §5.1: STORAGE in units of 1024 octets.
  const used = Math.ceil(quota.value.usedBytes / 1024);
  const limit = Math.floor(quota.value.limitBytes / 1024);
  out.line(`QUOTA "" ${encodeList(['STORAGE', encodeNumber(used), encodeNumber(limit)])}`);
  return true;
}

export async function getQuota(args: HandlerArgs, root: string): Promise<Outcome> {
  if (root !== '' || !(await quotaResponse(args))) return no('No such quota root', 'NONEXISTENT');
  return ok('GETQUOTA completed');
}

export async function getQuotaRoot(args: HandlerArgs, mailbox: string): Promise<Outcome> {
  const account = args.state.account;
  if (!account) return no('Not authenticated');
  const quota = await args.ctx.storage.getQuota(account.id);
  const hasRoot = quota.ok && quota.value.limitBytes !== null;
  args.out.line(`QUOTAROOT ${mailbox === '' ? '""' : encodeMailbox(args, mailbox)}${hasRoot ? ' ""' : ''}`);
  if (hasRoot) await quotaResponse(args);
  return ok('GETQUOTAROOT completed');
}

function encodeMailbox(args: HandlerArgs, name: string): string {
  return encodeAstring(args.out.mailboxName(name), args.out.options);
}
