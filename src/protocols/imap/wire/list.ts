// LIST arguments, basic and extended: selection options, the reference, one pattern or several in
// parentheses, and return options (with STATUS items). Options are returned as sent; the implied
// ones (SUBSCRIBED and SPECIAL-USE selection imply the return option of the same name) are the
// server's to apply. Input it does not trust: the command octets read through the Cursor.
//
// Standards: RFC 9051 §6.3.9 and §9 (list, list-select-opts, mbox-or-pat, patterns,
// list-return-opts), RFC 5258 §3 and §6 (LIST-EXTENDED: RECURSIVEMATCH needs a base option;
// unknown options are BAD), RFC 6154 §6 (SPECIAL-USE: an independent selection option and a
// return option), RFC 5819 §2 (LIST-STATUS: RETURN (STATUS (...))).

import { shown, SP } from './chars.ts';
import type { Cursor } from './cursor.ts';
import { parseStatusItems } from './mailbox.ts';
import type { ImapCommand, ListOptions, StatusItem } from './types.ts';

const OPEN = 0x28;
const CLOSE = 0x29;

type SelectOption = ListOptions['select'][number];
type ReturnOption = ListOptions['return'][number];

const SELECT_OPTIONS: ReadonlySet<string> = new Set<SelectOption>(['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE']);
const RETURN_OPTIONS: ReadonlySet<string> = new Set<ReturnOption>(['SUBSCRIBED', 'CHILDREN', 'SPECIAL-USE']);

/** RFC 9051 §9 list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]. */
export function parseList(c: Cursor): Extract<ImapCommand, { name: 'LIST' }> {
  c.sp();
  let select: SelectOption[] = [];
  if (c.peek() === OPEN) {
    select = parseSelectOptions(c);
    c.sp();
  }
  const reference = c.mailbox();
  c.sp();
  const patterns: string[] = [];
  if (c.take(OPEN)) {
    // RFC 5258 §3 patterns = "(" list-mailbox *(SP list-mailbox) ")".
    do patterns.push(c.listMailbox());
    while (c.take(SP));
    c.expect(CLOSE, '")" after the patterns');
  } else {
    patterns.push(c.listMailbox());
  }
  let returned: ReturnOption[] = [];
  let status: StatusItem[] | undefined;
  if (c.take(SP)) {
    if (c.keyword('RETURN') !== 'RETURN') c.fail('expected RETURN after the patterns');
    c.sp();
    ({ returned, status } = parseReturnOptions(c));
  }
  c.end();
  const options: ListOptions = status === undefined ? { select, return: returned } : { select, return: returned, status };
  return { name: 'LIST', reference, patterns, options };
}

/** RFC 9051 §9 list-select-opts: any order; RECURSIVEMATCH needs SUBSCRIBED (the base option). */
function parseSelectOptions(c: Cursor): SelectOption[] {
  c.expect(OPEN, '"(" to open the selection options');
  const options: SelectOption[] = [];
  if (!c.take(CLOSE)) {
    do {
      const option = c.keyword('a selection option');
      if (!SELECT_OPTIONS.has(option)) c.fail(`unknown selection option ${shown(option)}`);
      if (!options.includes(option as SelectOption)) options.push(option as SelectOption);
    } while (c.take(SP));
    c.expect(CLOSE, '")" after the selection options');
  }
  if (options.includes('RECURSIVEMATCH') && !options.includes('SUBSCRIBED')) {
    c.fail('RECURSIVEMATCH needs the SUBSCRIBED selection option (RFC 5258 §3)');
  }
  return options;
}

/** RFC 9051 §9 list-return-opts after "RETURN" SP: "(" [return-option *(SP return-option)] ")". */
function parseReturnOptions(c: Cursor): { returned: ReturnOption[]; status: StatusItem[] | undefined } {
  c.expect(OPEN, '"(" to open the return options');
  const returned: ReturnOption[] = [];
  let status: StatusItem[] | undefined;
  if (!c.take(CLOSE)) {
    do {
      const option = c.keyword('a return option');
      if (option === 'STATUS' && status === undefined) {
        c.sp();
        status = parseStatusItems(c); // RFC 5819 §2 status-option
      } else if (RETURN_OPTIONS.has(option)) {
        if (!returned.includes(option as ReturnOption)) returned.push(option as ReturnOption);
      } else {
        c.fail(`unknown or repeated return option ${shown(option)}`);
      }
    } while (c.take(SP));
    c.expect(CLOSE, '")" after the return options');
  }
  return { returned, status };
}
