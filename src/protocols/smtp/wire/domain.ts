// Syntax of the domains and address literals that SMTP commands carry: the domain of a
// mailbox, of a source route, and the argument of EHLO and HELO. Syntax only: no DNS, no
// policy. Input it does not trust: every string handed in (client or server data); nothing
// here throws.
//
// Standards: RFC 5321 §4.1.2 (Domain, sub-domain, Let-dig, Ldh-str) and §4.1.3
// (address-literal: IPv4, IPv6 and General-address-literal), RFC 6531 §3.3 (sub-domain =/
// U-label), RFC 5890 §2.3.2.1 (U-label: converts to a valid A-label), RFC 1035 §2.3.4 (a label
// is at most 63 octets), RFC 5321 §4.5.3.1.2 (a domain is at most 255 octets).

import { domainToASCII } from 'node:url';
import { utf8Length } from './text.ts';

/** RFC 5321 §4.5.3.1.2: a domain name or number is at most 255 octets. */
export const MAX_DOMAIN_OCTETS = 255;
/** RFC 1035 §2.3.4: a label is at most 63 octets (for a U-label: its A-label). */
export const MAX_LABEL_OCTETS = 63;

export interface DomainOptions {
  /** Accept U-labels (RFC 6531 §3.3): only in an SMTPUTF8 transaction. */
  readonly utf8: boolean;
}

// RFC 5321 §4.1.2: sub-domain = Let-dig [Ldh-str]; Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig
const LDH_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
// What a U-label may hold before IDNA conversion: letters, marks, digits and hyphens.
const U_LABEL_INPUT = /^[\p{L}\p{M}\p{N}-]+$/u;

/** RFC 5321 §4.1.2 Domain (RFC 6531 §3.3 U-labels when `utf8`); no trailing dot. */
export function isDomain(text: string, options: DomainOptions): boolean {
  if (text === '' || utf8Length(text) > MAX_DOMAIN_OCTETS || !text.isWellFormed()) return false;
  for (const label of text.split('.')) {
    if (!isLabel(label, options.utf8)) return false;
  }
  return true;
}

function isLabel(label: string, utf8: boolean): boolean {
  if (/^[\x00-\x7f]*$/.test(label)) return label.length <= MAX_LABEL_OCTETS && LDH_LABEL.test(label);
  // RFC 6531 §3.3 / RFC 5890 §2.3.2.1: a U-label is a label with non-ASCII characters whose
  // IDNA conversion gives a valid A-label.
  if (!utf8 || !U_LABEL_INPUT.test(label) || label.startsWith('-') || label.endsWith('-')) return false;
  const aLabel = domainToASCII(label);
  return aLabel.startsWith('xn--') && !aLabel.includes('.') && aLabel.length <= MAX_LABEL_OCTETS && LDH_LABEL.test(aLabel);
}

export type AddressLiteralKind = 'ipv4' | 'ipv6' | 'general';

/**
 * RFC 5321 §4.1.3 address-literal, brackets included: "[192.0.2.1]", "[IPv6:2001:db8::1]",
 * or a General-address-literal "[tag:content]". Returns its kind, or undefined.
 */
export function addressLiteralKind(text: string): AddressLiteralKind | undefined {
  if (text.length < 3 || !text.startsWith('[') || !text.endsWith(']')) return undefined;
  const inner = text.slice(1, -1);
  if (isIPv4(inner)) return 'ipv4';
  const colon = inner.indexOf(':');
  if (colon <= 0) return undefined;
  const tag = inner.slice(0, colon);
  const content = inner.slice(colon + 1);
  // RFC 5321 §4.1.3: IPv6-address-literal = "IPv6:" IPv6-addr (ABNF strings are case-insensitive).
  if (tag.toLowerCase() === 'ipv6') return isIPv6(content) ? 'ipv6' : undefined;
  // General-address-literal = Standardized-tag ":" 1*dcontent; Standardized-tag = Ldh-str;
  // dcontent = %d33-90 / %d94-126.
  if (!/^[A-Za-z0-9-]*[A-Za-z0-9]$/.test(tag)) return undefined;
  return /^[\x21-\x5a\x5e-\x7e]+$/.test(content) ? 'general' : undefined;
}

/** RFC 5321 §4.1.3: IPv4-address-literal = Snum 3("." Snum), Snum = 1*3DIGIT, 0-255. */
export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((part) => /^[0-9]{1,3}$/.test(part) && Number(part) <= 255);
}

/**
 * RFC 5321 §4.1.3 IPv6-addr = IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp. As written
 * there, "::" stands for at least two groups: IPv6-comp holds at most 6 explicit groups and
 * IPv6v4-comp at most 4 (stricter than RFC 4291 §2.2, which RFC 5952 §4.2.2 agrees senders
 * should not need).
 */
export function isIPv6(text: string): boolean {
  if (text === '' || text.includes(':::')) return false;
  let body = text;
  let withIPv4 = false;
  const lastColon = text.lastIndexOf(':');
  if (lastColon === -1) return false;
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false;
    withIPv4 = true;
    body = text.slice(0, lastColon + 1);
    // Keep a "::" that ends the hex part; drop the single ":" that separates it from the IPv4.
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const double = body.indexOf('::');
  if (double !== body.lastIndexOf('::')) return false;
  if (double === -1) {
    const groups = body.split(':');
    return groups.length === (withIPv4 ? 6 : 8) && groups.every(isHexGroup);
  }
  const left = body.slice(0, double);
  const right = body.slice(double + 2);
  const groups = [...(left === '' ? [] : left.split(':')), ...(right === '' ? [] : right.split(':'))];
  return groups.length <= (withIPv4 ? 4 : 6) && groups.every(isHexGroup);
}

function isHexGroup(group: string): boolean {
  return /^[0-9A-Fa-f]{1,4}$/.test(group);
}
