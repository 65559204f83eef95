// SMTP TLS Reporting (RFC 8460): recording the outcome of each outbound TLS session per policy
// (MTA-STS, DANE, none found), aggregating them per policy domain over a report period, and the
// JSON report (§4.4). Storing and sending reports is the caller's business: the recorder is an
// interface with an in-memory implementation. Untrusted input: host names and detail strings
// from remote servers, which only ever become JSON string values.

export type TlsRptPolicyType = 'sts' | 'tlsa' | 'no-policy-found';

/** RFC 8460 §4.3: negotiation failures (§4.3.1) and policy failures (§4.3.2). */
export type TlsRptResultType =
  | 'starttls-not-supported'
  | 'certificate-host-mismatch'
  | 'certificate-expired'
  | 'certificate-not-trusted'
  | 'validation-failure'
  | 'tlsa-invalid'
  | 'dnssec-invalid'
  | 'dane-required'
  | 'sts-policy-fetch-error'
  | 'sts-policy-invalid'
  | 'sts-webpki-invalid';

export interface TlsRptPolicy {
  readonly type: TlsRptPolicyType;
  /** The Policy Domain (the recipient domain). */
  readonly domain: string;
  /** MTA-STS policy lines, or TLSA records as text ("3 1 1 ABCD..."); empty for no-policy-found. */
  readonly strings: readonly string[];
  /** MTA-STS mx patterns, or the MX host of the TLSA records. */
  readonly mxHosts: readonly string[];
}

export interface TlsRptFailure {
  readonly resultType: TlsRptResultType;
  readonly sendingMtaIp?: string;
  readonly receivingMxHostname?: string;
  readonly receivingMxHelo?: string;
  readonly receivingIp?: string;
  readonly additionalInformation?: string;
  readonly failureReasonCode?: string;
}

export type TlsSessionResult =
  | { readonly at: number; readonly policy: TlsRptPolicy; readonly outcome: 'success' }
  | { readonly at: number; readonly policy: TlsRptPolicy; readonly outcome: 'failure'; readonly failure: TlsRptFailure };

/** Where delivery records each TLS session's outcome. */
export interface TlsRptRecorder {
  record(result: TlsSessionResult): Promise<void>;
}

export interface TlsRptAggregate {
  readonly policy: TlsRptPolicy;
  readonly successes: number;
  readonly failures: readonly { readonly failure: TlsRptFailure; readonly count: number }[];
}

/** A recorder that can also answer for a report period (a persistent one implements the same). */
export interface TlsRptStore extends TlsRptRecorder {
  /** Policy domains with results recorded in [start, end) (milliseconds since the epoch). */
  domains(start: number, end: number): Promise<string[]>;
  /** The results for one policy domain in [start, end), in report order. */
  aggregate(domain: string, start: number, end: number): Promise<TlsRptAggregate[]>;
  /** Forgets results recorded before a time (once reported). */
  prune(before: number): Promise<void>;
}

/** Results are counted in buckets of this length; report periods should be made of whole buckets. */
export const BUCKET_MS = 3_600_000;
/** RFC 8460 §4.1: a report normally covers one UTC day. */
export const DAY_MS = 86_400_000;

interface Bucket {
  readonly policy: TlsRptPolicy;
  successes: number;
  readonly failures: Map<string, { failure: TlsRptFailure; count: number }>;
}

export class MemoryTlsRptStore implements TlsRptStore {
  /** bucket start → policy key → counts */
  private readonly buckets = new Map<number, Map<string, Bucket>>();

  async record(result: TlsSessionResult): Promise<void> {
    const start = Math.floor(result.at / BUCKET_MS) * BUCKET_MS;
    let byPolicy = this.buckets.get(start);
    if (!byPolicy) this.buckets.set(start, (byPolicy = new Map()));
    const policy = normalizePolicy(result.policy);
    const key = policyKey(policy);
    let bucket = byPolicy.get(key);
    if (!bucket) byPolicy.set(key, (bucket = { policy, successes: 0, failures: new Map() }));
    if (result.outcome === 'success') {
      bucket.successes++;
      return;
    }
    const failure = normalizeFailure(result.failure);
    const fkey = failureKey(failure);
    const entry = bucket.failures.get(fkey);
    if (entry) entry.count++;
    else bucket.failures.set(fkey, { failure, count: 1 });
  }

  async domains(start: number, end: number): Promise<string[]> {
    const found = new Set<string>();
    for (const bucket of this.inRange(start, end)) found.add(bucket.policy.domain);
    return [...found].sort();
  }

  async aggregate(domain: string, start: number, end: number): Promise<TlsRptAggregate[]> {
    const wanted = domain.toLowerCase().replace(/\.$/, '');
    const merged = new Map<string, { policy: TlsRptPolicy; successes: number; failures: Map<string, { failure: TlsRptFailure; count: number }> }>();
    for (const bucket of this.inRange(start, end)) {
      if (bucket.policy.domain !== wanted) continue;
      const key = policyKey(bucket.policy);
      let sum = merged.get(key);
      if (!sum) merged.set(key, (sum = { policy: bucket.policy, successes: 0, failures: new Map() }));
      sum.successes += bucket.successes;
      for (const [fkey, entry] of bucket.failures) {
        const have = sum.failures.get(fkey);
        if (have) have.count += entry.count;
        else sum.failures.set(fkey, { failure: entry.failure, count: entry.count });
      }
    }
    return [...merged.entries()]
      .sort(([a], [b]) => compare(a, b))
      .map(([, sum]) => ({
        policy: sum.policy,
        successes: sum.successes,
        failures: [...sum.failures.entries()].sort(([a], [b]) => compare(a, b)).map(([, entry]) => ({ ...entry })),
      }));
  }

  async prune(before: number): Promise<void> {
    for (const start of [...this.buckets.keys()]) if (start + BUCKET_MS <= before) this.buckets.delete(start);
  }

  private *inRange(start: number, end: number): Iterable<Bucket> {
    for (const [bucketStart, byPolicy] of this.buckets) {
      if (bucketStart >= start && bucketStart < end) yield* byPolicy.values();
    }
  }
}

function normalizePolicy(policy: TlsRptPolicy): TlsRptPolicy {
  return { type: policy.type, domain: policy.domain.toLowerCase().replace(/\.$/, ''), strings: [...policy.strings], mxHosts: [...policy.mxHosts] };
}

/** Only the fields that are set, in report order, so equal failures aggregate. */
function normalizeFailure(failure: TlsRptFailure): TlsRptFailure {
  const out: { -readonly [K in keyof TlsRptFailure]: TlsRptFailure[K] } = { resultType: failure.resultType };
  if (failure.sendingMtaIp !== undefined) out.sendingMtaIp = failure.sendingMtaIp;
  if (failure.receivingMxHostname !== undefined) out.receivingMxHostname = failure.receivingMxHostname.toLowerCase().replace(/\.$/, '');
  if (failure.receivingMxHelo !== undefined) out.receivingMxHelo = failure.receivingMxHelo;
  if (failure.receivingIp !== undefined) out.receivingIp = failure.receivingIp;
  if (failure.additionalInformation !== undefined) out.additionalInformation = failure.additionalInformation;
  if (failure.failureReasonCode !== undefined) out.failureReasonCode = failure.failureReasonCode;
  return out;
}

function policyKey(policy: TlsRptPolicy): string {
  return JSON.stringify([policy.domain, policy.type, policy.strings, policy.mxHosts]);
}

function failureKey(failure: TlsRptFailure): string {
  return JSON.stringify([
    failure.resultType,
    failure.receivingMxHostname ?? '',
    failure.receivingIp ?? '',
    failure.sendingMtaIp ?? '',
    failure.receivingMxHelo ?? '',
    failure.failureReasonCode ?? '',
    failure.additionalInformation ?? '',
  ]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// The report (RFC 8460 §4.4)

export interface TlsReportInput {
  readonly organizationName: string;
  readonly contactInfo: string;
  readonly reportId: string;
  /** Report period [start, end) in milliseconds since the epoch. */
  readonly start: number;
  readonly end: number;
  readonly aggregates: readonly TlsRptAggregate[];
}

export interface TlsReport {
  readonly 'organization-name': string;
  readonly 'date-range': { readonly 'start-datetime': string; readonly 'end-datetime': string };
  readonly 'contact-info': string;
  readonly 'report-id': string;
  readonly policies: readonly TlsReportPolicy[];
}

export interface TlsReportPolicy {
  readonly policy: {
    readonly 'policy-type': TlsRptPolicyType;
    readonly 'policy-string'?: readonly string[];
    readonly 'policy-domain': string;
    readonly 'mx-host'?: readonly string[];
  };
  readonly summary: { readonly 'total-successful-session-count': number; readonly 'total-failure-session-count': number };
  readonly 'failure-details'?: readonly TlsReportFailure[];
}

export interface TlsReportFailure {
  readonly 'result-type': TlsRptResultType;
  readonly 'sending-mta-ip'?: string;
  readonly 'receiving-mx-hostname'?: string;
  readonly 'receiving-mx-helo'?: string;
  readonly 'receiving-ip'?: string;
  readonly 'failed-session-count': number;
  readonly 'additional-information'?: string;
  readonly 'failure-reason-code'?: string;
}

/** RFC 3339 date-time in UTC without fractions, as RFC 8460 §4.4 shows it. */
export function reportDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The UTC day containing a time: the usual report period (RFC 8460 §4.1). */
export function reportDay(ms: number): { start: number; end: number } {
  const start = Math.floor(ms / DAY_MS) * DAY_MS;
  return { start, end: start + DAY_MS };
}

export function tlsReport(input: TlsReportInput): TlsReport {
  return {
    'organization-name': input.organizationName,
    'date-range': {
      'start-datetime': reportDateTime(input.start),
      // RFC 8460 §4.4's example ends a day at 23:59:59Z: the last second inside the period.
      'end-datetime': reportDateTime(input.end - 1000),
    },
    'contact-info': input.contactInfo,
    'report-id': input.reportId,
    policies: input.aggregates.map(reportPolicy),
  };
}

/** The report as the JSON text to compress and send (RFC 8460 §5.3: application/tlsrpt+gzip). */
export function tlsReportJson(input: TlsReportInput): string {
  return JSON.stringify(tlsReport(input));
}

function reportPolicy(aggregate: TlsRptAggregate): TlsReportPolicy {
  const { policy } = aggregate;
  const failed = aggregate.failures.reduce((sum, f) => sum + f.count, 0);
  return {
    policy: {
      'policy-type': policy.type,
      ...(policy.strings.length > 0 ? { 'policy-string': [...policy.strings] } : {}),
      'policy-domain': policy.domain,
      ...(policy.mxHosts.length > 0 ? { 'mx-host': [...policy.mxHosts] } : {}),
    },
    summary: { 'total-successful-session-count': aggregate.successes, 'total-failure-session-count': failed },
    ...(aggregate.failures.length > 0 ? { 'failure-details': aggregate.failures.map(reportFailure) } : {}),
  };
}

function reportFailure({ failure, count }: { failure: TlsRptFailure; count: number }): TlsReportFailure {
  return {
    'result-type': failure.resultType,
    ...(failure.sendingMtaIp !== undefined ? { 'sending-mta-ip': failure.sendingMtaIp } : {}),
    ...(failure.receivingMxHostname !== undefined ? { 'receiving-mx-hostname': failure.receivingMxHostname } : {}),
    ...(failure.receivingMxHelo !== undefined ? { 'receiving-mx-helo': failure.receivingMxHelo } : {}),
    ...(failure.receivingIp !== undefined ? { 'receiving-ip': failure.receivingIp } : {}),
    'failed-session-count': count,
    ...(failure.additionalInformation !== undefined ? { 'additional-information': failure.additionalInformation } : {}),
    ...(failure.failureReasonCode !== undefined ? { 'failure-reason-code': failure.failureReasonCode } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// The policy descriptions delivery records under

/** An MTA-STS policy (RFC 8460 §4.4: policy-string is the policy's lines, mx-host its patterns). */
export function stsReportPolicy(policy: { readonly domain: string; readonly lines: readonly string[]; readonly mx: readonly string[] }): TlsRptPolicy {
  return { type: 'sts', domain: policy.domain, strings: policy.lines, mxHosts: policy.mx };
}

/** A domain whose MTA-STS policy could not be had (for sts-policy-* failures). */
export function unfetchedStsReportPolicy(domain: string): TlsRptPolicy {
  return { type: 'sts', domain, strings: [], mxHosts: [] };
}

/** DANE TLSA records of one MX host ("3 1 1 <HEX>" strings, see dns/dane.ts tlsaText). */
export function tlsaReportPolicy(domain: string, mxHost: string, recordTexts: readonly string[]): TlsRptPolicy {
  return { type: 'tlsa', domain, strings: recordTexts, mxHosts: [mxHost] };
}

export function noPolicyFound(domain: string): TlsRptPolicy {
  return { type: 'no-policy-found', domain, strings: [], mxHosts: [] };
}
