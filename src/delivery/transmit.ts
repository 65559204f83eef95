// One delivery attempt for a group of transactions to one destination domain from one pool:
// the destination's hops in order (RFC 5321 §5.1: the next MX when a host cannot be reached or
// refuses the session), one SMTP session per hop with every transaction still open, and a new
// source address of the pool when the destination refuses ours as blocked (the blocked one
// rests for that destination). Every recipient comes back with a result; nothing throws.

import type { Logger } from '../core/log.ts';
import type { TlsRptRecorder, TlsRptResultType } from '../mailauth/tls-rpt.ts';
import { deliverSession, type ClientOptions, type FailureStage, type OutgoingMessage, type RecipientOutcome, type SessionReport, type Timeouts } from '../protocols/smtp/client/deliver.ts';
import type { Clock } from '../core/clock.ts';
import type { Destinations, Hop } from './destination.ts';
import type { Pool, PoolRouter, Source } from './pools.ts';
import { replyKind } from './reply-kind.ts';
import type { TrafficShaper } from './shaper.ts';

/** What happened to one recipient in this attempt. */
export interface RecipientResult {
  readonly status: 'delivered' | 'temporary' | 'permanent';
  /** RFC 3463 status for the DSN. */
  readonly enhanced: string;
  /** One line: the remote reply ("550 5.1.1 no such user") or our explanation. */
  readonly reply: string;
  /** The host that answered. */
  readonly remoteMta?: string;
  /** The receiving server took the DSN parameters (RFC 3461): it notifies from now on. */
  readonly dsnPassed: boolean;
  /** For a temporary result: not before this time (a rested pool, a paused destination). */
  readonly notBefore?: number;
}

export interface Transaction {
  readonly message: OutgoingMessage;
}

export interface TransmitContext {
  readonly destinations: Destinations;
  readonly pools: PoolRouter;
  readonly shaper: TrafficShaper;
  readonly tlsReports: TlsRptRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timeouts: Partial<Timeouts>;
  readonly ca: string | undefined;
  readonly relayAuth: { readonly user: string; readonly password: string } | undefined;
}

export interface TransmitResult {
  /** Per transaction, per recipient, in the order given. */
  readonly results: readonly (readonly RecipientResult[])[];
  /** The destination asked us to slow down. */
  readonly rateLimited: boolean;
}

/** Failures before any transaction: the next hop may do better (RFC 5321 §5.1, §3.1). */
const HOST_STAGES: ReadonlySet<FailureStage> = new Set(['connect', 'greeting', 'ehlo', 'starttls', 'tls-policy', 'auth']);

function replyLine(outcome: RecipientOutcome): string {
  return outcome.reply ? `${outcome.reply.code} ${outcome.reply.enhanced ? `${outcome.reply.enhanced} ` : ''}${outcome.reply.text}` : outcome.detail;
}

function fromOutcome(outcome: RecipientOutcome, hop: Hop, extensions: readonly string[]): RecipientResult {
  return {
    status: outcome.status,
    enhanced: outcome.enhanced,
    reply: replyLine(outcome),
    ...(outcome.reply ? { remoteMta: hop.name } : {}),
    dsnPassed: extensions.some((e) => e === 'DSN' || e.startsWith('DSN ')),
  };
}

function uniform(count: number, result: RecipientResult): RecipientResult[] {
  return Array.from({ length: count }, () => result);
}

/** A transaction every recipient of which the remote accepted, reported before the session ends. */
export type OnDelivered = (index: number, results: readonly RecipientResult[]) => void;

export async function transmit(ctx: TransmitContext, domain: string, pool: Pool | null, transactions: readonly Transaction[], onDelivered: OnDelivered = () => undefined): Promise<TransmitResult> {
  const results: (RecipientResult[] | undefined)[] = transactions.map(() => undefined);
  const destination = await ctx.destinations.resolve(domain);
  if (destination.kind === 'failed') {
    const result: RecipientResult = { status: destination.permanent ? 'permanent' : 'temporary', enhanced: destination.status, reply: destination.detail, dsnPassed: false };
    return { results: transactions.map((t) => uniform(t.message.recipients.length, result)), rateLimited: false };
  }
  let rateLimited = false;
  let open = transactions.map((_, i) => i);
  const tried = new Set<string>();
  for (;;) {
    const choice = ctx.pools.pickSource(pool, domain);
    if (choice.kind === 'rested' || (choice.source.address !== undefined && tried.has(choice.source.address))) {
      const until = choice.kind === 'rested' ? choice.until : undefined;
      const result: RecipientResult = { status: 'temporary', enhanced: '4.7.1', reply: `every address of pool ${pool?.name ?? ''} is resting for ${domain} after being blocked`, dsnPassed: false, ...(until !== undefined ? { notBefore: until } : {}) };
      for (const i of open) results[i] ??= uniform(transactions[i]?.message.recipients.length ?? 0, result);
      break;
    }
    if (choice.source.address !== undefined) tried.add(choice.source.address);
    const round = await throughHops(ctx, destination.hops, choice.source, transactions, open, onDelivered);
    rateLimited ||= round.rateLimited;
    open = [];
    for (const [i, outcome] of round.results) {
      if (outcome.blocked) open.push(i);
      else results[i] = outcome.results;
    }
    if (open.length === 0) break;
    ctx.pools.rest(choice.source, domain);
    ctx.logger.warn({ domain, source: choice.source.address, pool: pool?.name }, 'destination blocked this source address; it rests there');
    if (pool === null) {
      for (const i of open) results[i] = round.results.get(i)?.results ?? [];
      break;
    }
  }
  return { results: results.map((r, i) => r ?? uniform(transactions[i]?.message.recipients.length ?? 0, { status: 'temporary', enhanced: '4.0.0', reply: 'not attempted', dsnPassed: false })), rateLimited };
}

interface RoundOutcome {
  readonly results: RecipientResult[];
  /** The destination refused this source address: try another. */
  readonly blocked: boolean;
}

async function throughHops(ctx: TransmitContext, hops: readonly Hop[], source: Source, transactions: readonly Transaction[], open: readonly number[], onDelivered: OnDelivered): Promise<{ results: Map<number, RoundOutcome>; rateLimited: boolean }> {
  const settled = new Map<number, RoundOutcome>();
  let pending = [...open];
  let rateLimited = false;
  for (const hop of hops) {
    if (pending.length === 0) break;
    const sent = pending;
    const early = (position: number, outcomes: readonly RecipientOutcome[], extensions: readonly string[]) => {
      const index = sent[position];
      if (index !== undefined && outcomes.length > 0 && outcomes.every((o) => o.status === 'delivered')) onDelivered(index, outcomes.map((o) => fromOutcome(o, hop, extensions)));
    };
    const report = await session(ctx, hop, source, pending.map((i) => (transactions[i] as Transaction).message), early);
    rateLimited ||= replyKind(report.failure?.reply) === 'rate-limit' || report.messages.some((o) => o.some((r) => replyKind(r.reply) === 'rate-limit'));
    const hostFailure = report.failure !== undefined && HOST_STAGES.has(report.failure.stage);
    const sessionBlocked = replyKind(report.failure?.reply) === 'blocked';
    const next: number[] = [];
    pending.forEach((index, position) => {
      const outcomes = report.messages[position] ?? [];
      const blocked = sessionBlocked || outcomes.some((o) => o.status !== 'delivered' && replyKind(o.reply) === 'blocked');
      const retryElsewhere = (hostFailure && !sessionBlocked) || (report.failure !== undefined && outcomes.some((o) => o.status === 'temporary'));
      settled.set(index, { results: outcomes.map((o) => fromOutcome(o, hop, report.extensions)), blocked });
      if (retryElsewhere && !blocked && !outcomes.some((o) => o.status === 'delivered')) next.push(index);
    });
    if (sessionBlocked) break;
    pending = next;
  }
  return { results: settled, rateLimited };
}

async function session(ctx: TransmitContext, hop: Hop, source: Source, messages: readonly OutgoingMessage[], onMessage: NonNullable<ClientOptions['onMessage']>): Promise<SessionReport> {
  const options: ClientOptions = {
    onMessage,
    helo: source.helo,
    tls: hop.tls,
    ...(hop.allowedNames ? { allowedNames: hop.allowedNames } : {}),
    ...(hop.dane ? { dane: hop.dane } : {}),
    ...(ctx.ca ? { ca: ctx.ca } : {}),
    ...(ctx.relayAuth ? { auth: ctx.relayAuth } : {}),
    timeouts: ctx.timeouts,
  };
  const target = { host: hop.address, port: hop.port, servername: hop.name, ...(source.address ? { localAddress: source.address } : {}) };
  await ctx.shaper.acquireMx(hop.address);
  let report: SessionReport;
  try {
    report = await deliverSession(target, options, messages);
  } finally {
    ctx.shaper.releaseMx(hop.address);
  }
  await recordTls(ctx, hop, source, report);
  if (report.failure) ctx.logger.info({ host: hop.name, address: hop.address, source: source.address, stage: report.failure.stage, detail: report.failure.detail }, 'delivery session failed');
  return report;
}

/** RFC 8460 §4.3: the TLS outcome of a session, for the destination's TLS reports. */
async function recordTls(ctx: TransmitContext, hop: Hop, source: Source, report: SessionReport): Promise<void> {
  const at = ctx.clock.now();
  if (report.tls) {
    await ctx.tlsReports.record({ at, policy: hop.report, outcome: 'success' });
    return;
  }
  const failure = report.failure;
  if (!failure || (failure.stage !== 'tls-policy' && failure.stage !== 'starttls')) return;
  const detail = failure.detail;
  const resultType: TlsRptResultType = /does not offer STARTTLS|STARTTLS was refused/.test(detail)
    ? 'starttls-not-supported'
    : /not valid for/.test(detail)
      ? 'certificate-host-mismatch'
      : /expired/.test(detail)
        ? 'certificate-expired'
        : /chain does not verify|no certificate/.test(detail)
          ? 'certificate-not-trusted'
          : 'validation-failure';
  await ctx.tlsReports.record({
    at,
    policy: hop.report,
    outcome: 'failure',
    failure: { resultType, receivingMxHostname: hop.name, receivingIp: hop.address, ...(source.address ? { sendingMtaIp: source.address } : {}), additionalInformation: detail.slice(0, 500) },
  });
}
