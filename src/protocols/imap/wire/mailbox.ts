// Arguments of the mailbox commands: SELECT/EXAMINE parameters (CONDSTORE, QRESYNC), CREATE with
// USE, STATUS items, APPEND and MULTIAPPEND messages, LSUB, and the QUOTA commands. Mailbox names
// stay in their wire form (modified UTF-7 or UTF-8, decoded by the server), except that any case
// of INBOX becomes "INBOX". Input it does not trust: the command octets read through the Cursor.
//
// Standards: RFC 9051 §6.3.2-6.3.12 and §9 (select, examine, create, delete, rename, subscribe,
// status, status-att, append), RFC 4466 §2.1-2.3 (select-params, create-params, append-opts),
// RFC 7162 §3.1.8 and §3.2.5 (CONDSTORE and QRESYNC select parameters, HIGHESTMODSEQ status),
// RFC 6154 §6 (CREATE USE), RFC 3502 §6.3.11 (MULTIAPPEND: 1*append-message), RFC 3516 §4.4
// (APPEND with literal8), RFC 3501 §6.3.9 (LSUB, RECENT), RFC 8438 (SIZE), RFC 7889 (APPENDLIMIT),
// RFC 8474 §4 (MAILBOXID), RFC 9208 §4.1-4.3 and §7 (GETQUOTA, GETQUOTAROOT, SETQUOTA; status
// DELETED and DELETED-STORAGE).

import { asciiUpper, BACKSLASH, DQUOTE, shown, SP } from './chars.ts';
import type { Cursor } from './cursor.ts';
import { parseDateTime } from './dates.ts';
import { parseSequenceSet } from './sequence.ts';
import type { AppendMessage, ImapCommand, QresyncParams, StatusItem } from './types.ts';

const OPEN = 0x28;
const CLOSE = 0x29;

const STATUS_ITEMS: ReadonlySet<string> = new Set<StatusItem>([
  'MESSAGES',
  'RECENT',
  'UIDNEXT',
  'UIDVALIDITY',
  'UNSEEN',
  'DELETED',
  'SIZE',
  'HIGHESTMODSEQ',
  'APPENDLIMIT',
  'MAILBOXID',
  'DELETED-STORAGE',
]);

// RFC 6154 §6 use-attr, canonical case by upper-cased name.
const USE_ATTRIBUTES: ReadonlyMap<string, string> = new Map(
  ['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash'].map((name) => [asciiUpper(name), name]),
);

type Command<N extends ImapCommand['name']> = Extract<ImapCommand, { name: N }>;

/** RFC 9051 §9 select / examine, with RFC 4466 select-params. */
export function parseSelect(c: Cursor, name: 'SELECT' | 'EXAMINE'): Command<'SELECT' | 'EXAMINE'> {
  c.sp();
  const mailbox = c.mailbox();
  let condstore = false;
  let qresync: QresyncParams | undefined;
  if (c.take(SP)) {
    c.expect(OPEN, '"(" to open the select parameters');
    do {
      const param = c.keyword('a select parameter');
      if (param === 'CONDSTORE' && !condstore) {
        condstore = true;
      } else if (param === 'QRESYNC' && qresync === undefined) {
        c.sp();
        qresync = parseQresync(c);
      } else {
        c.fail(`unknown or repeated select parameter ${shown(param)}`);
      }
    } while (c.take(SP));
    c.expect(CLOSE, '")" after the select parameters');
  }
  c.end();
  return qresync === undefined ? { name, mailbox, condstore } : { name, mailbox, condstore, qresync };
}

/** RFC 7162 §3.2.5: "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")". */
function parseQresync(c: Cursor): QresyncParams {
  const known = { star: false, saved: false };
  c.expect(OPEN, '"(" to open the QRESYNC parameters');
  const uidValidity = c.nzNumber();
  c.sp();
  const modSeq = c.nzNumber64();
  let params: QresyncParams = { uidValidity, modSeq };
  if (c.take(SP) && c.peek() !== OPEN) {
    params = { ...params, knownUids: parseSequenceSet(c, known) };
    if (!c.take(SP)) {
      c.expect(CLOSE, '")" after the QRESYNC parameters');
      return params;
    }
  }
  if (c.take(OPEN)) {
    const sequences = parseSequenceSet(c, known);
    c.sp();
    const uids = parseSequenceSet(c, known);
    c.expect(CLOSE, '")" after the sequence match data');
    params = { ...params, seqMatch: { sequences, uids } };
  }
  c.expect(CLOSE, '")" after the QRESYNC parameters');
  return params;
}

/** RFC 9051 §9 create, with the RFC 6154 USE create-param. */
export function parseCreate(c: Cursor): Command<'CREATE'> {
  c.sp();
  const mailbox = c.mailbox();
  const specialUse: string[] = [];
  let seenUse = false;
  if (c.take(SP)) {
    c.expect(OPEN, '"(" to open the create parameters');
    do {
      const param = c.keyword('a create parameter');
      if (param !== 'USE' || seenUse) c.fail(`unknown or repeated create parameter ${shown(param)}`);
      seenUse = true;
      c.sp();
      c.expect(OPEN, '"(" to open the USE list');
      if (!c.take(CLOSE)) {
        do specialUse.push(useAttribute(c));
        while (c.take(SP));
        c.expect(CLOSE, '")" after the special-use attributes');
      }
    } while (c.take(SP));
    c.expect(CLOSE, '")" after the create parameters');
  }
  c.end();
  return { name: 'CREATE', mailbox, specialUse };
}

function useAttribute(c: Cursor): string {
  c.expect(BACKSLASH, 'a special-use attribute such as \\Drafts');
  const name = `\\${c.atom('a special-use attribute')}`;
  return USE_ATTRIBUTES.get(asciiUpper(name)) ?? name; // use-attr-ext is kept: the server answers NO [USEATTR]
}

/** RFC 9051 §9 status-att list: "(" status-att *(SP status-att) ")". */
export function parseStatusItems(c: Cursor): StatusItem[] {
  c.expect(OPEN, '"(" to open the status items');
  const items: StatusItem[] = [];
  do {
    const item = c.keyword('a status item');
    if (!STATUS_ITEMS.has(item)) c.fail(`unknown status item ${shown(item)}`);
    if (!items.includes(item as StatusItem)) items.push(item as StatusItem);
  } while (c.take(SP));
  c.expect(CLOSE, '")" after the status items');
  return items;
}

/** RFC 9051 §9 status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")". */
export function parseStatus(c: Cursor): Command<'STATUS'> {
  c.sp();
  const mailbox = c.mailbox();
  c.sp();
  const items = parseStatusItems(c);
  c.end();
  return { name: 'STATUS', mailbox, items };
}

/**
 * RFC 3502 §6.3.11 append = "APPEND" SP mailbox 1*append-message; append-message =
 * [SP flag-list] [SP date-time] SP (literal / literal8).
 */
export function parseAppend(c: Cursor): Command<'APPEND'> {
  c.sp();
  const mailbox = c.mailbox();
  const messages: AppendMessage[] = [];
  do {
    c.sp();
    let flags: string[] = [];
    let date: string | undefined;
    if (c.peek() === OPEN) {
      flags = c.flagList();
      c.sp();
    }
    if (c.peek() === DQUOTE) {
      date = parseDateTime(c);
      c.sp();
    }
    if (!c.atLiteral()) c.fail('expected the message as a literal');
    const { data, binary } = c.literal(true);
    messages.push(date === undefined ? { flags, data, binary } : { flags, date, data, binary });
  } while (!c.atEnd());
  return { name: 'APPEND', mailbox, messages };
}

/** RFC 3501 §6.3.9 lsub = "LSUB" SP mailbox SP list-mailbox. */
export function parseLsub(c: Cursor): Command<'LSUB'> {
  c.sp();
  const reference = c.mailbox();
  c.sp();
  const pattern = c.listMailbox();
  c.end();
  return { name: 'LSUB', reference, pattern };
}

/**
 * RFC 9208 §4.3 setquota = "SETQUOTA" SP quota-root-name SP setquota-list; setquota-list =
 * "(" [setquota-resource *(SP setquota-resource)] ")"; resource names upper-cased.
 */
export function parseSetQuota(c: Cursor): Command<'SETQUOTA'> {
  c.sp();
  const root = c.astring('a quota root');
  c.sp();
  c.expect(OPEN, '"(" to open the resource limits');
  const limits = new Map<string, number>();
  if (!c.take(CLOSE)) {
    do {
      const resource = c.keyword('a resource name');
      if (limits.has(resource)) c.fail(`resource ${shown(resource)} given twice`);
      c.sp();
      limits.set(resource, c.number64());
    } while (c.take(SP));
    c.expect(CLOSE, '")" after the resource limits');
  }
  c.end();
  return { name: 'SETQUOTA', root, limits };
}
