// SORT and THREAD arguments: sort criteria, the threading algorithm, then a charset and search
// keys (through search.ts), and ESORT return options. Input it does not trust: the command
// octets read through the Cursor.
//
// Standards: RFC 5256 §3 and §5 (sort-criteria, sort-criterion with REVERSE, sort-key, thread-alg,
// search-criteria = charset 1*(SP search-key)), RFC 5267 §3.2 (ESORT: SORT RETURN (...)),
// RFC 5957 §3 (DISPLAYFROM, DISPLAYTO), RFC 9394 §3.1 (PARTIAL with SORT).

import { shown, SP } from './chars.ts';
import type { Cursor } from './cursor.ts';
import { parseSearchCriteria, parseSearchReturn } from './search.ts';
import type { ImapCommand, SortCriterion, SortKey } from './types.ts';

type Command<N extends ImapCommand['name']> = Extract<ImapCommand, { name: N }>;

const SORT_KEYS: ReadonlySet<string> = new Set<SortKey>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

/** RFC 5256 §5 sort = ["UID" SP] "SORT" [search-return-opts] SP sort-criteria SP search-criteria. */
export function parseSort(c: Cursor, uid: boolean): Command<'SORT'> {
  c.sp();
  let returnOptions;
  if (c.peek() !== 0x28) {
    if (c.keyword('sort criteria') !== 'RETURN') c.fail('expected RETURN or the sort criteria');
    returnOptions = parseSearchReturn(c);
    c.sp();
  }
  const criteria = parseSortCriteria(c);
  c.sp();
  const { charset = 'US-ASCII', key } = parseSearchCriteria(c, true);
  const command = { name: 'SORT', uid, criteria, charset, key } as const;
  return returnOptions === undefined ? command : { ...command, returnOptions };
}

/** RFC 5256 §5 sort-criteria = "(" sort-criterion *(SP sort-criterion) ")". */
function parseSortCriteria(c: Cursor): SortCriterion[] {
  c.expect(0x28, '"(" to open the sort criteria');
  const criteria: SortCriterion[] = [];
  do {
    let key = c.keyword('a sort key');
    const reverse = key === 'REVERSE';
    if (reverse) {
      c.sp();
      key = c.keyword('a sort key after REVERSE');
    }
    if (!SORT_KEYS.has(key)) c.fail(`unknown sort key ${shown(key)}`);
    criteria.push({ key: key as SortKey, reverse });
  } while (c.take(SP));
  c.expect(0x29, '")" after the sort criteria');
  return criteria;
}

/** RFC 5256 §5 thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria. */
export function parseThread(c: Cursor, uid: boolean): Command<'THREAD'> {
  c.sp();
  const algorithm = c.keyword('a threading algorithm');
  if (algorithm !== 'ORDEREDSUBJECT' && algorithm !== 'REFERENCES') c.fail(`unsupported threading algorithm ${shown(algorithm)}`);
  c.sp();
  const { charset = 'US-ASCII', key } = parseSearchCriteria(c, true);
  return { name: 'THREAD', uid, algorithm, charset, key };
}
