// IMAP argument trees as imaptest sees them: a port of the parts of Dovecot's lib-imap
// imap-parser.c that imaptest uses, so the expected replies in a script and the replies a
// server sends are cut into arguments the same way (then matched by matcher.ts).
//
// Both sides are parsed with ATOM_ALLCHARS and LITERAL8: an atom runs to a space or line end
// (and to ")" inside a list), so `BODY[HEADER.FIELDS (FROM)]` is the atom `BODY[HEADER.FIELDS`,
// the list `(FROM)` and the atom `]` on both sides. Script lines additionally allow quoted
// strings over several lines (MULTILINE_STR) and end at the end of the text; server lines end
// at CRLF (or LF). An atom "NIL" (any case) is NIL. Strings are byte strings: one JS char per
// octet (latin1), so 8-bit and NUL octets survive; comparisons later use C-string semantics.
// Input not trusted: a server line that does not parse is reported as an error value, never
// thrown.

export type ImapArg =
  | { readonly type: 'atom'; readonly value: string }
  | { readonly type: 'string'; readonly value: string; readonly literal: boolean }
  | { readonly type: 'nil'; readonly value: string }
  | { readonly type: 'list'; readonly items: readonly ImapArg[] };

export type ParseResult =
  | { readonly ok: true; readonly args: ImapArg[]; readonly end: number }
  | { readonly ok: false; readonly incomplete: true }
  | { readonly ok: false; readonly incomplete: false; readonly error: string };

export interface ParseMode {
  /** Script text: strings may span lines and the input ends at the end of the text. */
  readonly script: boolean;
}

const SCRIPT: ParseMode = { script: true };
const SERVER: ParseMode = { script: false };

function isLinebreak(c: string | undefined): boolean {
  return c === '\r' || c === '\n';
}

/**
 * Parses one line of arguments from `text` starting at `start`. In server mode the line must
 * end with CRLF or LF (else: incomplete) and `end` is the offset after it; in script mode the
 * whole text is one line.
 */
export function parseArgs(text: string, start: number, mode: ParseMode): ParseResult {
  const root: ImapArg[] = [];
  const stack: ImapArg[][] = [root];
  let i = start;
  const top = (): ImapArg[] => stack[stack.length - 1] ?? root;
  const fail = (error: string): ParseResult => ({ ok: false, incomplete: false, error });
  const more: ParseResult = { ok: false, incomplete: true };
  for (;;) {
    while (text[i] === ' ') i++;
    if (i >= text.length) {
      if (!mode.script) return more;
      if (stack.length > 1) return fail("Missing ')'");
      return { ok: true, args: root, end: i };
    }
    const c = text[i];
    if (c === '\r' || c === '\n') {
      if (c === '\r') {
        if (i + 1 >= text.length) return mode.script ? { ok: true, args: root, end: i } : more;
        if (text[i + 1] !== '\n') return fail('CR sent without LF');
      }
      if (stack.length > 1) return fail("Missing ')'");
      return { ok: true, args: root, end: i + (c === '\r' ? 2 : 1) };
    }
    if (c === '"') {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) return mode.script ? fail("Missing '\"'") : more;
        const d = text[j];
        if (d === '"') break;
        if (d === '\0') return fail('NULs not allowed in strings');
        if (d === '\\') {
          if (j + 1 >= text.length) return mode.script ? fail("Missing '\"'") : more;
          j++;
        }
        if (isLinebreak(text[j]) && !mode.script) return fail("Missing '\"'");
        value += text[j];
        j++;
      }
      top().push({ type: 'string', value, literal: false });
      i = j + 1;
      continue;
    }
    if (c === '{' || (c === '~' && text[i + 1] === '{')) {
      let j = i + (c === '~' ? 2 : 1);
      let size = 0;
      let digits = 0;
      while (text[j] !== undefined && text[j] !== '}') {
        const d = text[j] ?? '';
        if (d === '+' && text[j + 1] === '}') {
          j++;
          break;
        }
        if (d < '0' || d > '9') return fail('Invalid literal size');
        size = size * 10 + Number(d);
        digits++;
        j++;
      }
      if (j >= text.length) return mode.script ? fail('Missing literal size end') : more;
      if (digits === 0) return fail('Invalid literal size');
      j++; // }
      if (text[j] === '\r') j++;
      if (j >= text.length) return mode.script ? fail('Missing LF after literal size') : more;
      if (text[j] !== '\n') return fail('Missing LF after literal size');
      j++;
      if (j + size > text.length) return mode.script ? fail('Literal shorter than its size') : more;
      top().push({ type: 'string', value: text.slice(j, j + size), literal: true });
      i = j + size;
      continue;
    }
    if (c === '(') {
      const list: ImapArg[] = [];
      top().push({ type: 'list', items: list });
      stack.push(list);
      i++;
      continue;
    }
    if (c === ')') {
      if (stack.length === 1) return fail("Unexpected ')'");
      stack.pop();
      i++;
      continue;
    }
    // Atom (ATOM_ALLCHARS): to a space or line end; ")" ends it only inside a list.
    let j = i;
    while (j < text.length) {
      const d = text[j];
      if (d === ' ' || isLinebreak(d) || (d === ')' && stack.length > 1)) break;
      j++;
    }
    if (j >= text.length && !mode.script) return more;
    const value = text.slice(i, j);
    top().push(value.length === 3 && value.toUpperCase() === 'NIL' ? { type: 'nil', value } : { type: 'atom', value });
    i = j;
  }
}

/** Parses a script line (an expected reply, or APPEND arguments). */
export function parseScriptArgs(text: string): ImapArg[] | string {
  const parsed = parseArgs(text, 0, SCRIPT);
  if (parsed.ok) return parsed.args;
  return parsed.incomplete ? 'Missing data' : parsed.error;
}

/** Parses one server response from `buffer` at `start` (the tag is the first argument). */
export function parseServerLine(buffer: string, start: number): ParseResult {
  return parseArgs(buffer, start, SERVER);
}

/** The string value of an atom, quoted string or literal (imap_arg_get_astring), else undefined. */
export function astringOf(arg: ImapArg | undefined): string | undefined {
  if (arg === undefined) return undefined;
  return arg.type === 'atom' || arg.type === 'string' ? arg.value : undefined;
}

/** The value of an atom or NIL (imap_arg_get_atom: Dovecot counts NIL as an atom), else undefined. */
export function atomOf(arg: ImapArg | undefined): string | undefined {
  return arg?.type === 'atom' || arg?.type === 'nil' ? arg.value : undefined;
}

/** Text for reports: CR, LF and other control or 8-bit octets escaped, so lines stay lines. */
export function escapeText(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    if (ch === '\r') out += '\\r';
    else if (ch === '\n') out += '\\n';
    else if (code < 0x20 || code >= 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

const quoted = (value: string): string => `"${escapeText(value.replace(/["\\]/g, (c) => `\\${c}`))}"`;

/** Renders arguments for reports (like imap_args_to_str; control octets escaped). */
export function argsToString(args: readonly ImapArg[]): string {
  return args
    .map((arg) => {
      switch (arg.type) {
        case 'atom':
          return escapeText(arg.value);
        case 'nil':
          return 'NIL';
        case 'string':
          return quoted(arg.value);
        case 'list':
          return `(${argsToString(arg.items)})`;
      }
      return '';
    })
    .join(' ');
}
