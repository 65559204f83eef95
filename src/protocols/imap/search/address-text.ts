// Address fields as text for FROM/TO/CC/BCC searches, and the address strings SORT orders by.
// Input: addresses parsed from an untrusted message (display names decoded, parts may be
// missing); never throws.
// Standards: RFC 9051 §6.4.4 (FROM etc.: the string is a substring of the field), RFC 9051
// §7.5.2 ENVELOPE group convention, RFC 5256 §3 (FROM/TO/CC sort on the addr-mailbox of the
// first address), RFC 5957 §2 (DISPLAYFROM/DISPLAYTO: the display name, else the addr-spec).
//
// Dovecot matches FROM/TO/CC/BCC against the field re-written from its parsed addresses
// (`Name <local@domain>`, groups as `group: a@b, c@d;`), so a comment-form name ("a@b (Name)")
// and a group name are found, and comments inside an addr-spec are not. imaptest
// search-addresses checks exactly this.

import type { AddressEntry } from './message.ts';

function addrSpec(entry: AddressEntry): string {
  const mailbox = entry.mailbox ?? '';
  return entry.host ? `${mailbox}@${entry.host}` : mailbox;
}

/** The field re-written from its addresses, as Dovecot's message_address_write does. */
export function addressText(entries: readonly AddressEntry[]): string {
  let out = '';
  let separator = '';
  for (const entry of entries) {
    if (entry.host === null) {
      if (entry.mailbox === null) {
        out += ';'; // end of group
      } else {
        out += `${separator}${entry.mailbox}: `; // start of group
        separator = '';
        continue;
      }
    } else {
      const spec = addrSpec(entry);
      out += separator + (entry.name ? `${entry.name} <${spec}>` : spec);
    }
    separator = ', ';
  }
  return out;
}

/** What ENVELOPE shows for a missing local part (see mail/mime/address.ts). */
const ENVELOPE_MISSING_MAILBOX = 'MISSING_MAILBOX';

/**
 * RFC 5256 §3: the addr-mailbox of the first address as ENVELOPE shows it ("" when the field has
 * no address), so `From: just a name` sorts as MISSING_MAILBOX, where Dovecot sorts it too.
 */
export function firstMailbox(entries: readonly AddressEntry[]): string {
  const first = entries[0];
  if (first === undefined) return '';
  if (first.mailbox === '' && first.host !== null) return ENVELOPE_MISSING_MAILBOX;
  return first.mailbox ?? '';
}

/**
 * RFC 5957 §2: the display name of the first address if it has one, else its addr-spec; for a
 * group, the group name (its ENVELOPE mailbox), as Dovecot sorts and imaptest sort-display-to
 * expects.
 */
export function firstDisplay(entries: readonly AddressEntry[]): string {
  const first = entries[0];
  if (first === undefined) return '';
  if (first.name) return first.name;
  if (first.mailbox === null) return '';
  return addrSpec(first);
}
