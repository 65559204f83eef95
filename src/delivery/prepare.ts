// What a queued message looks like on the wire: our pool header removed (an instruction to
// this server, RFC 5322 lets us drop it since we made it mean something), then one DKIM
// signature per active key of the author's domain when that domain is ours (RFC 6376; the
// envelope sender's domain when only that one is ours), or, for mail we forward from
// elsewhere, an ARC set (RFC 8617) sealed with one of our domains' RSA keys. Keys are read
// from storage and kept for a minute, so a rotation takes effect within that.

import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { Resolver } from '../dns/resolver.ts';
import { parseAddress } from '../mail/address.ts';
import { parseAddressList } from '../mail/address-list.ts';
import { removeHeaderFields } from '../mail/header-edit.ts';
import { fieldValues, parseHeader } from '../mail/header.ts';
import { arcSeal, type ArcSealKey } from '../mailauth/arc.ts';
import { signMessageReport, type DkimSigningKey } from '../mailauth/dkim-sign.ts';
import { mailauthResolver } from '../mailauth/resolver-adapter.ts';
import type { QueuedMessage, Storage } from '../storage/api.ts';

/** How long a domain's keys are kept before storage is asked again. */
export const KEY_CACHE_MS = 60_000;

export interface PreparedMessage {
  readonly data: Uint8Array;
  /** The pool the submitting account asked for in the pool header. */
  readonly requestedPool: string | undefined;
  /** How the message was authenticated for the next hop. */
  readonly authentication: 'dkim' | 'arc' | 'none';
}

export interface PrepareSettings {
  readonly hostname: string;
  readonly poolHeader: string;
}

/** The client address and EHLO name of the message's arrival, from the Received field we wrote. */
function arrival(fields: ReturnType<typeof parseHeader>, hostname: string): { ip?: string; helo?: string } {
  const received = fieldValues(fields, 'Received')[0];
  if (!received || !received.includes(`by ${hostname} (Postwarden)`)) return {};
  const match = /^from (\S+) \(\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]\)/.exec(received);
  return match ? { helo: match[1] as string, ip: match[2] as string } : {};
}

function domainOf(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const parsed = parseAddress(address);
  return parsed.ok ? parsed.value.domain : undefined;
}

export class MessagePreparer {
  private readonly storage: Storage;
  private readonly settings: PrepareSettings;
  private readonly resolver: Resolver;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly keys = new Map<string, { at: number; keys: DkimSigningKey[] }>();

  constructor(storage: Storage, settings: PrepareSettings, resolver: Resolver, clock: Clock, logger: Logger) {
    this.storage = storage;
    this.settings = settings;
    this.resolver = resolver;
    this.clock = clock;
    this.logger = logger;
  }

  /** The active signing keys of one of our domains ([] when it is not ours). */
  async domainKeys(domain: string): Promise<DkimSigningKey[]> {
    const now = this.clock.now();
    const cached = this.keys.get(domain);
    if (cached && now - cached.at < KEY_CACHE_MS) return cached.keys;
    const found = await this.storage.getDomain(domain);
    const keys = found
      ? (await this.storage.listDkimKeys(found.id)).filter((k) => k.active).map((k) => ({ domain, selector: k.selector, algorithm: k.algorithm, privateKeyPem: k.privateKeyPem }))
      : [];
    this.keys.set(domain, { at: now, keys });
    return keys;
  }

  async prepare(message: QueuedMessage, raw: Uint8Array): Promise<PreparedMessage> {
    const fields = parseHeader(raw);
    const requested = message.envelope.accountId === null ? undefined : fieldValues(fields, this.settings.poolHeader)[0]?.trim();
    const stripped = removeHeaderFields(raw, this.settings.poolHeader);
    const author = domainOf(fieldValues(fields, 'From').flatMap(parseAddressList)[0]);
    for (const domain of [author, domainOf(message.envelope.sender || undefined)]) {
      if (domain === undefined) continue;
      const keys = await this.domainKeys(domain);
      if (keys.length === 0) continue;
      const report = await signMessageReport(stripped, keys, { time: new Date(this.clock.now()) });
      for (const error of report.errors) this.logger.warn({ queueId: message.id, domain, selector: error.selector, reason: error.message }, 'DKIM key not used');
      if (report.signed > 0) return { data: report.message, requestedPool: requested, authentication: 'dkim' };
    }
    if (message.envelope.accountId === null) {
      const sealed = await this.seal(message, stripped, fields);
      if (sealed) return { data: sealed, requestedPool: requested, authentication: 'arc' };
    }
    return { data: stripped, requestedPool: requested, authentication: 'none' };
  }

  /** RFC 8617 §5.1: forwarded mail gets our ARC set, sealed with the hostname's domain or our first domain with an RSA key. */
  private async seal(message: QueuedMessage, data: Uint8Array, fields: ReturnType<typeof parseHeader>): Promise<Uint8Array | undefined> {
    const key = await this.sealingKey();
    if (!key) return undefined;
    const outcome = await arcSeal({
      message: data,
      key,
      authservId: this.settings.hostname,
      resolver: mailauthResolver(this.resolver),
      sender: message.envelope.sender,
      ...arrival(fields, this.settings.hostname),
      time: new Date(this.clock.now()),
    });
    if (outcome.errors.length > 0) this.logger.info({ queueId: message.id, chain: outcome.chain, errors: outcome.errors }, 'ARC');
    return outcome.sealed ? outcome.message : undefined;
  }

  private async sealingKey(): Promise<ArcSealKey | undefined> {
    const domains = (await this.storage.listDomains()).map((d) => d.name);
    const preferred = domains.filter((d) => this.settings.hostname === d || this.settings.hostname.endsWith(`.${d}`));
    for (const domain of [...preferred, ...domains]) {
      const rsa = (await this.domainKeys(domain)).find((k) => k.algorithm === 'rsa-sha256');
      if (rsa) return { domain, selector: rsa.selector, algorithm: 'rsa-sha256', privateKeyPem: rsa.privateKeyPem };
    }
    return undefined;
  }
}
