// ARC sealing of mail we forward (RFC 8617): before a message received from elsewhere goes out
// again (an alias or a forwarding rule), we record what we found when it arrived (SPF, DKIM,
// DMARC and the ARC chain so far) in an ARC-Authentication-Results field, sign the message
// (ARC-Message-Signature) and seal the chain (ARC-Seal), so the next hop can trust our results
// even though forwarding breaks SPF and may break DKIM. A thin wrapper over mailauth:
// authenticate() computes the results and validates the incoming chain, createSeal() adds the
// set. DNS goes through an injected resolver (tests use a fake one).
//
// Input it does not trust: the message (any octets, possibly carrying a forged or broken ARC
// chain) and the SMTP facts given with it. Nothing throws on input: failures come back as
// errors in the outcome, with the message unsealed.
//
// Standards: RFC 8617 §4.1 (the three header fields of an ARC set), §4.2.1 (instances 1 to 50),
// §5.1 (sealing: cv=none for the first set, the validation result for later ones, no new set on
// a chain whose newest seal says cv=fail), §5.2 (validation), RFC 8601 §2.5 (the authserv-id),
// RFC 6376 §3.3.1 (rsa-sha256) and §3.4.2 (relaxed canonicalization).

import { authenticate, createSeal, type DNSResolver } from 'mailauth';
import { toCrlf } from '../mail/line-endings.ts';

/**
 * mailauth's resolver: TXT answers as arrays of character-strings; a name with no record
 * rejects with an error whose code is 'ENOTFOUND' or 'ENODATA' (as node:dns does).
 */
export type DnsResolver = DNSResolver;

export interface ArcSealKey {
  /** The d= domain of the seal (ours). */
  readonly domain: string;
  readonly selector: string;
  /**
   * RSA only: mailauth could seal with Ed25519, but validators such as dkimpy know ARC sets
   * only as rsa-sha256, and a set the next hop cannot verify fails the whole chain. Seal with
   * the domain's RSA DKIM key.
   */
  readonly algorithm: 'rsa-sha256';
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
}

export interface ArcSealInput {
  /** The message as we received it (line ends are made CRLF, as it will be sent). */
  readonly message: Uint8Array;
  readonly key: ArcSealKey;
  /** Our hostname: the authserv-id of the results (RFC 8601 §2.5). */
  readonly authservId: string;
  readonly resolver: DnsResolver;
  /** The SMTP client's address when the message arrived (for SPF). */
  readonly ip?: string;
  /** Its EHLO name. */
  readonly helo?: string;
  /** Its MAIL FROM ("" for the null sender). */
  readonly sender?: string;
  /** The seal's t= time; default now. */
  readonly time?: Date;
}

export interface ArcSealOutcome {
  /** The message to send: the new ARC set in front when sealed, else the message unchanged. */
  readonly message: Uint8Array;
  readonly sealed: boolean;
  /** The i= of the new set, when sealed. */
  readonly instance?: number;
  /** Validation of the incoming chain (RFC 8617 §5.2): none, pass, fail, or a DNS error result. */
  readonly chain: string;
  /** The Authentication-Results value we computed (authserv-id first), for our own header. */
  readonly authResults: string;
  readonly errors: readonly string[];
}

function describe(error: unknown): string {
  return error instanceof Error ? `${(error as Error & { code?: string }).code ?? 'error'}: ${error.message}` : String(error);
}

/** RFC 8617 §5.1: authenticates the message as received and adds our ARC set. */
export async function arcSeal(input: ArcSealInput): Promise<ArcSealOutcome> {
  const message = Buffer.from(toCrlf(input.message, true));
  const unsealed = (chain: string, authResults: string, errors: string[]): ArcSealOutcome => ({ message, sealed: false, chain, authResults, errors });
  let authResults = '';
  let chain = 'none';
  try {
    const auth = await authenticate(message, {
      mta: input.authservId,
      resolver: input.resolver,
      ...(input.ip !== undefined ? { ip: input.ip } : {}),
      ...(input.helo !== undefined ? { helo: input.helo } : {}),
      ...(input.sender !== undefined ? { sender: input.sender } : {}),
      disableBimi: true,
    });
    if (!auth.arc) return unsealed(chain, authResults, ['ARC validation did not run']);
    chain = auth.arc.status.result;
    authResults = auth.arc.authResults ?? '';
    // RFC 8617 §5.1.1: seal a chain that validated (or none); a failed one gets cv=fail once.
    const cv = chain === 'none' || chain === 'pass' ? chain : chain === 'fail' && auth.arc.status.shouldSeal === true ? 'fail' : undefined;
    if (cv === undefined) return unsealed(chain, authResults, [`the incoming ARC chain is "${chain}": not sealed`]);
    const seal = await createSeal(message, {
      seal: {
        signingDomain: input.key.domain,
        selector: input.key.selector,
        privateKey: input.key.privateKeyPem,
        algorithm: input.key.algorithm,
        cv,
        authResults,
        signTime: input.time ?? new Date(),
      },
    });
    if (seal.headers.length === 0) return unsealed(chain, authResults, seal.errors.map((e) => describe(e.err)));
    const set = Buffer.from(`${seal.headers.join('\r\n')}\r\n`, 'utf8');
    const instance = /^ARC-Seal:\s*i=([0-9]+)/im.exec(seal.headers.join('\r\n'))?.[1];
    return {
      message: new Uint8Array(Buffer.concat([set, message])),
      sealed: true,
      ...(instance !== undefined ? { instance: Number(instance) } : {}),
      chain,
      authResults,
      errors: seal.errors.map((e) => describe(e.err)),
    };
  } catch (error) {
    // mailauth rejects on what it cannot handle (a resolver that throws oddly, a broken key).
    return unsealed(chain, authResults, [describe(error)]);
  }
}
