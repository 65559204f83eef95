// The client side imaptest keeps per connection (imap-client.c, commands.c): the tag
// counter, the capability list, the selected mailbox ("storage") and its view (one UID slot per
// message sequence number, grown by EXISTS and shrunk by EXPUNGE), and the protocol checks on
// which imaptest drops the connection (which fails the test): EXISTS going down, EXPUNGE of a
// sequence that does not exist, a FETCH that is not a list or whose UID changes, FLAGS that
// are not atoms or name an unknown system flag, an INTERNALDATE that does not parse or that
// changes for a UID, a Message-ID that changes for a UID, VANISHED without QRESYNC (imaptest's
// other state checks only log, so they are not repeated). Commands are written as imaptest
// writes them: a script literal `{n}` becomes `{n+}` when the server has LITERAL+, otherwise
// each literal waits for the "+" continuation. Input not trusted: server responses.

import { astringOf, atomOf, parseScriptArgs, type ImapArg } from './args.ts';
import type { Connection } from './connection.ts';

/** What imaptest remembers per mailbox and UID across connections (mailbox-state.c). */
export type MessageMemory = Map<string, { internalDate?: number; tz?: number; messageId?: string }>;

const SYSTEM_FLAGS = new Set(['\\ANSWERED', '\\FLAGGED', '\\DELETED', '\\SEEN', '\\DRAFT', '\\RECENT']);
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** imap_parse_datetime(): "dd-Mon-yyyy hh:mm:ss +zzzz" to an instant (s) and zone (minutes). */
export function parseImapDateTime(text: string): { time: number; tz: number } | undefined {
  const m = /^([ 0-9]?[0-9])-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([-+])([0-9]{2})([0-9]{2})$/.exec(text);
  if (!m) return undefined;
  const month = MONTHS.indexOf((m[2] ?? '').toUpperCase());
  if (month < 0) return undefined;
  const tz = (Number(m[8]) * 60 + Number(m[9])) * (m[7] === '-' ? -1 : 1);
  const local = Date.UTC(Number(m[3]), month, Number((m[1] ?? '').trim()), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
  return { time: local - tz * 60, tz };
}

/** FLAGS list checks (message_metadata_set_flags / mailbox_state_set_flags). */
function flagsProblem(list: ImapArg | undefined, what: string): string | undefined {
  if (list?.type !== 'list') return `${what} reply isn't a list`;
  for (const flag of list.items) {
    if (flag.type !== 'atom' && flag.type !== 'nil') return 'Flags list contains non-atoms.';
    if (flag.value.startsWith('\\') && !SYSTEM_FLAGS.has(flag.value.toUpperCase())) return `Invalid system flag: ${flag.value}`;
  }
  return undefined;
}

/** Text sent in parts: parts after the first wait for a continuation request. */
export type CommandParts = readonly string[];

/** imaptest's command_get_cmdline(): literal handling of a command line (without tag). */
export function commandParts(tag: string, cmdline: string, literalPlus: boolean): CommandParts {
  const parts: string[] = [];
  let current = `${tag} `;
  let rest = cmdline;
  for (let lf = rest.indexOf('\n'); lf >= 0; lf = rest.indexOf('\n')) {
    const line = rest.slice(0, lf + 1);
    const literal = / (~?)\{(\d*)(\+?)\}(\r?)\n$/.exec(line);
    if (!literal) {
      current += line;
      rest = rest.slice(lf + 1);
      continue;
    }
    const size = Number(literal[2] || '0');
    const head = line.slice(0, literal.index);
    const nonSync = literalPlus || literal[3] === '+';
    current += `${head} ${literal[1] ?? ''}{${size}${nonSync ? '+' : ''}}\r\n`;
    if (!nonSync) {
      parts.push(current);
      current = '';
    }
    rest = rest.slice(lf + 1);
    current += rest.slice(0, size);
    rest = rest.slice(size);
  }
  parts.push(`${current}${rest}\r\n`);
  return parts;
}

/** imaptest's quoting of a mailbox name (imap_append_string): quoted, or a literal. */
export function quoteAstring(value: string): string {
  if (/^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(value)) return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return `{${value.length}}\r\n${value}`;
}

export class ClientSession {
  capabilities: readonly string[] = [];
  /** The mailbox imaptest thinks is selected ("storage"); bare `append` appends to it. */
  storage: string;
  /** UID per sequence number (0: not known yet). */
  uids: number[] = [];
  qresync = false;
  logoutSent = false;
  seenBye = false;
  private tagCounter = 1;
  readonly conn: Connection;
  readonly index: number;
  private readonly memory: MessageMemory;

  constructor(conn: Connection, index: number, mailbox: string, memory: MessageMemory) {
    this.conn = conn;
    this.index = index;
    this.storage = mailbox;
    this.memory = memory;
  }

  get literalPlus(): boolean {
    return this.capabilities.some((c) => c.toUpperCase() === 'LITERAL+');
  }

  nextTag(): string {
    return `${this.index + 1}.${this.tagCounter++}`;
  }

  setCapabilities(text: string): void {
    this.capabilities = text.split(' ').filter((c) => c !== '');
  }

  /**
   * Bookkeeping before a command is sent (commands.c): SELECT/EXAMINE of another mailbox
   * switch the storage and start a new view; DELETE/RENAME forget the mailbox's messages.
   */
  beforeSend(cmdline: string): void {
    const match = /^(select|examine|delete|rename) (.*)$/is.exec(cmdline);
    if (!match) return;
    const args = parseScriptArgs(match[2] ?? '');
    const name = typeof args === 'string' ? undefined : astringOf(args[0]);
    if (name === undefined) return;
    if ((match[1] ?? '').toLowerCase().startsWith('select') || (match[1] ?? '').toLowerCase() === 'examine') {
      if (name !== this.storage) {
        this.storage = name;
        this.uids = [];
      }
      return;
    }
    for (const key of this.memory.keys()) if (key.startsWith(`${name}\0`)) this.memory.delete(key);
  }

  /**
   * imap_client_handle_untagged(): updates the view; returns the reason imaptest would
   * disconnect, if any.
   */
  track(args: readonly ImapArg[]): string | undefined {
    const first = atomOf(args[0]);
    if (first === undefined) return 'Invalid untagged input';
    const name = first.toUpperCase();
    if (/^[0-9]+$/.test(name)) {
      const num = Number(name);
      const what = atomOf(args[1])?.toUpperCase();
      if (what === undefined) return 'Invalid untagged input';
      if (what === 'EXISTS') {
        if (num < this.uids.length) {
          const old = this.uids.length;
          this.uids.length = num;
          return `Message count dropped ${old} -> ${num}`;
        }
        while (this.uids.length < num) this.uids.push(0);
      }
      if (num > this.uids.length) return undefined; // "seq too high": a warning only
      if (what === 'EXPUNGE') {
        if (num === 0) return 'Tried to expunge sequence 0';
        this.uids.splice(num - 1, 1);
      } else if (what === 'FETCH') {
        return this.trackFetch(num, args[2]);
      }
      return undefined;
    }
    if (name === 'BYE') {
      this.seenBye = true;
    } else if (name === 'FLAGS') {
      if (flagsProblem(args[1], 'FLAGS')) return 'Broken FLAGS';
    } else if (name === 'CAPABILITY') {
      this.capabilities = args.slice(1).flatMap((a) => (a.type === 'atom' ? [a.value] : []));
    } else if (name === 'ENABLED') {
      if (args.slice(1).some((a) => atomOf(a)?.toUpperCase() === 'QRESYNC')) this.qresync = true;
    } else if (name === 'VANISHED') {
      if (!this.qresync) return "Server sent VANISHED but we hadn't enabled QRESYNC";
    } else if (name === 'OK') {
      const code = atomOf(args[1]);
      if (code?.toUpperCase() === '[CAPABILITY') {
        const caps: string[] = [];
        for (const arg of args.slice(2)) {
          const value = atomOf(arg);
          if (value === undefined) break;
          if (value.endsWith(']')) {
            if (value.length > 1) caps.push(value.slice(0, -1));
            break;
          }
          caps.push(value);
        }
        this.capabilities = caps;
      }
    }
    return undefined;
  }

  /** mailbox_state_handle_fetch(): the checks whose failure makes imaptest disconnect. */
  private trackFetch(seq: number, list: ImapArg | undefined): string | undefined {
    if (list?.type !== 'list') return "FETCH didn't return a list";
    const items = list.items;
    const value = (name: string): ImapArg | undefined => {
      for (let i = 0; i + 1 < items.length; i += 2) if (atomOf(items[i])?.toUpperCase() === name) return items[i + 1];
      return undefined;
    };
    let uid = this.uids[seq - 1] ?? 0;
    const uidAtom = atomOf(value('UID'));
    if (uidAtom !== undefined) {
      const given = Number.parseInt(uidAtom, 10) || 0;
      this.uids[seq - 1] = given;
      if (uid !== 0 && uid !== given) return `UID changed for sequence ${seq}: ${uid} -> ${given}`;
      uid = given;
    }
    const remembered = uid === 0 ? undefined : (this.memory.get(`${this.storage}\0${uid}`) ?? {});
    if (remembered) this.memory.set(`${this.storage}\0${uid}`, remembered);
    const envelope = value('ENVELOPE');
    if (remembered && envelope?.type === 'list') {
      const id = envelope.items[9];
      if (id?.type === 'string' && !id.literal) {
        if (remembered.messageId !== undefined && remembered.messageId !== id.value) {
          return `UID ${uid} changed Message-Id: ${remembered.messageId} -> ${id.value}`;
        }
        remembered.messageId = id.value;
      }
    }
    for (let i = 0; i + 1 < items.length; i += 2) {
      const name = atomOf(items[i])?.toUpperCase();
      const item = items[i + 1];
      if (name === 'FLAGS') {
        const problem = flagsProblem(item, 'FLAGS');
        if (problem) return problem;
      } else if (name === 'INTERNALDATE' && remembered) {
        const text = astringOf(item);
        if (text === undefined) continue;
        const date = parseImapDateTime(text);
        if (!date) return 'Broken INTERNALDATE';
        if (date.time === 0) continue;
        if (remembered.internalDate === undefined) {
          remembered.internalDate = date.time;
          remembered.tz = date.tz;
        } else if (remembered.internalDate !== date.time || remembered.tz !== date.tz) {
          return `UID=${uid} INTERNALDATE changed ${remembered.internalDate}+${remembered.tz ?? 0} -> ${date.time}+${date.tz}`;
        }
      }
    }
    return undefined;
  }
}
