// DKIM signing of outgoing mail (RFC 6376; Ed25519 keys RFC 8463): our pool header is read and
// removed first (an instruction to this server, which RFC 5322 lets us drop since we made it
// mean something), then the message gets one signature per active key of the author's domain
// when that domain is ours (the envelope sender's domain when only that one is ours).
//
// Mail is signed as it is queued, as a milter would sign it at submission: the signature is
// made once, however many retries follow, and delivery only has to send the stored bytes.
// Keys are read from storage and kept for a minute, so a rotation takes effect within that.

import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { OutboundSigner, SignedForQueue } from '../ingest/accept.ts';
import { parseAddress } from '../mail/address.ts';
import { parseAddressList } from '../mail/address-list.ts';
import { removeHeaderFields } from '../mail/header-edit.ts';
import { fieldValues, parseHeader, type HeaderField } from '../mail/header.ts';
import { signMessageReport, type DkimSigningKey } from '../mailauth/dkim-sign.ts';
import type { OutboundEnvelope, Storage } from '../storage/api.ts';

/** How long a domain's keys are kept before storage is asked again. */
export const KEY_CACHE_MS = 60_000;

export interface SignedMessage {
  /** The message without the pool header, signed when `signed`. */
  readonly data: Uint8Array;
  readonly requestedPool: string | undefined;
  readonly signed: boolean;
  /** The message's header fields as submitted. */
  readonly fields: readonly HeaderField[];
}

function domainOf(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const parsed = parseAddress(address);
  return parsed.ok ? parsed.value.domain : undefined;
}

export class DkimSigner implements OutboundSigner {
  private readonly storage: Storage;
  private readonly poolHeader: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly keys = new Map<string, { at: number; keys: DkimSigningKey[] }>();

  constructor(storage: Storage, poolHeader: string, clock: Clock, logger: Logger) {
    this.storage = storage;
    this.poolHeader = poolHeader;
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

  /** The pool header read and removed, then signed when a domain of ours applies. */
  async sign(envelope: OutboundEnvelope, raw: Uint8Array, queueId: string): Promise<SignedMessage> {
    const fields = parseHeader(raw);
    // Only a submitting account may choose a pool; relayed mail's header is removed all the same.
    const requestedPool = envelope.accountId === null ? undefined : fieldValues(fields, this.poolHeader)[0]?.trim();
    const stripped = removeHeaderFields(raw, this.poolHeader);
    const author = domainOf(fieldValues(fields, 'From').flatMap(parseAddressList)[0]);
    for (const domain of [author, domainOf(envelope.sender || undefined)]) {
      if (domain === undefined) continue;
      const keys = await this.domainKeys(domain);
      if (keys.length === 0) continue;
      const report = await signMessageReport(stripped, keys, { time: new Date(this.clock.now()) });
      for (const error of report.errors) this.logger.warn({ queueId, domain, selector: error.selector, reason: error.message }, 'DKIM key not used');
      if (report.signed > 0) return { data: report.message, requestedPool, signed: true, fields };
    }
    return { data: stripped, requestedPool, signed: false, fields };
  }

  /**
   * Signing as the message is queued: the wire form when it could be signed, else undefined
   * (it is then prepared at delivery, where forwarded mail can get an ARC seal). A failure
   * here never refuses the message: delivery tries again.
   */
  async signForQueue(envelope: OutboundEnvelope, raw: Uint8Array, queueId: string): Promise<SignedForQueue | undefined> {
    try {
      const signed = await this.sign(envelope, raw, queueId);
      return signed.signed ? { data: signed.data, requestedPool: signed.requestedPool ?? null } : undefined;
    } catch (error) {
      this.logger.warn({ err: error, queueId }, 'signing at enqueue failed; the message is signed at delivery');
      return undefined;
    }
  }
}
