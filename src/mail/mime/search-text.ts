// Message text for SEARCH and SORT (RFC 9051 §6.4.4, RFC 5256): header field values unfolded
// and with RFC 2047 encoded words decoded, addresses with decoded display names, the decoded
// Subject, and the text of the text/* and message/* leaves decoded by transfer encoding (RFC 2045 §6) and
// charset (RFC 2045 §5.1; HTML stays as it is). Message octets are untrusted; nothing throws;
// body text is bounded by MAX_BODY_TEXT_BYTES. Field names are compared case-insensitively and
// never used as object keys.

import { parseAddresses } from './address.ts';
import { decodedBodyText } from './binary.ts';
import { binaryBytes } from './bytes.ts';
import { decodeCharset, decodeUnlabeled } from './charset.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import { fieldValue, headerFields } from './header-fields.ts';
import { MAX_BODY_TEXT_BYTES } from './limits.ts';
import type { MimeIndex, MimePart } from './types.ts';

/** Raw (binary string) unfolded values of the fields named `name` in the header of `part`. */
function rawValues(raw: Uint8Array, part: MimePart, name: string): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (const field of headerFields(raw, part.headerStart, part.bodyStart)) {
    if (field.hasColon && field.name.toLowerCase() === lower) values.push(fieldValue(raw, field).replace(/\r?\n/g, ''));
  }
  return values;
}

/** Values of every top-level header field named `name`, unfolded and decoded (RFC 2047). */
export function headerValues(raw: Uint8Array, index: MimeIndex, name: string): string[] {
  return rawValues(raw, index.root, name).map(decodeEncodedWords);
}

/** The decoded Subject (the first one), or undefined; RFC 5256 base subject is the caller's. */
export function decodedSubject(raw: Uint8Array, index: MimeIndex): string | undefined {
  return headerValues(raw, index, 'subject')[0];
}

export interface DecodedAddress {
  /** Decoded display name, if any. */
  readonly name?: string;
  readonly mailbox: string;
  readonly domain: string;
  /** mailbox@domain (or the mailbox alone when there is no domain). */
  readonly address: string;
  /** The group the address is listed in, if any (RFC 5322 §3.4). */
  readonly group?: string;
}

/** The mailboxes of every top-level field named `name` (e.g. From, To), names decoded. */
export function decodedAddresses(raw: Uint8Array, index: MimeIndex, name: string): DecodedAddress[] {
  const out: DecodedAddress[] = [];
  for (const value of rawValues(raw, index.root, name)) {
    let group: string | undefined;
    for (const entry of parseAddresses(value, false)) {
      if (entry.domain === undefined) {
        group = entry.mailbox === undefined ? undefined : decodeEncodedWords(entry.mailbox);
        continue;
      }
      const mailbox = decodeEncodedWords(entry.mailbox ?? '');
      const domain = decodeEncodedWords(entry.domain);
      out.push({
        ...(entry.name !== undefined ? { name: decodeEncodedWords(entry.name) } : {}),
        mailbox,
        domain,
        address: domain ? `${mailbox}@${domain}` : mailbox,
        ...(group !== undefined ? { group } : {}),
      });
    }
  }
  return out;
}

export interface AddressEntry {
  readonly name: string | null;
  readonly mailbox: string | null;
  readonly host: string | null;
}

/**
 * The addresses of every top-level field named `name` in the ENVELOPE convention
 * (RFC 9051 §7.5.2): a group starts with (mailbox = group name, host = null) and ends with
 * (null, null); empty groups included. Names decoded (RFC 2047).
 */
export function addressEntries(raw: Uint8Array, index: MimeIndex, name: string): AddressEntry[] {
  const out: AddressEntry[] = [];
  for (const value of rawValues(raw, index.root, name)) {
    for (const entry of parseAddresses(value, false)) {
      if (entry.domain === undefined) {
        out.push({ name: null, mailbox: entry.mailbox === undefined ? null : decodeEncodedWords(entry.mailbox), host: null });
        continue;
      }
      out.push({
        name: entry.name === undefined ? null : decodeEncodedWords(entry.name),
        mailbox: decodeEncodedWords(entry.mailbox ?? ''),
        host: decodeEncodedWords(entry.domain),
      });
    }
  }
  return out;
}

function charsetOf(part: MimePart): string | undefined {
  for (const [name, value] of part.contentType?.params ?? []) if (name.toLowerCase() === 'charset') return value;
  return undefined;
}

/**
 * The top-level header as text for TEXT searches: each field as `Name: value`, unfolded, encoded
 * words decoded (RFC 3501 §6.4.4: MIME header strings are decoded before matching).
 */
export function headerText(raw: Uint8Array, index: MimeIndex): string {
  const lines: string[] = [];
  for (const field of headerFields(raw, index.root.headerStart, index.root.bodyStart)) {
    if (!field.hasColon) continue;
    lines.push(`${decodeUnlabeled(binaryBytes(field.name))}: ${decodeEncodedWords(fieldValue(raw, field).replace(/\r?\n/g, ''))}`);
  }
  return lines.join('\n');
}

/** A leaf whose body is searched: text/*, and message/* (delivery-status, or an embedded
 * message cut off by a bound), which RFC 9051 §6.4.4 does not let a server leave out. */
function searchedLeaf(part: MimePart): boolean {
  return part.kind === 'text' || part.contentType?.type.toLowerCase() === 'message';
}

/**
 * Text of every text/* and message/* leaf of the message (embedded messages included), decoded
 * by transfer encoding and charset, parts separated by a line break.
 */
export function bodyText(raw: Uint8Array, index: MimeIndex): string {
  const texts: string[] = [];
  let budget = MAX_BODY_TEXT_BYTES;
  const stack: MimePart[] = [index.root];
  while (stack.length > 0 && budget > 0) {
    const part = stack.pop() as MimePart;
    if (part.children.length > 0) {
      for (let i = part.children.length - 1; i >= 0; i--) stack.push(part.children[i] as MimePart);
      continue;
    }
    if (!searchedLeaf(part)) continue;
    let octets = decodedBodyText(raw, part);
    if (octets.length > budget) octets = octets.slice(0, budget);
    budget -= octets.length;
    texts.push(decodeCharset(binaryBytes(octets), charsetOf(part)));
  }
  return texts.join('\n');
}
