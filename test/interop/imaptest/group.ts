// Runs one command group of an imaptest script on its connection (test-exec.c:
// test_send_next_command_group, test_handle_untagged_match, test_cmd_callback,
// test_group_check_missing_untagged): expands the commands' variables, sends them pipelined,
// matches every untagged reply that arrives on that connection until the last tagged reply
// against the group's expectations, then reports what is missing. A server that does not
// answer within the reply limit fails the group (and ends the test): no wait is unbounded.
// Input not trusted: server responses.

import { argsToString, astringOf, atomOf, escapeText, parseScriptArgs, type ImapArg } from './args.ts';
import { commandParts, quoteAstring, type ClientSession } from './client.ts';
import { expandAll, FULL, matchArgs, type MatchState } from './matcher.ts';
import type { MboxSource } from './mbox.ts';
import type { CommandGroup, ScriptCommand } from './script.ts';

export interface Failure {
  /** Script line of the command (0 for the LOGOUT imaptest adds). */
  readonly line: number;
  /** The command as written in the script. */
  readonly command: string;
  readonly message: string;
  /** The expected reply, variables expanded where bound. */
  readonly expected?: string;
  /** What the server sent for this command group (untagged and tagged replies). */
  readonly received?: readonly string[];
}

export interface GroupContext {
  readonly clients: readonly ClientSession[];
  readonly st: MatchState;
  readonly source: MboxSource;
  readonly ignoreExtraUntagged: boolean;
  readonly replyLimitMs: number;
  readonly failures: Failure[];
}

interface Pending {
  readonly cmd: ScriptCommand;
  readonly tag: string;
  readonly cmdline: string;
  readonly parts: readonly string[];
  sent: number;
}

const MAX_RECEIVED_IN_REPORT = 40;
/** A command group may take this many reply limits in all. */
const GROUP_LIMIT_REPLIES = 6;

/** imaptest's append_has_body(): does "append <args>" carry its own message? */
function appendHasBody(args: string): boolean {
  const parsed = parseScriptArgs(args);
  if (typeof parsed === 'string' || parsed.length === 0) return false;
  let i = 0;
  if (parsed[i + 1]?.type === 'list') i++;
  const next = parsed[i + 1];
  if (next?.type === 'string' && !next.literal) i++;
  const body = parsed[i + 1];
  return (body?.type === 'string' && body.literal) || atomOf(body)?.toLowerCase() === 'catenate';
}

/** A received line for reports: CRLF-free, escaped, and cut when very long. */
const cut = (raw: string): string => {
  const line = escapeText(raw.replace(/\r?\n$/, ''));
  return line.length > 2000 ? `${line.slice(0, 2000)}... (${raw.length} octets)` : line;
};

/** Runs the group; returns false when the test cannot go on (disconnection, hang, bad input). */
export async function runGroup(ctx: GroupContext, group: CommandGroup): Promise<boolean> {
  const client = ctx.clients[group.connection];
  if (!client) throw new Error(`no connection ${group.connection + 1}`);
  const { st } = ctx;
  st.seqmap = client.uids.map((_uid, i) => i + 1);
  const received: string[] = [];
  const found = new Array<boolean>(group.untagged.length).fill(false);
  const maybes: { count: number; text: string }[] = group.untagged.map(() => ({ count: 0, text: '' }));
  let mismatches = 0;
  let firstExtra: string | undefined;
  let alive = true;
  const first = group.commands[0];
  const fail = (cmd: ScriptCommand | undefined, message: string, expected?: string): void => {
    const base = { line: cmd?.line ?? 0, command: cmd?.command ?? '', message, received: [...received] };
    ctx.failures.push(expected === undefined ? base : { ...base, expected });
  };

  // Build and send the commands (pipelined; sync literals wait for "+").
  const queue: Pending[] = [];
  for (const cmd of group.commands) {
    const expanded = expandAll(st, cmd.command, false);
    if (expanded.error) fail(cmd, expanded.error);
    let cmdline = expanded.text;
    const appendArgs = /^append (.*)$/is.exec(cmdline)?.[1];
    if (cmdline.toLowerCase() === 'append') {
      const message = ctx.source.next();
      cmdline = `APPEND ${quoteAstring(client.storage)} "${message.internalDate}" {${message.data.length}}\r\n${message.data}`;
    } else if (appendArgs !== undefined && !appendHasBody(appendArgs)) {
      const message = ctx.source.next();
      cmdline = `APPEND ${appendArgs} {${message.data.length}}\r\n${message.data}`;
    } else if (cmd.line === 0 || cmdline.toLowerCase() === 'logout' || group.haveBye) {
      client.logoutSent = true;
    }
    client.beforeSend(cmdline);
    const tag = client.nextTag();
    queue.push({ cmd, tag, cmdline, parts: commandParts(tag, cmdline, client.literalPlus), sent: 0 });
  }
  const pending = new Map(queue.map((p) => [p.tag, p]));
  let sending = 0;
  const pump = (): void => {
    while (sending < queue.length) {
      const p = queue[sending];
      if (!p) break;
      if (!pending.has(p.tag) || p.sent >= p.parts.length) {
        sending++;
        continue;
      }
      if (p.sent > 0) return; // waits for a continuation
      client.conn.write(p.parts[0] ?? '');
      p.sent = 1;
    }
  };
  pump();

  // Bounds, not timing assertions: each reply, and the whole group (a server that keeps
  // sending untagged data without ever finishing the command).
  const deadline = Date.now() + ctx.replyLimitMs * GROUP_LIMIT_REPLIES;
  while (pending.size > 0) {
    const left = deadline - Date.now();
    const event = left > 0 ? await client.conn.next(Math.min(ctx.replyLimitMs, left)) : undefined;
    if (!event) {
      const waiting = [...pending.values()].map((p) => p.tag).join(', ');
      fail(first, left > 0 ? `no reply within ${ctx.replyLimitMs} ms (server hung?); waiting for ${waiting}` : `command group not finished within ${ctx.replyLimitMs * GROUP_LIMIT_REPLIES} ms; waiting for ${waiting}`);
      return false;
    }
    if (event.kind === 'closed') {
      if (group.haveBye && client.seenBye) {
        for (const p of pending.values()) {
          const reply = p.cmd.reply;
          if (!(reply?.length === 1 && astringOf(reply[0]) === '')) {
            fail(p.cmd, `Command expected '${argsToString(reply ?? [])}' as tagged reply - only "" allowed when BYE happens`);
          }
        }
        pending.clear();
        break;
      }
      fail(first, 'Unexpected disconnection');
      return false;
    }
    if (event.kind === 'error') {
      received.push(cut(event.raw));
      fail(first, event.message);
      return false;
    }
    if (event.kind === 'continuation') {
      const p = queue[sending];
      if (!p || p.sent === 0 || p.sent >= p.parts.length) {
        fail(first, 'Unexpected command continuation');
        return false;
      }
      client.conn.write(p.parts[p.sent] ?? '');
      p.sent++;
      pump();
      continue;
    }
    if (received.length < MAX_RECEIVED_IN_REPORT) received.push(cut(event.raw));
    const args = event.args;
    if (event.tag === '*') {
      const fatal = client.track(args);
      const firstPending = first ? queue.find((p) => p.cmd === first && pending.has(p.tag)) : undefined;
      matchUntagged(args, firstPending?.tag);
      const seqAtom = atomOf(args[0]) ?? '';
      if (/^[0-9]+$/.test(seqAtom) && atomOf(args[1])?.toUpperCase() === 'EXPUNGE') {
        // test_handle_expunge(): initial sequence -> current sequence
        const seq = Number(seqAtom);
        if (seq <= st.seqmap.length) {
          for (let i = seq - 1; i < st.seqmap.length; i++) {
            const current = st.seqmap[i] ?? 0;
            if (current === seq) st.seqmap[i] = 0;
            else if (current > seq) st.seqmap[i] = current - 1;
          }
        }
      }
      if (fatal) {
        fail(first, fatal);
        alive = false;
      }
      if (!alive) return false;
      continue;
    }
    const p = pending.get(event.tag);
    if (!p) {
      fail(first, `Unexpected tagged reply: ${event.tag}`);
      return false;
    }
    const status = atomOf(args[0])?.toUpperCase();
    if (status !== 'OK' && status !== 'NO' && status !== 'BAD') {
      fail(p.cmd, 'Broken tagged reply');
      return false;
    }
    st.vars.set('tag', p.tag);
    const matched = matchArgs(st, p.cmd.reply ?? [], args, FULL, true);
    st.vars.delete('tag');
    if (matched !== FULL) {
      fail(p.cmd, `Expected tagged reply '${argsToString(p.cmd.reply ?? [])}', got '${cut(event.raw)}'`, argsToString(p.cmd.reply ?? []));
    }
    pending.delete(p.tag);
    if (status === 'BAD' && atomOf(p.cmd.reply?.[0])?.toLowerCase() !== 'bad') {
      fail(p.cmd, `BAD reply for command: ${cut(p.cmdline)}`);
      return false;
    }
    pump();
  }

  // test_group_check_missing_untagged()
  const missing = group.untagged.flatMap((u, i) => (u.existence === 'must' && !found[i] ? [i] : []));
  const firstMissing = missing[0];
  if (firstMissing !== undefined) {
    const u = group.untagged[firstMissing];
    const firstTag = queue[0]?.tag;
    if (firstTag !== undefined) st.vars.set('tag', firstTag);
    const expanded = escapeText(expandAll(st, u?.text ?? '', true).text);
    st.vars.delete('tag');
    const best = maybes[firstMissing]?.text ?? '';
    fail(
      first,
      `Missing ${missing.length} untagged replies (${mismatches} mismatches)\n - first unexpanded: ${escapeText(u?.text ?? '')}\n - first expanded: ${expanded}\n - best match: ${best}`,
      `* ${expanded}`,
    );
  }
  if (firstExtra !== undefined) fail(first, `${mismatches} unexpected untagged replies received, first: ${firstExtra}`);
  if (group.sleepMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(group.sleepMs, ctx.replyLimitMs)));
  return true;

  function matchUntagged(args: readonly ImapArg[], tag: string | undefined): void {
    if (group.untagged.length === 0 && (ctx.ignoreExtraUntagged || client?.logoutSent)) return;
    const head = atomOf(args[0])?.toUpperCase();
    const prefix = head === 'OK' || head === 'NO' || head === 'BAD' || head === 'BYE';
    st.added = [];
    let foundSome = false;
    for (let i = 0; i < group.untagged.length; i++) {
      const expected = group.untagged[i];
      if (!expected || found[i]) continue;
      if (tag !== undefined) st.vars.set('tag', tag);
      const count = matchArgs(st, expected.args, args, FULL, prefix);
      if (tag !== undefined) st.vars.delete('tag');
      if (count === FULL) {
        if (expected.existence === 'mustNot') {
          fail(first, `Unexpected untagged match:\nMatch: ${escapeText(expected.text)}\nReply: ${argsToString(args)}`, `! ${escapeText(expected.text)}`);
          return;
        }
        found[i] = true;
        foundSome = true;
        st.added = [];
        if (group.ordered) break;
        continue;
      }
      const maybe = maybes[i];
      if (maybe && maybe.count < count) {
        maybe.count = count;
        maybe.text = argsToString(args);
      }
      for (const name of st.added) st.vars.delete(name);
      st.added = [];
      if (group.ordered && expected.existence === 'must') break;
    }
    if (!foundSome) {
      mismatches++;
      if (!ctx.ignoreExtraUntagged && firstExtra === undefined) firstExtra = argsToString(args);
    }
  }
}
