// Writes the value trees the MIME model produces (ENVELOPE, BODYSTRUCTURE: strings, numbers,
// NIL, literal octets and nested lists, RFC 9051 §4) into a response, with the session's
// string encoding (quoted, or a literal when needed).

import type { ImapValue } from '../../../mail/mime/mime.ts';
import type { ResponseBuilder } from '../wire/response-builder.ts';

export function writeValue(response: ResponseBuilder, value: ImapValue): void {
  if (value === null) {
    response.atom('NIL');
  } else if (typeof value === 'number') {
    response.number(value);
  } else if (typeof value === 'string') {
    response.string(value);
  } else if (value instanceof Uint8Array) {
    response.literal(value);
  } else {
    response.open();
    for (const item of value) writeValue(response, item);
    response.close();
  }
}
