// FETCH BODYSTRUCTURE and BODY (RFC 9051 §7.5.2, RFC 3501 §7.4.2) from the part index: for a
// multipart, the children, the subtype and (extensible) parameters, disposition, language and
// location; for other parts, type, subtype, parameters, id, description, encoding, size in
// octets, then the line count for text/* and, for message/rfc822 and message/global, the
// embedded message's envelope, body structure and line count, and (extensible) md5, disposition,
// language and location. Defaults are the ones Dovecot answers: a part without Content-Type is
// "text" "plain" with ("charset" "us-ascii") (RFC 2045 §5.2), a text part without a charset
// parameter gets that charset, a missing encoding is "7bit", a multipart without parts is written
// as one empty text/plain part. Recursion is bounded by MAX_MIME_DEPTH.

import { imapNText, imapText } from './bytes.ts';
import { envelopeOfPart } from './envelope.ts';
import { noLf } from './imap-strings.ts';
import type { ImapValue, MimeIndex, MimeParam, MimePart } from './types.ts';

const DEFAULT_CHARSET: readonly ImapValue[] = ['charset', 'us-ascii'];

function paramList(params: readonly MimeParam[], defaultCharset: boolean): ImapValue {
  if (params.length === 0 && !defaultCharset) return null;
  const out: ImapValue[] = [];
  let charset = false;
  for (const [name, value] of params) {
    if (name.toLowerCase() === 'charset') charset = true;
    out.push(imapText(name), imapText(value));
  }
  if (defaultCharset && !charset) out.push(...DEFAULT_CHARSET);
  return out;
}

function nolfText(value: string | undefined): ImapValue {
  return imapNText(value === undefined ? undefined : noLf(value));
}

/** body-fld-dsp, body-fld-lang, body-fld-loc (RFC 9051 §9 body-ext-1part / body-ext-mpart). */
function extensionTail(part: MimePart): ImapValue[] {
  return [
    part.disposition ? [imapText(part.disposition.value), paramList(part.disposition.params, false)] : null,
    part.language ? part.language.map(imapText) : null,
    nolfText(part.location),
  ];
}

function emptyPart(extensible: boolean): ImapValue[] {
  const body: ImapValue[] = ['text', 'plain', [...DEFAULT_CHARSET], null, null, '7bit', 0, 0];
  return extensible ? [...body, null, null, null, null] : body;
}

function isContainerType(part: MimePart): boolean {
  const type = part.contentType?.type.toLowerCase();
  const subtype = part.contentType?.subtype.toLowerCase();
  return type === 'multipart' || (type === 'message' && (subtype === 'rfc822' || subtype === 'global'));
}

function structure(raw: Uint8Array, part: MimePart, extensible: boolean): ImapValue[] {
  if (part.kind === 'multipart') {
    const out: ImapValue[] = part.children.length > 0 ? part.children.map((child) => structure(raw, child, extensible)) : [emptyPart(extensible)];
    out.push(imapText(part.contentType?.subtype ?? ''));
    if (extensible) out.push(paramList(part.contentType?.params ?? [], false), ...extensionTail(part));
    return out;
  }
  let type: ImapValue;
  let subtype: ImapValue;
  let text = false;
  if (part.kind === 'message') {
    type = 'message';
    subtype = part.contentType?.subtype.toLowerCase() === 'global' ? 'global' : 'rfc822';
  } else if (!part.contentType) {
    type = 'text';
    subtype = 'plain';
    text = true;
  } else if (part.overflow && isContainerType(part)) {
    // A multipart or message cut off by MAX_MIME_DEPTH / MAX_MIME_PARTS is opaque data (Dovecot).
    type = 'application';
    subtype = 'octet-stream';
  } else {
    type = imapText(part.contentType.type);
    subtype = imapText(part.contentType.subtype);
    text = part.contentType.type.toLowerCase() === 'text';
  }
  const out: ImapValue[] = [
    type,
    subtype,
    paramList(part.contentType?.params ?? [], text),
    nolfText(part.id),
    nolfText(part.description),
    part.encoding === undefined ? '7bit' : imapText(part.encoding),
    part.bodyEnd - part.bodyStart,
  ];
  if (text) {
    out.push(part.bodyLines);
  } else if (part.kind === 'message') {
    const child = part.children[0];
    if (child) out.push(envelopeOfPart(raw, child), structure(raw, child, extensible), part.bodyLines);
  }
  if (extensible) out.push(nolfText(part.md5), ...extensionTail(part));
  return out;
}

/** BODYSTRUCTURE (extensible) or BODY (not extensible) of the message. */
export function bodyStructure(raw: Uint8Array, index: MimeIndex, options: { readonly extensible: boolean }): ImapValue[] {
  return structure(raw, index.root, options.extensible);
}
