// One framed IMAP command (its lines and literals, as the command reader delivers them) into a
// tagged command of types.ts, or the BAD/NO reply that refuses it. Pure; which commands are
// allowed in the current state, and which extensions were enabled, is the server's to check.
// Input it does not trust: every octet of the command. Never throws on input; error texts never
// echo more than a short, printable token of it.
//
// Standards: RFC 9051 §2.2.1 and §9 (command = tag SP command-name ...; tag; names
// case-insensitive, note 1), §6 (commands), RFC 3501 §6.4.1 (CHECK) and §6.3.9 (LSUB), RFC 9051
// §6.4.9 (UID prefix: FETCH, STORE, COPY, MOVE, SEARCH, EXPUNGE), RFC 4315 §2.1 (UID EXPUNGE),
// RFC 5256 (UID SORT, UID THREAD), RFC 6851 §3.1 (MOVE), RFC 3691 (UNSELECT), RFC 2342 (NAMESPACE),
// RFC 2177 (IDLE), RFC 9208 (QUOTA), RFC 4978 (COMPRESS), RFC 2971 (ID), RFC 5161 (ENABLE).
// Argument grammars live beside it: search.ts, sort.ts, fetch.ts, mailbox.ts, list.ts, session.ts.

import { err, ok, type Result } from '../../../core/result.ts';
import { ascii, asciiUpper, isAtomChar, isTagChar, shown, SP } from './chars.ts';
import { Cursor, Incomplete, ParseFailure, type CommandError, type CommandSegment } from './cursor.ts';
import { parseFetchItems, parseFetchModifiers, parseFlagUpdate, parseStoreModifiers } from './fetch.ts';
import { parseList } from './list.ts';
import { parseAppend, parseCreate, parseLsub, parseSelect, parseSetQuota, parseStatus } from './mailbox.ts';
import { parseSearchCriteria, parseSearchReturn } from './search.ts';
import { parseSequenceSet } from './sequence.ts';
import { parseAuthenticate, parseCompress, parseEnable, parseId, parseLogin } from './session.ts';
import { parseSort, parseThread } from './sort.ts';
import type { FetchModifiers, ImapCommand, StoreModifiers, TaggedCommand } from './types.ts';

export type { CommandError, CommandSegment, Literal } from './cursor.ts';

/** A refused command: the reply's tag (undefined when none could be read: answer "* BAD"). */
export interface CommandRefusal extends CommandError {
  readonly tag: string | undefined;
}

/** Commands without arguments (RFC 9051 §6.1.1-6.1.3, §6.2.1, §6.3.10, §6.3.13, §6.4.1-6.4.3). */
const BARE: ReadonlySet<string> = new Set(['CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'NAMESPACE', 'IDLE', 'CHECK', 'CLOSE', 'UNSELECT', 'EXPUNGE']);

/**
 * The tag at the start of a command line, if it is a valid one (RFC 9051 §9 tag). `whole`: false
 * when `text` is only the start of a line, so the tag must end within it.
 */
export function extractTag(text: Uint8Array, whole = true): string | undefined {
  let end = 0;
  while (end < text.length && isTagChar(text[end] ?? 0)) end++;
  if (end === 0 || (end < text.length ? text[end] !== SP : !whole)) return undefined;
  return ascii(text, 0, end);
}

/** Parses a complete command: every literal of `segments` has arrived. */
export function parseCommand(segments: readonly CommandSegment[]): Result<TaggedCommand, CommandRefusal> {
  const outcome = run(segments);
  if (outcome === 'incomplete') return err({ tag: extractTag(segments[0]?.text ?? new Uint8Array(0)), status: 'BAD', text: 'A literal is missing' });
  return outcome;
}

/**
 * Checks a command whose last segment announces a literal that has not arrived ('pending'):
 * the refusal to send instead of `+` if the command is already wrong, else undefined.
 */
export function checkCommandPrefix(segments: readonly CommandSegment[]): CommandRefusal | undefined {
  const outcome = run(segments);
  return outcome !== 'incomplete' && !outcome.ok ? outcome.error : undefined;
}

function run(segments: readonly CommandSegment[]): Result<TaggedCommand, CommandRefusal> | 'incomplete' {
  const first = segments[0]?.text ?? new Uint8Array(0);
  const tag = extractTag(first);
  const c = new Cursor(segments);
  try {
    if (tag === undefined) return c.fail('a command starts with a tag (RFC 9051 §2.2.1)');
    c.word(isTagChar);
    c.sp();
    const name = c.keyword('a command name');
    c.context = name;
    return ok({ tag, command: parseNamed(c, name) });
  } catch (error) {
    if (error instanceof Incomplete) return 'incomplete';
    if (error instanceof ParseFailure) return err({ tag, ...error.error });
    throw error;
  }
}

function parseNamed(c: Cursor, name: string): ImapCommand {
  if (BARE.has(name)) {
    c.end();
    return { name } as ImapCommand;
  }
  switch (name) {
    case 'ID':
      return parseId(c);
    case 'AUTHENTICATE':
      return parseAuthenticate(c);
    case 'LOGIN':
      return parseLogin(c);
    case 'ENABLE':
      return parseEnable(c);
    case 'SELECT':
    case 'EXAMINE':
      return parseSelect(c, name);
    case 'CREATE':
      return parseCreate(c);
    case 'DELETE':
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE': {
      c.sp();
      const mailbox = c.mailbox();
      c.end();
      return { name, mailbox };
    }
    case 'RENAME': {
      c.sp();
      const from = c.mailbox();
      c.sp();
      const to = c.mailbox();
      c.end();
      return { name, from, to };
    }
    case 'LIST':
      return parseList(c);
    case 'LSUB':
      return parseLsub(c);
    case 'STATUS':
      return parseStatus(c);
    case 'APPEND':
      return parseAppend(c);
    case 'GETQUOTA': {
      c.sp();
      const root = c.astring('a quota root');
      c.end();
      return { name, root };
    }
    case 'GETQUOTAROOT': {
      c.sp();
      const mailbox = c.mailbox();
      c.end();
      return { name, mailbox };
    }
    case 'SETQUOTA':
      return parseSetQuota(c);
    case 'COMPRESS':
      return parseCompress(c);
    case 'UID':
      return parseUid(c);
    default: {
      const command = parseMessageCommand(c, name, false);
      if (command !== undefined) return command;
      c.context = '';
      return c.fail(`unknown command ${shown(name)}`);
    }
  }
}

/** RFC 9051 §6.4.9 uid = "UID" SP (copy / move / fetch / search / store / uid-expunge), + SORT and THREAD. */
function parseUid(c: Cursor): ImapCommand {
  c.sp();
  const name = c.keyword('a command after UID');
  c.context = `UID ${name}`;
  if (name === 'EXPUNGE') {
    c.sp();
    const set = parseSequenceSet(c);
    c.end();
    return { name: 'UID EXPUNGE', set };
  }
  const command = parseMessageCommand(c, name, true);
  if (command !== undefined) return command;
  c.context = '';
  return c.fail(`UID ${shown(name)} is not a UID command`);
}

function parseMessageCommand(c: Cursor, name: string, uid: boolean): ImapCommand | undefined {
  switch (name) {
    case 'FETCH': {
      c.sp();
      const set = parseSequenceSet(c);
      c.sp();
      const items = parseFetchItems(c);
      let modifiers: FetchModifiers = {};
      if (c.take(SP)) modifiers = parseFetchModifiers(c, uid);
      c.end();
      return { name, uid, set, ...items, modifiers };
    }
    case 'STORE': {
      c.sp();
      const set = parseSequenceSet(c);
      c.sp();
      let modifiers: StoreModifiers = {};
      if (c.peek() === 0x28) {
        modifiers = parseStoreModifiers(c);
        c.sp();
      }
      const update = parseFlagUpdate(c);
      c.end();
      return { name, uid, set, ...update, modifiers };
    }
    case 'COPY':
    case 'MOVE': {
      c.sp();
      const set = parseSequenceSet(c);
      c.sp();
      const mailbox = c.mailbox();
      c.end();
      return { name, uid, set, mailbox };
    }
    case 'SEARCH': {
      // RFC 9051 §9 search = "SEARCH" [search-return-opts] SP search-program.
      c.sp();
      let returnOptions;
      if (asciiUpper(c.peekWord(isAtomChar)) === 'RETURN') {
        c.atom();
        returnOptions = parseSearchReturn(c);
        c.sp();
      }
      const criteria = parseSearchCriteria(c, false);
      const command = { name, uid, ...criteria } as const;
      return returnOptions === undefined ? command : { ...command, returnOptions };
    }
    case 'SORT':
      return parseSort(c, uid);
    case 'THREAD':
      return parseThread(c, uid);
    default:
      return undefined;
  }
}
