// IMAP ENVELOPE (RFC 9051 §7.5.2): date, subject, from, sender, reply-to, to, cc, bcc,
// in-reply-to and message-id of a message's header, for the top-level message and for each
// embedded message/rfc822 part in BODYSTRUCTURE. Sender and Reply-To default to From; an empty
// or unparsable address field is NIL, repeated address fields add up; groups are a start entry (NIL NIL "name" NIL) and an end
// entry (NIL NIL NIL NIL). Header text is taken as written (encoded words stay encoded, as the
// RFC requires); when a text field occurs twice the last one counts, as in Dovecot. The header bytes
// are untrusted; nothing throws.

import { imapNText, imapText } from './bytes.ts';
import { parseAddresses, type ParsedAddress } from './address.ts';
import { fieldValue, headerFields } from './header-fields.ts';
import { forHumans, noLf, replaceNul } from './imap-strings.ts';
import type { ImapValue, MimeIndex, MimePart } from './types.ts';

export interface EnvelopeFields {
  date?: string;
  subject?: string;
  from?: ParsedAddress[];
  sender?: ParsedAddress[];
  replyTo?: ParsedAddress[];
  to?: ParsedAddress[];
  cc?: ParsedAddress[];
  bcc?: ParsedAddress[];
  inReplyTo?: string;
  messageId?: string;
}

type AddressKey = 'from' | 'sender' | 'replyTo' | 'to' | 'cc' | 'bcc';
type TextKey = 'date' | 'subject' | 'inReplyTo' | 'messageId';

const FIELDS = new Map<string, { kind: 'text'; key: TextKey } | { kind: 'address'; key: AddressKey }>([
  ['date', { kind: 'text', key: 'date' }],
  ['subject', { kind: 'text', key: 'subject' }],
  ['in-reply-to', { kind: 'text', key: 'inReplyTo' }],
  ['message-id', { kind: 'text', key: 'messageId' }],
  ['from', { kind: 'address', key: 'from' }],
  ['sender', { kind: 'address', key: 'sender' }],
  ['reply-to', { kind: 'address', key: 'replyTo' }],
  ['to', { kind: 'address', key: 'to' }],
  ['cc', { kind: 'address', key: 'cc' }],
  ['bcc', { kind: 'address', key: 'bcc' }],
]);

/** The envelope fields of the header of `part` (binary strings, addresses parsed). */
export function envelopeFields(raw: Uint8Array, part: MimePart): EnvelopeFields {
  const out: EnvelopeFields = {};
  for (const field of headerFields(raw, part.headerStart, part.bodyStart)) {
    if (!field.hasColon) continue;
    const known = FIELDS.get(field.name.toLowerCase());
    if (!known) continue;
    const value = fieldValue(raw, field);
    if (known.kind === 'text') {
      out[known.key] = replaceNul(value);
    } else {
      // Repeated address fields add up (Dovecot); text fields: the last one counts.
      const list = parseAddresses(value);
      if (list.length > 0) out[known.key] = [...(out[known.key] ?? []), ...list];
    }
  }
  return out;
}

function addressList(list: readonly ParsedAddress[] | undefined): ImapValue {
  if (!list || list.length === 0) return null;
  return list.map((address) => [
    address.name === undefined ? null : imapText(forHumans(replaceNul(address.name))),
    address.route === undefined ? null : imapText(noLf(address.route)),
    address.mailbox === undefined ? null : imapText(noLf(address.mailbox)),
    address.domain === undefined ? null : imapText(noLf(address.domain)),
  ]);
}

/** The ENVELOPE value of the header of `part`. */
export function envelopeOfPart(raw: Uint8Array, part: MimePart): ImapValue[] {
  const fields = envelopeFields(raw, part);
  const text = (value: string | undefined) => imapNText(value === undefined ? undefined : noLf(value));
  return [
    text(fields.date),
    fields.subject === undefined ? null : imapText(forHumans(fields.subject)),
    addressList(fields.from),
    addressList(fields.sender ?? fields.from),
    addressList(fields.replyTo ?? fields.from),
    addressList(fields.to),
    addressList(fields.cc),
    addressList(fields.bcc),
    text(fields.inReplyTo),
    text(fields.messageId),
  ];
}

/** FETCH ENVELOPE of the message (RFC 9051 §7.5.2). */
export function envelope(raw: Uint8Array, index: MimeIndex): ImapValue[] {
  return envelopeOfPart(raw, index.root);
}
