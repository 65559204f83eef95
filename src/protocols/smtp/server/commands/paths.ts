// Envelope addresses from parsed SMTP paths. Local recipients are looked up in canonical form
// (mail/address.ts); remote addresses keep their local part exactly as sent (it is the
// destination's to interpret, RFC 5321 §2.4) with the domain in canonical A-label form.

import { formatAddress, normalizeDomain, parseAddress } from '../../../../mail/address.ts';
import type { ForwardPath, ReversePath } from '../../wire/path.ts';

type MailboxPath = Extract<ReversePath, { kind: 'mailbox' }>;

/** RFC 5321 §4.1.2 Quoted-string, when the local part needs it. */
function localPartText(path: MailboxPath): string {
  if (!path.quotedLocal) return path.local;
  return `"${path.local.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The address as it travels on: local part as sent, domain canonical (or the literal as sent). */
export function envelopeAddress(path: MailboxPath): string {
  if (path.domainLiteral) return `${localPartText(path)}@${path.domain}`;
  const domain = normalizeDomain(path.domain);
  return `${localPartText(path)}@${domain.ok ? domain.value : path.domain.toLowerCase()}`;
}

/** The canonical local form, or undefined when it is not an address we could hold. */
export function canonicalAddress(path: MailboxPath): string | undefined {
  if (path.domainLiteral || path.quotedLocal) return undefined;
  const parsed = parseAddress(`${path.local}@${path.domain}`);
  return parsed.ok ? formatAddress(parsed.value) : undefined;
}

/** The canonical domain of a path, or undefined for literals and invalid names. */
export function canonicalDomain(path: MailboxPath): string | undefined {
  if (path.domainLiteral) return undefined;
  const domain = normalizeDomain(path.domain);
  return domain.ok ? domain.value : undefined;
}

export function senderText(path: ReversePath): string {
  return path.kind === 'null' ? '' : envelopeAddress(path);
}

export type { ForwardPath, MailboxPath };
