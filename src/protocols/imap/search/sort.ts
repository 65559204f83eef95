// SORT: orders messages by the client's criteria.
// Input: criteria from the parser and message views with untrusted headers (any subjects,
// addresses, dates); never throws.
// Standards: RFC 5256 §3 (criteria: ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT, TO, REVERSE; ties in
// mailbox order), RFC 5256 §2.1 (base subject), §2.2 (sent date, else internal date), RFC 5957
// §2 (DISPLAYFROM, DISPLAYTO), RFC 5255 §4.1 via RFC 5256 §1 (strings compared with
// i;unicode-casemap, see collate.ts).
//
// REVERSE reverses its own criterion only; messages equal on every criterion stay in sequence
// order (imaptest sort-arrival: `(REVERSE ARRIVAL)` gives 2 4 5 3 1, not 5 4 2 3 1).

import type { SortCriterion, SortKey } from '../wire/types.ts';
import { firstDisplay, firstMailbox } from './address-text.ts';
import { baseSubject } from './base-subject.ts';
import { compareCodePoints, unicodeCasemap } from './collate.ts';
import { epochSeconds, sortDateSeconds } from './dates.ts';
import type { SearchableMessage } from './message.ts';

type SortValue = number | string;

/** The value `message` sorts by for `key` (strings already folded). */
export function sortValue(message: SearchableMessage, key: SortKey): SortValue {
  switch (key) {
    case 'ARRIVAL': // RFC 5256 §3: internal date and time
      return epochSeconds(message.internalDate);
    case 'DATE':
      return sortDateSeconds(message);
    case 'SIZE':
      return message.size;
    case 'FROM':
      return unicodeCasemap(firstMailbox(message.addresses('from')));
    case 'TO':
      return unicodeCasemap(firstMailbox(message.addresses('to')));
    case 'CC':
      return unicodeCasemap(firstMailbox(message.addresses('cc')));
    case 'SUBJECT':
      return unicodeCasemap(baseSubject(message.header('subject')[0] ?? '').subject);
    case 'DISPLAYFROM':
      return unicodeCasemap(firstDisplay(message.addresses('from')));
    case 'DISPLAYTO':
      return unicodeCasemap(firstDisplay(message.addresses('to')));
    default: {
      const unknown: never = key;
      void unknown;
      return 0;
    }
  }
}

function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return compareCodePoints(String(a), String(b));
}

/** RFC 5256 §3: `messages` ordered by `criteria`, ties in sequence order. A new array. */
export function sortMessages(messages: readonly SearchableMessage[], criteria: readonly SortCriterion[]): SearchableMessage[] {
  // Each value is computed once per message and criterion (subjects and addresses are parsed).
  const rows = messages.map((message) => ({ message, values: criteria.map((c) => sortValue(message, c.key)) }));
  rows.sort((x, y) => {
    for (let i = 0; i < criteria.length; i++) {
      const order = compareValues(x.values[i] ?? 0, y.values[i] ?? 0);
      if (order !== 0) return criteria[i]?.reverse ? -order : order;
    }
    return x.message.seq - y.message.seq;
  });
  return rows.map((row) => row.message);
}
