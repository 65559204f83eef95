// Reads an imaptest scripted test (format: ../shared/imaptest/scripted_test.md), following
// imaptest's test-parser.c line by line: the header (capabilities, connections, messages,
// state, ignore_extra_untagged, "user N"), then command groups built from the three command
// methods (reply first; reply line after; "tagN" for pipelining), untagged expectations
// ("*" must, "!" must not, "?" may appear), `{{{ ... }}}` literal blocks (CRLF lines; `~{{{`
// binary blocks keep the file's bytes with LF), !ifenv/!ifnenv/!else/!endif, !sleep,
// !output and !ordered, the default list directives of FETCH, FLAGS, LIST/LSUB and STATUS,
// and the LOGOUT imaptest appends when a script has none. Input: trusted test fixtures read
// as bytes (latin1); a malformed script is an error naming the file and line.

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { argsToString, parseScriptArgs, type ImapArg } from './args.ts';
import { applyDirectives } from './directives.ts';

export type Existence = 'must' | 'mustNot' | 'may';
/** Startup states in order; "auth" means logged in with the test mailboxes deleted. */
export const STATES = ['nonauth', 'auth', 'created', 'appended', 'selected'] as const;
export type StartupState = (typeof STATES)[number];

export interface ExpectedUntagged {
  readonly args: readonly ImapArg[];
  readonly existence: Existence;
  /** The script text after "* ", for reports. */
  readonly text: string;
  readonly line: number;
}

export interface ScriptCommand {
  /** The N of "tagN", 0 without one. */
  readonly tag: number;
  readonly line: number;
  /** Command text as written (variables unexpanded, literal blocks as `{n}\r\n...`). */
  readonly command: string;
  /** Expected tagged reply (prefix match); set once the reply line has been read. */
  reply: readonly ImapArg[] | undefined;
}

export interface CommandGroup {
  /** 0-based connection index. */
  connection: number;
  readonly commands: ScriptCommand[];
  readonly untagged: ExpectedUntagged[];
  ordered: boolean;
  haveBye: boolean;
  sleepMs: number;
  readonly output: string[];
  repliesPending: number;
}

export interface ScriptTest {
  readonly name: string;
  readonly path: string;
  readonly mboxPath: string;
  /** Required capabilities; undefined for a base-protocol test. */
  capabilities: readonly string[] | undefined;
  connections: number;
  /** Messages appended at setup ("all": to the end of the mbox; a number wraps around). */
  messages: number | 'all';
  state: StartupState;
  ignoreExtraUntagged: boolean;
  /** "user N: name" headers (1-based N); "$user2" means the second configured user. */
  readonly users: Map<number, string>;
  requireUser2: boolean;
  readonly groups: CommandGroup[];
}

const MAX_CONNECTIONS = 100;
const REPLY_ANY: ImapArg[] = [{ type: 'atom', value: '' }];
const replyAtom = (value: string): ImapArg[] => [{ type: 'atom', value }];

class ScriptError extends Error {}

function parseHeader(test: ScriptTest, line: string): void {
  const colon = line.indexOf(':');
  if (colon < 0) throw new ScriptError("Missing ':'");
  const key = line.slice(0, colon).replace(/ +$/, '').toLowerCase();
  const value = line.slice(colon + 1).replace(/^ +/, '');
  if (key === 'capabilities') {
    test.capabilities = value.split(' ').filter((c) => c !== '');
  } else if (key === 'connections') {
    const count = Number.parseInt(value, 10) || 0;
    if (count === 0 || count > MAX_CONNECTIONS) throw new ScriptError('Too many connections');
    test.connections = count;
  } else if (key === 'ignore_extra_untagged') {
    test.ignoreExtraUntagged = value.startsWith('y');
  } else if (/^user \d+$/.test(key) && Number(key.slice(5)) > 0) {
    const index = Number(key.slice(5));
    if (index > MAX_CONNECTIONS) throw new ScriptError('Too many connections');
    if (value === '$user2' || value === '${user2}') test.requireUser2 = true;
    test.users.set(index, value);
  } else if (key === 'messages') {
    test.messages = value === 'all' ? 'all' : Number.parseInt(value, 10) || 0;
  } else if (key === 'state') {
    const state = STATES.find((s) => s === value.toLowerCase());
    if (!state) throw new ScriptError('Unknown state value');
    test.state = state;
  } else {
    throw new ScriptError('Unknown setting');
  }
}

/** "tagN" and OK/NO/BAD/"" at the start of `text` (test_get_cmd_reply). */
function cmdReply(text: string): { tag: number; reply: ImapArg[] | undefined; rest: string } {
  let rest = text;
  let tag = 0;
  let word = rest.split(' ')[0] ?? '';
  if (word.toLowerCase().startsWith('tag') && rest.includes(' ') && /^\d+$/.test(word.slice(3)) && Number(word.slice(3)) > 0) {
    tag = Number(word.slice(3));
    rest = rest.slice(rest.indexOf(' ') + 1);
    word = rest.split(' ')[0] ?? '';
  }
  const lower = word.toLowerCase();
  let reply: ImapArg[] | undefined;
  if (lower === 'ok' || lower === 'no' || lower === 'bad') reply = replyAtom(lower);
  else if (word === '""') reply = REPLY_ANY;
  if (reply) {
    rest = rest.slice(word.length);
    if (rest.startsWith(' ')) rest = rest.slice(1);
  }
  return { tag, reply, rest };
}

function untaggedKind(line: string): Existence | undefined {
  if (line.startsWith('* ')) return 'must';
  if (line.startsWith('! ')) return 'mustNot';
  if (line.startsWith('? ')) return 'may';
  return undefined;
}

class Parser {
  private group: CommandGroup | undefined;
  private skip = false;
  private readonly ifStack: { skip: boolean; elseSeen: boolean; line: number }[] = [];
  private readonly test: ScriptTest;
  private readonly env: NodeJS.ProcessEnv;
  constructor(test: ScriptTest, env: NodeJS.ProcessEnv) {
    this.test = test;
    this.env = env;
  }

  private addUntagged(group: CommandGroup, text: string, existence: Existence, line: number): void {
    const parsed = parseScriptArgs(text);
    if (typeof parsed === 'string') throw new ScriptError(parsed);
    const { args, replyName } = applyDirectives(parsed);
    if (replyName.slice(0, 3).toUpperCase() === 'BYE') {
      if (existence === 'must') group.haveBye = true;
      if (existence === 'may') throw new ScriptError('? BYE not currently supported');
    }
    group.untagged.push({ args, existence, text, line });
  }

  commandLine(line: string, lineno: number): void {
    const ifenv = /^!(ifenv|ifnenv) (.*)$/.exec(line);
    if (ifenv) {
      let missing = this.env[ifenv[2] ?? ''] === undefined;
      if (ifenv[1] === 'ifnenv') missing = !missing;
      this.ifStack.push({ skip: this.skip, elseSeen: false, line: lineno });
      if (missing) this.skip = true;
      return;
    }
    if (line === '!else' || line === '!endif') {
      const top = this.ifStack[this.ifStack.length - 1];
      if (!top) throw new ScriptError(`${line} without !ifenv`);
      if (line === '!endif') {
        this.skip = top.skip;
        this.ifStack.pop();
      } else {
        if (top.elseSeen) throw new ScriptError('!else already seen');
        top.elseSeen = true;
        if (!top.skip) this.skip = !this.skip;
      }
      return;
    }
    if (this.skip) return;
    const test = this.test;
    let group = this.group;
    if (group) {
      const sleep = /^!sleep (\d+)(ms|s|msecs|secs)?$/.exec(line);
      if (sleep) {
        group.sleepMs = Number(sleep[1]) * (sleep[2]?.startsWith('s') ? 1000 : sleep[2] ? 1 : 1000);
        return;
      }
      if (line.startsWith('!sleep ')) throw new ScriptError(`Invalid !sleep value ${line.slice(7)}`);
      if (line.startsWith('!output ')) {
        group.output.push(line.slice(8));
        return;
      }
      if (line === '!ordered') {
        group.ordered = true;
        return;
      }
      const existence = untaggedKind(line);
      if (existence) return this.addUntagged(group, line.slice(2), existence, lineno);
      if (group.repliesPending > 0) {
        let withoutConn = line;
        let replyConn = 0;
        const first = line.split(' ')[0] ?? '';
        if (test.connections > 1 && /^\d+$/.test(first) && Number(first) > 0) {
          replyConn = Number(first);
          withoutConn = line.includes(' ') ? line.slice(line.indexOf(' ') + 1) : '';
        }
        const { tag, reply } = cmdReply(withoutConn);
        if (reply) {
          if (test.connections > 1) {
            if (replyConn === 0) throw new ScriptError('Missing client index');
            if (replyConn - 1 !== group.connection) throw new ScriptError('Reply for wrong connection');
          }
          const cmd = group.commands.find((c) => c.tag === tag);
          if (!cmd) throw new ScriptError('Reply for unknown tag');
          if (cmd.reply) throw new ScriptError('Command already has a reply');
          const parsed = parseScriptArgs(withoutConn);
          if (typeof parsed === 'string') throw new ScriptError(parsed);
          cmd.reply = tag === 0 ? parsed : parsed.slice(1);
          group.repliesPending--;
          return;
        }
      }
    }
    if (!group || group.repliesPending === 0) {
      group = { connection: 0, commands: [], untagged: [], ordered: false, haveBye: false, sleepMs: 0, output: [], repliesPending: 0 };
      this.group = group;
      test.groups.push(group);
    }
    let text = line;
    if (test.connections > 1) {
      const first = text.split(' ')[0] ?? '';
      const conn = /^\d+$/.test(first) ? Number(first) : 0;
      if (conn === 0) throw new ScriptError('Missing client index');
      if (conn > MAX_CONNECTIONS) throw new ScriptError('Too many connections');
      if (group.commands.length > 0 && group.connection !== conn - 1) {
        throw new ScriptError('All pipelined commands must use the same connection');
      }
      group.connection = conn - 1;
      if (test.connections < conn) test.connections = conn;
      text = text.includes(' ') ? text.slice(text.indexOf(' ') + 1) : '';
    }
    const { tag, reply, rest } = cmdReply(text);
    if (tag === 0) {
      if (group.repliesPending > 0) throw new ScriptError('Missing reply from previous command group');
    } else if (group.commands.some((c) => c.tag === tag)) {
      throw new ScriptError('Tag reused within command group');
    }
    const existence = untaggedKind(rest);
    if (group.commands.length === 0 && existence) throw new ScriptError('banner checks are not supported by this runner');
    if (!reply) group.repliesPending++;
    group.commands.push({ tag, line: lineno, command: rest, reply });
  }

  finish(): void {
    const open = this.ifStack[0];
    if (open) throw new ScriptError(`!ifenv at line ${open.line} not closed with !endif`);
    const last = this.group;
    if (!last) throw new ScriptError('No commands in file');
    if (last.repliesPending > 0) {
      const cmd = last.commands.find((c) => !c.reply);
      throw new ScriptError(`Missing reply from previous command at line ${cmd?.line ?? 0}`);
    }
  }
}

/** Splits the script into logical lines, joining `{{{ ... }}}` blocks into literals. */
function* logicalLines(text: string): Generator<{ line: string; lineno: number; header: boolean }> {
  if (text.length > 0 && !text.endsWith('\n')) throw new ScriptError("Last line doesn't end with LF");
  const raw = text.split('\n');
  raw.pop();
  let header = true;
  let multiline = '';
  let startPos = 0;
  let lastLineEnd = 0;
  let binary = false;
  let continues = false;
  let startLine = 0;
  const openBlock = (prefix: string): void => {
    binary = prefix.endsWith('~');
    multiline += binary ? prefix.slice(0, -1) : prefix;
    startPos = multiline.length;
    lastLineEnd = multiline.length;
  };
  for (let n = 0; n < raw.length; n++) {
    let line = raw[n] ?? '';
    if (continues) {
      if (!line.startsWith('}}}')) {
        multiline += line;
        lastLineEnd = multiline.length;
        multiline += binary ? '\n' : '\r\n';
        continue;
      }
      multiline = multiline.slice(0, lastLineEnd);
      const size = multiline.length - startPos;
      multiline = `${multiline.slice(0, startPos)}${binary ? '~' : ''}{${size}}\r\n${multiline.slice(startPos)}`;
      const rest = line.slice(3);
      if (rest.endsWith('{{{')) {
        openBlock(rest.slice(0, -3));
        continue;
      }
      line = multiline + rest;
      continues = false;
    } else {
      startLine = n + 1;
      if (line.length === 0) {
        header = false;
        continue;
      }
      if (line.startsWith('#')) continue;
      if (line.endsWith('{{{')) {
        multiline = '';
        openBlock(line.slice(0, -3));
        continues = true;
        continue;
      }
    }
    yield { line, lineno: startLine, header };
  }
  if (continues) throw new ScriptError(`Multiline reply at line ${startLine} not ended`);
}

/** Reads one test script; `env` decides !ifenv blocks. */
export function readScript(path: string, env: NodeJS.ProcessEnv = {}): ScriptTest {
  const own = `${path}.mbox`;
  const test: ScriptTest = {
    name: basename(path),
    path,
    mboxPath: existsSync(own) ? own : join(dirname(path), 'default.mbox'),
    capabilities: undefined,
    connections: 1,
    messages: 'all',
    state: 'selected',
    ignoreExtraUntagged: true,
    users: new Map(),
    requireUser2: false,
    groups: [],
  };
  const parser = new Parser(test, env);
  let lineno = 0;
  try {
    for (const { line, lineno: n, header } of logicalLines(readFileSync(path, 'latin1'))) {
      lineno = n;
      if (header) parseHeader(test, line);
      else parser.commandLine(line, n);
    }
    parser.finish();
  } catch (error) {
    if (error instanceof ScriptError) throw new Error(`${path} line ${lineno}: ${error.message}`, { cause: error });
    throw error;
  }
  // imaptest adds a LOGOUT on the first connection unless the script logs out itself.
  const logsOut = test.groups.some((g) => g.commands.some((c) => c.command.toLowerCase() === 'logout' || g.haveBye));
  if (!logsOut) {
    test.groups.push({
      connection: 0,
      commands: [{ tag: 0, line: 0, command: 'logout', reply: replyAtom('ok') }],
      untagged: [],
      ordered: false,
      haveBye: false,
      sleepMs: 0,
      output: [],
      repliesPending: 0,
    });
  }
  return test;
}

/** The expected tagged reply of a command, for reports. */
export function replyText(cmd: ScriptCommand): string {
  return cmd.reply ? argsToString(cmd.reply) : '';
}
