// Test support: reads imaptest scripted tests (/work/shared/imaptest/scripted_test.md) and
// matches expected untagged replies against ours, with imaptest's `$variable` binding, `$`
// wildcards and its default list rules (FETCH items in any order, FLAGS as a set ignoring
// \Recent). Only the "method 1" layout (`ok <command>` then `* <reply>` lines) is read; the
// scripts this package runs use nothing else. Input: trusted test fixtures.

export interface ScriptCommand {
  readonly line: number;
  readonly expect: string; // ok, no, bad
  readonly command: string;
  readonly untagged: string[];
}

export interface Script {
  readonly headers: ReadonlyMap<string, string>;
  readonly commands: readonly ScriptCommand[];
}

export function parseScript(text: string): Script {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const headers = new Map<string, string>();
  let i = 0;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const m = /^([a-z_]+):\s*(.*)$/i.exec(lines[i] ?? '');
    if (m) headers.set((m[1] ?? '').toLowerCase(), (m[2] ?? '').trim());
  }
  const commands: { line: number; expect: string; command: string; untagged: string[] }[] = [];
  const skipping: boolean[] = [];
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('!ifenv')) skipping.push(true); // no imaptest environment variables are set
    else if (line.startsWith('!ifnenv')) skipping.push(false);
    else if (line.startsWith('!else')) skipping.push(!(skipping.pop() ?? false));
    else if (line.startsWith('!endif')) skipping.pop();
    if (line.startsWith('!') || skipping.includes(true) || line === '' || line.startsWith('#')) continue;
    if (line.startsWith('* ')) {
      commands[commands.length - 1]?.untagged.push(line);
      continue;
    }
    const m = /^(ok|no|bad)\s+(.*)$/i.exec(line);
    if (m) commands.push({ line: i + 1, expect: (m[1] ?? '').toLowerCase(), command: (m[2] ?? '').trim(), untagged: [] });
  }
  return { headers, commands };
}

/** Tokens of a reply line: quoted strings whole, parentheses and brackets apart, the rest split on spaces. */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  const re = /"(?:[^"\\]|\\.)*"|[()[\]]|[^\s()[\]"]+/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) tokens.push(m[0]);
  return tokens;
}

type Node = string | Node[];

function toNodes(tokens: readonly string[]): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  for (const token of tokens) {
    const top = stack[stack.length - 1] ?? root;
    if (token === '(') {
      const list: Node[] = [];
      top.push(list);
      stack.push(list);
    } else if (token === ')') {
      if (stack.length > 1) stack.pop();
    } else {
      top.push(token);
    }
  }
  return root;
}

const VARIABLE = /^\$([a-z_][a-z0-9_]*)$/i;

function matchAtom(expected: string, actual: Node, vars: Map<string, string>): boolean {
  if (typeof actual !== 'string') return expected === '$';
  if (expected === '$') return true;
  const exact = VARIABLE.exec(expected);
  if (exact) {
    const name = (exact[1] ?? '').toLowerCase();
    const bound = vars.get(name);
    if (bound === undefined) {
      vars.set(name, actual);
      return true;
    }
    return bound.toLowerCase() === actual.toLowerCase();
  }
  let unbound = false;
  const expanded = expected.replace(/\$([a-z_][a-z0-9_]*)/gi, (_m, name: string) => {
    const value = vars.get(name.toLowerCase());
    if (value === undefined) unbound = true;
    return value ?? '';
  });
  return !unbound && expanded.toLowerCase() === actual.toLowerCase();
}

function matchList(expected: readonly Node[], actual: readonly Node[], vars: Map<string, string>, mode: 'ordered' | 'pairs' | 'flags'): boolean {
  const exp = expected.filter((n) => typeof n !== 'string' || !n.startsWith('$!'));
  if (mode === 'flags') {
    const want = exp.map((n) => String(n).toLowerCase()).filter((f) => f !== '\\recent');
    const have = actual.map((n) => String(n).toLowerCase()).filter((f) => f !== '\\recent');
    return want.length === have.length && want.every((f) => have.includes(f));
  }
  if (mode === 'pairs') {
    for (let i = 0; i + 1 < exp.length; i += 2) {
      const key = String(exp[i]).toLowerCase();
      const at = actual.findIndex((n, j) => j % 2 === 0 && String(n).toLowerCase() === key);
      if (at < 0 || !matchNode(exp[i + 1] ?? '', actual[at + 1] ?? '', vars, key === 'flags' ? 'flags' : 'ordered')) return false;
    }
    return true;
  }
  if (exp.length !== actual.length) return false;
  return exp.every((node, i) => matchNode(node, actual[i] ?? '', vars, 'ordered'));
}

function matchNode(expected: Node, actual: Node, vars: Map<string, string>, mode: 'ordered' | 'pairs' | 'flags'): boolean {
  if (typeof expected === 'string') return matchAtom(expected, actual, vars);
  return typeof actual !== 'string' && matchList(expected, actual, vars, mode);
}

/**
 * Whether reply `actual` matches the script's `expected` line; on success the variables bound
 * on the way are added to `vars`. `* n FETCH (...)` lists match as item pairs in any order.
 */
export function matchReply(expected: string, actual: string, vars: Map<string, string>): boolean {
  const exp = toNodes(tokenize(expected));
  const act = toNodes(tokenize(actual));
  const trial = new Map(vars);
  const isFetch = String(exp[2]).toLowerCase() === 'fetch';
  if (exp.length !== act.length) return false;
  const ok = exp.every((node, i) => matchNode(node, act[i] ?? '', trial, isFetch && i === 3 ? 'pairs' : 'ordered'));
  if (ok) for (const [k, v] of trial) vars.set(k, v);
  return ok;
}
