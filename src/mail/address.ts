// Email addresses of accounts and aliases: syntax check and the one canonical form used as
// a storage key. Input is untrusted (CLI arguments, SMTP envelopes, login names).
//
// Standards: RFC 5321 §4.1.2 (Local-part, Dot-string, Domain), RFC 5322 §3.2.3 (atext),
// RFC 6531 §3.3 (UTF-8 local parts and U-labels), RFC 5890/5891 (IDNA: domains are stored as
// A-labels, lower case), RFC 5321 §4.5.3.1 (length limits).
//
// Canonical form: local part in Unicode NFC and lower case (Postwarden treats local parts
// case-insensitively, as every mainstream provider does; RFC 5321 §2.4 allows it for the
// receiving host), domain as lower-case A-labels without a trailing dot. Limits apply to the
// canonical form. Quoted local parts, IP literals and source routes are not valid account
// addresses, and neither are local parts with "%" or "!": deliberate deviation from RFC 5322
// atext, because those characters once meant relaying (RFC 5321 §3.6.1, the "percent hack").

import { domainToASCII, domainToUnicode } from 'node:url';
import { err, ok, type Result } from '../core/result.ts';

/** RFC 5321 §4.5.3.1.1: local part at most 64 octets. */
export const MAX_LOCAL_PART_OCTETS = 64;
/** RFC 1035 §2.3.4: a name is at most 255 octets on the wire, 253 characters as text. */
export const MAX_DOMAIN_OCTETS = 253;
/** RFC 5321 §4.5.3.1.3 (path of 256 octets, less the angle brackets). */
export const MAX_ADDRESS_OCTETS = 254;

export interface Address {
  /** Canonical local part (NFC, lower case). */
  readonly local: string;
  /** Canonical domain (A-labels, lower case). */
  readonly domain: string;
}

// RFC 5322 §3.2.3 atext less "%" and "!", plus non-ASCII characters (RFC 6531 §3.3
// UTF8-non-ascii) other than C1 controls and the Unicode line and paragraph separators.
const ATOM = /^[A-Za-z0-9#$&'*+\-/=?^_`{|}~\u00a0-\u2027\u202a-\u{10FFFF}]+$/u;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// What a domain may hold before IDNA conversion: letters, marks, digits, hyphens and dots.
// Anything else ("%" escapes among them, which the WHATWG converter would decode) is refused.
// The IDNA label separators U+3002, U+FF0E and U+FF61 count as dots (RFC 3490 §3.1).
const DOMAIN_INPUT = /^[\p{L}\p{M}\p{N}.\u3002\uff0e\uff61-]+$/u;

/** Domains normalized lately: a server sees the same few domains in every envelope. */
const MAX_REMEMBERED_DOMAINS = 1024;
const rememberedDomains = new Map<string, Result<string, string>>();

/** Canonical domain name, or an error message. Accepts U-labels and converts them. */
export function normalizeDomain(input: string): Result<string, string> {
  let result = rememberedDomains.get(input);
  if (result) return result;
  result = normalizeDomainOnce(input);
  // Inputs are untrusted: bounded, and forgotten all at once when full.
  if (rememberedDomains.size >= MAX_REMEMBERED_DOMAINS) rememberedDomains.clear();
  rememberedDomains.set(input, result);
  return result;
}

function normalizeDomainOnce(input: string): Result<string, string> {
  if (input.length === 0) return err('the domain is empty');
  if (input.endsWith('.')) return err('the domain ends with a dot');
  if (input.startsWith('[')) return err('an IP literal is not a mail domain here');
  if (!input.isWellFormed() || !DOMAIN_INPUT.test(input)) return err(`"${input}" is not a valid domain name`);
  const ascii = domainToASCII(input.normalize('NFC')).toLowerCase();
  if (ascii === '') return err(`"${input}" is not a valid domain name`);
  // Every A-label must decode to a U-label that encodes back to it (RFC 5891 §5.4).
  for (const label of ascii.split('.')) {
    if (!label.startsWith('xn--')) continue;
    const unicode = domainToUnicode(label);
    if (unicode === label || unicode.startsWith('xn--') || domainToASCII(unicode) !== label) {
      return err(`"${input}" has an invalid xn-- label`);
    }
  }
  if (Buffer.byteLength(ascii) > MAX_DOMAIN_OCTETS) return err(`the domain is longer than ${MAX_DOMAIN_OCTETS} characters`);
  const labels = ascii.split('.');
  if (labels.length < 1 || labels.some((label) => !LABEL.test(label))) {
    return err(`"${input}" is not a valid domain name`);
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return err(`"${input}" is not a valid domain name`);
  return ok(ascii);
}

/** Canonical local part (dot-string only), or an error message. */
export function normalizeLocalPart(input: string): Result<string, string> {
  if (input.length === 0) return err('the local part is empty');
  if (!input.isWellFormed()) return err(`"${input}" is not a valid local part`);
  const canonical = input.normalize('NFC').toLowerCase().normalize('NFC');
  if (Buffer.byteLength(canonical) > MAX_LOCAL_PART_OCTETS) return err('the local part is longer than 64 octets');
  // RFC 5321 §4.1.2 Dot-string = Atom *("." Atom): no leading, trailing or double dots.
  const atoms = canonical.split('.');
  if (atoms.some((atom) => !ATOM.test(atom))) return err(`"${input}" is not a valid local part`);
  return ok(canonical);
}

/** Parses `local@domain` into its canonical form. */
export function parseAddress(input: string): Result<Address, string> {
  const at = input.lastIndexOf('@');
  if (at <= 0 || at === input.length - 1) return err(`"${input}" is not an email address (expected local@domain)`);
  const local = normalizeLocalPart(input.slice(0, at));
  if (!local.ok) return local;
  const domain = normalizeDomain(input.slice(at + 1));
  if (!domain.ok) return domain;
  if (Buffer.byteLength(local.value) + 1 + Buffer.byteLength(domain.value) > MAX_ADDRESS_OCTETS) {
    return err('the address is longer than 254 octets');
  }
  return ok({ local: local.value, domain: domain.value });
}

export function formatAddress(address: Address): string {
  return `${address.local}@${address.domain}`;
}
