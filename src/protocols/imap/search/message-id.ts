// Message IDs out of Message-ID:, References: and In-Reply-To: values, for THREAD=REFERENCES.
// Input: untrusted header values (any text: comments, quotes, junk between IDs); invalid IDs are
// skipped, nothing throws.
// Standards: RFC 5322 §3.6.4 (msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS], with the
// obsolete forms of §4.5.4 tolerated), RFC 5256 §2.4 step 1.A (use the valid IDs, skip the
// rest). Like Dovecot: an ID needs an "@"; whitespace inside the brackets is dropped; quoted
// local parts are unquoted; IDs compare as exact strings.

/** Most IDs taken from one References: value (the last ones, nearest the message, are kept). */
export const MAX_REFERENCES = 1000;

/**
 * Most malformed bracketed IDs retried in one value. Each retry rescans part of the value, so
 * the cap keeps a hostile header (thousands of "<" before a quote) linear.
 */
export const MAX_MALFORMED_IDS = 64;

const ATEXT = /[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\uffff.]/;

function skipCfws(value: string, at: number): number {
  let i = at;
  while (i < value.length) {
    const ch = value[i];
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i++;
    } else if (ch === '(') {
      let depth = 0;
      for (; i < value.length; i++) {
        if (value[i] === '\\') i++;
        else if (value[i] === '(') depth++;
        else if (value[i] === ')' && --depth === 0) break;
      }
      i++;
    } else {
      break;
    }
  }
  return i;
}

/** The slow path: an ID with quotes, comments or a domain literal, parsed from just after "<". */
function parseBracketed(value: string, at: number): { readonly id: string; readonly end: number } | null {
  let i = skipCfws(value, at);
  let left = '';
  if (value[i] === '"') {
    for (i++; i < value.length && value[i] !== '"'; i++) {
      if (value[i] === '\\' && i + 1 < value.length) i++;
      left += value[i];
    }
    if (i >= value.length) return null;
    i++;
  } else {
    while (i < value.length && ATEXT.test(value[i] ?? '')) left += value[i++];
  }
  i = skipCfws(value, i);
  if (left === '' || value[i] !== '@') return null;
  i = skipCfws(value, i + 1);
  let right = '';
  if (value[i] === '[') {
    const close = value.indexOf(']', i);
    if (close < 0) return null;
    right = value.slice(i, close + 1).replace(/[ \t\r\n]/g, '');
    i = close + 1;
  } else {
    while (i < value.length && ATEXT.test(value[i] ?? '')) right += value[i++];
  }
  i = skipCfws(value, i);
  if (right === '' || value[i] !== '>') return null;
  return { id: `${left}@${right}`, end: i + 1 };
}

/** The valid message IDs in a header value, in order, without the angle brackets. */
export function messageIds(value: string): string[] {
  const ids: string[] = [];
  let i = 0;
  let malformed = 0;
  for (;;) {
    const open = value.indexOf('<', i);
    if (open < 0) return ids;
    // Fast path (Dovecot's): up to ">" with an "@" and no quote, comment or literal.
    let at = false;
    let j = open + 1;
    for (; j < value.length; j++) {
      const ch = value[j];
      if (ch === '>' || ch === '"' || ch === '(' || ch === '[') break;
      if (ch === '@') at = true;
    }
    if (j >= value.length) return ids;
    if (value[j] === '>') {
      if (at) ids.push(value.slice(open + 1, j).replace(/[ \t\r\n]/g, ''));
      i = j + 1;
      continue;
    }
    const parsed = parseBracketed(value, open + 1);
    if (parsed === null) {
      if (++malformed > MAX_MALFORMED_IDS) return ids;
      i = open + 1;
    } else {
      ids.push(parsed.id);
      i = parsed.end;
    }
  }
}

/** The first valid message ID in a value, or null. */
export function firstMessageId(value: string | undefined): string | null {
  if (value === undefined) return null;
  return messageIds(value)[0] ?? null;
}
