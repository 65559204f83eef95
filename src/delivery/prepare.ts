// What a queued message looks like on the wire. Mail signed as it was queued is sent as stored.
// Otherwise (queued before its domain had keys, or from a version that signed at delivery, or
// forwarded mail) it is prepared now: our pool header removed and DKIM-signed by the signer
// (signer.ts), or, for mail we forward from elsewhere, an ARC set (RFC 8617) sealed with one
// of our domains' RSA keys.

import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { Resolver } from '../dns/resolver.ts';
import type { HeaderField } from '../mail/header.ts';
import { fieldValues } from '../mail/header.ts';
import { arcSeal, type ArcSealKey } from '../mailauth/arc.ts';
import { mailauthResolver } from '../mailauth/resolver-adapter.ts';
import type { QueuedMessage, Storage } from '../storage/api.ts';
import type { DkimSigner } from './signer.ts';

export interface PreparedMessage {
  readonly data: Uint8Array;
  /** The pool the submitting account asked for in the pool header. */
  readonly requestedPool: string | undefined;
  /** How the message was authenticated for the next hop. */
  readonly authentication: 'dkim' | 'arc' | 'none';
}

export interface PrepareSettings {
  readonly hostname: string;
}

/** The client address and EHLO name of the message's arrival, from the Received field we wrote. */
function arrival(fields: readonly HeaderField[], hostname: string): { ip?: string; helo?: string } {
  const received = fieldValues(fields, 'Received')[0];
  if (!received || !received.includes(`by ${hostname} (Postwarden)`)) return {};
  const match = /^from (\S+) \(\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]\)/.exec(received);
  return match ? { helo: match[1] as string, ip: match[2] as string } : {};
}

export class MessagePreparer {
  private readonly storage: Storage;
  private readonly signer: DkimSigner;
  private readonly settings: PrepareSettings;
  private readonly resolver: Resolver;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(storage: Storage, signer: DkimSigner, settings: PrepareSettings, resolver: Resolver, clock: Clock, logger: Logger) {
    this.storage = storage;
    this.signer = signer;
    this.settings = settings;
    this.resolver = resolver;
    this.clock = clock;
    this.logger = logger;
  }

  async prepare(message: QueuedMessage, raw: Uint8Array): Promise<PreparedMessage> {
    if (message.prepared) return { data: raw, requestedPool: message.prepared.requestedPool ?? undefined, authentication: 'dkim' };
    const signed = await this.signer.sign(message.envelope, raw, message.id);
    if (signed.signed) return { data: signed.data, requestedPool: signed.requestedPool, authentication: 'dkim' };
    if (message.envelope.accountId === null) {
      const sealed = await this.seal(message, signed.data, signed.fields);
      if (sealed) return { data: sealed, requestedPool: signed.requestedPool, authentication: 'arc' };
    }
    return { data: signed.data, requestedPool: signed.requestedPool, authentication: 'none' };
  }

  /** RFC 8617 §5.1: forwarded mail gets our ARC set, sealed with the hostname's domain or our first domain with an RSA key. */
  private async seal(message: QueuedMessage, data: Uint8Array, fields: readonly HeaderField[]): Promise<Uint8Array | undefined> {
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
      const rsa = (await this.signer.domainKeys(domain)).find((k) => k.algorithm === 'rsa-sha256');
      if (rsa) return { domain, selector: rsa.selector, algorithm: 'rsa-sha256', privateKeyPem: rsa.privateKeyPem };
    }
    return undefined;
  }
}
