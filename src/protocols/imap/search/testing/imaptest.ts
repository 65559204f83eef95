// Test support: runs one imaptest scripted test against the search engines through the
// simulator in session.ts, and reports each command as passed, failed or not run (with why).
// The scripts and .mbox files are read from the imaptest checkout at test time, never copied.
// Input: trusted test fixtures.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Unsupported } from './command-parser.ts';
import { readMbox } from './mbox.ts';
import { matchReply, parseScript } from './script.ts';
import { Session } from './session.ts';

export interface CaseResult {
  readonly line: number;
  readonly command: string;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly detail?: string;
}

function substitute(command: string, vars: ReadonlyMap<string, string>): string | null {
  let unbound = false;
  const out = command.replace(/\$\$/g, '\u0001').replace(/\$([a-z_][a-z0-9_]*)/gi, (_m, name: string) => {
    const value = vars.get(name.toLowerCase());
    if (value === undefined) unbound = true;
    return value ?? '';
  });
  return unbound ? null : out.replace(/\u0001/g, '$');
}

/** Runs the script `name` from `dir`; one result per command. */
export function runImaptest(dir: string, name: string): CaseResult[] {
  const script = parseScript(readFileSync(join(dir, name), 'utf8'));
  const mboxPath = existsSync(join(dir, `${name}.mbox`)) ? join(dir, `${name}.mbox`) : join(dir, 'default.mbox');
  const source = readMbox(readFileSync(mboxPath, 'utf8'));
  if (Number(script.headers.get('connections') ?? '1') > 1) {
    return script.commands.map((c) => ({ line: c.line, command: c.command, status: 'skip', detail: 'needs several connections' }));
  }
  const session = new Session(source);
  const state = script.headers.get('state') ?? 'selected';
  if (state === 'selected' || state === 'appended') {
    const wanted = script.headers.get('messages') ?? 'all';
    const count = wanted === 'all' ? source.length : Number(wanted);
    for (let i = 0; i < count; i++) session.append();
  }
  const vars = new Map([['mailbox', 'imaptest']]);
  const results: CaseResult[] = [];
  for (const command of script.commands) {
    const base = { line: command.line, command: command.command };
    if (command.expect !== 'ok') {
      results.push({ ...base, status: 'skip', detail: `expects ${command.expect.toUpperCase()}: the wire parser's decision` });
      continue;
    }
    const line = substitute(command.command, vars);
    if (line === null) {
      results.push({ ...base, status: 'skip', detail: 'unbound variable' });
      continue;
    }
    let replies: string[];
    try {
      replies = session.run(line);
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      results.push({ ...base, status: 'skip', detail: error.message });
      continue;
    }
    vars.delete('tag');
    const used = new Set<number>();
    const missing = command.untagged.filter((expected) => {
      const index = replies.findIndex((reply, i) => !used.has(i) && matchReply(expected, reply, vars));
      if (index < 0) return true;
      used.add(index);
      return false;
    });
    results.push(
      missing.length === 0
        ? { ...base, status: 'pass' }
        : { ...base, status: 'fail', detail: `expected ${JSON.stringify(missing)}, got ${JSON.stringify(replies)}` },
    );
  }
  return results;
}
