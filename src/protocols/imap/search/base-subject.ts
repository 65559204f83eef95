// The "base subject" SORT (SUBJECT) and THREAD compare: the Subject: text with reply and forward
// markers, list tags and trailers removed.
// Input: a decoded Subject: value from an untrusted message (any text, any length); never throws.
// Standards: RFC 5256 §2.1 (the extraction procedure and its ABNF, including whether the subject
// marks a reply or forward, which THREAD=REFERENCES step 5 uses), RFC 5234 §2.3 (quoted ABNF
// strings such as "re" and "(fwd)" are case-insensitive). Step (1)'s RFC 2047 decoding is done by
// the header accessor.
//
// Deliberate deviation: BLOBCHAR is %x01-7F except "[" and "]", but after decoding a subject holds
// any Unicode; non-ASCII characters are accepted inside a blob, as Dovecot does.

export interface BaseSubject {
  /** The base subject, case preserved (compare with unicodeCasemap). */
  readonly subject: string;
  /** RFC 5256 §2.1: the extraction removed a subj-refwd, a "(fwd)" trailer or a [fwd: ...] wrapper. */
  readonly replyOrForward: boolean;
}

function isWsp(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

/** Length of a subj-blob (`"[" *BLOBCHAR "]" *WSP`) at `at`, 0 when there is none. */
function blobLength(text: string, at: number, end: number): number {
  if (text[at] !== '[') return 0;
  let i = at + 1;
  while (i < end && text[i] !== '[' && text[i] !== ']' && text[i] !== '\0') i++;
  if (i >= end || text[i] !== ']') return 0;
  i++;
  while (i < end && isWsp(text[i])) i++;
  return i - at;
}

function startsWithIgnoringCase(text: string, at: number, end: number, word: string): boolean {
  return end - at >= word.length && text.slice(at, at + word.length).toLowerCase() === word;
}

/**
 * Length of a subj-leader at `at` (`(*subj-blob subj-refwd) / WSP`), 0 when there is none;
 * `refwd` tells whether it was a subj-refwd (`("re" / ("fw" ["d"])) *WSP [subj-blob] ":"`).
 */
function leaderLength(text: string, at: number, end: number): { readonly length: number; readonly refwd: boolean } {
  if (at < end && isWsp(text[at])) return { length: 1, refwd: false };
  let i = at;
  while (i < end && text[i] === '[') {
    const blob = blobLength(text, i, end);
    if (blob === 0) return { length: 0, refwd: false };
    i += blob;
  }
  if (startsWithIgnoringCase(text, i, end, 're')) i += 2;
  else if (startsWithIgnoringCase(text, i, end, 'fwd')) i += 3;
  else if (startsWithIgnoringCase(text, i, end, 'fw')) i += 2;
  else return { length: 0, refwd: false };
  while (i < end && isWsp(text[i])) i++;
  if (i < end && text[i] === '[') {
    const blob = blobLength(text, i, end);
    if (blob === 0) return { length: 0, refwd: false };
    i += blob;
  }
  if (i >= end || text[i] !== ':') return { length: 0, refwd: false };
  return { length: i + 1 - at, refwd: true };
}

/** RFC 5256 §2.1: extracts the base subject of a (decoded) Subject: value. */
export function baseSubject(subject: string): BaseSubject {
  // (1) Tabs and continuations become spaces; runs of spaces become one.
  const text = subject.replace(/[\t\r\n]/g, ' ').replace(/ {2,}/g, ' ');
  let start = 0;
  let end = text.length;
  let replyOrForward = false;
  for (;;) {
    // (2) Remove subj-trailer ("(fwd)" / WSP) from the end until none is left.
    for (;;) {
      if (end > start && isWsp(text[end - 1])) {
        end--;
      } else if (end - start >= 5 && text.slice(end - 5, end).toLowerCase() === '(fwd)') {
        end -= 5;
        replyOrForward = true;
      } else {
        break;
      }
    }
    // (3) Remove subj-leader prefixes; (4) remove a leading subj-blob when a non-empty subj-base
    // remains; (5) repeat (3) and (4) until neither applies.
    for (;;) {
      let changed = false;
      const leader = leaderLength(text, start, end);
      if (leader.length > 0) {
        start += leader.length;
        if (leader.refwd) replyOrForward = true;
        changed = true;
      }
      const blob = blobLength(text, start, end);
      if (blob > 0 && start + blob < end) {
        start += blob;
        changed = true;
      }
      if (!changed) break;
    }
    // (6) A "[fwd:" ... "]" wrapper: remove both ends and start again from (2).
    if (end - start >= 6 && startsWithIgnoringCase(text, start, end, '[fwd:') && text[end - 1] === ']') {
      start += 5;
      end -= 1;
      replyOrForward = true;
      continue;
    }
    break;
  }
  // (7) What is left is the base subject.
  return { subject: text.slice(start, end), replyOrForward };
}
