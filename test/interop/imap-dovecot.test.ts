// Differential test of Postwarden's IMAP server against Dovecot 2.3, both over IMAP: every corpus
// message (test/interop/corpus) is APPENDed to a throwaway Dovecot and to a real Postwarden
// (`serve`, plain IMAP on loopback) with the same flags and INTERNALDATE, by plain synchronizing
// literals (a message with NUL octets also as a literal8, see below); both run with the same TZ.
// Then the same commands go to both and their answers are compared as value trees
// (test/interop/imap-compare.ts):
// - per message: UID, FLAGS, INTERNALDATE, RFC822.SIZE, BODYSTRUCTURE, BODY, ENVELOPE,
//   RFC822.HEADER, BODY[] sections (whole, HEADER, TEXT, HEADER.FIELDS (.NOT) with fields named
//   like Object.prototype members too, every part, its MIME header, HEADER/TEXT of embedded
//   messages, out-of-range parts, partials including ones beyond the end) and BINARY /
//   BINARY.SIZE of the parts (the item list of mime-dovecot.test.ts, which compares Dovecot with
//   the message model directly);
// - over the mailbox: SEARCH (flags, keywords, address and subject substrings in ASCII and UTF-8,
//   HEADER including fields named like Object.prototype members, BODY/TEXT in 8-bit, base64,
//   quoted-printable and encoded words, sizes, internal and sent dates, UID and sequence sets,
//   NOT/OR, an unknown charset), UID SEARCH, SORT and THREAD (REFERENCES, ORDEREDSUBJECT), a
//   zero-length partial, and the \Seen a FETCH without PEEK sets.
// FLAGS compare as sets (RFC 9051 §2.3.2: a flag list has no order), SEARCH results as sets (the
// order of numbers in a SEARCH response carries no meaning), a failed command as its status (and
// UNKNOWN-CTE, the one response code RFC 3516 requires); everything else compares exactly (a
// string equals a literal with the same octets). Every difference must be fixed or listed in
// ACCEPTED with the RFC reason Dovecot is the one that is wrong; a listed difference that no
// longer occurs fails too, so the list stays true. Input: the corpus and both servers' answers.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { astring, ImapClient, type CommandPart, type CommandResult, type ImapValue } from '../helpers/imap-client.ts';
import { startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { startDovecot, dovecotUnavailable, DOVECOT_PACKAGES, type Dovecot } from './dovecot.ts';
import { render, sameValue } from './imap-compare.ts';
import { indexMessage, type MimeIndex, type MimePart } from '../../src/mail/mime/mime.ts';

const CORPUS = join(import.meta.dirname, 'corpus');
/** Both servers' local time (INTERNALDATE rendering, dates of BEFORE/ON/SINCE). */
const TIME_ZONE = 'Europe/Helsinki';
/** Part paths fetched per message at most (the 10 000-part message needs only a sample). */
const MAX_PATHS = 40;
/** Parts whose BINARY and BINARY.SIZE are fetched per message at most. */
const MAX_BINARY_PATHS = 12;
const DOMAIN = 'interop.example';
const USER = `tester@${DOMAIN}`;
const PASSWORD = 'interop correct horse battery';

interface Accepted {
  /** The corpus file, or MAILBOX for a command over the whole mailbox. */
  readonly message: string;
  /** The FETCH item (as the response names it, upper case), the command, or a pattern of them. */
  readonly item: string | RegExp;
  readonly reason: string;
}

const MAILBOX = '(mailbox)';
/** Where messages with NUL octets are APPENDed as plain literals. */
const PLAIN_NUL = 'PlainNul';

// The reasons of mime-dovecot.test.ts, where the same difference shows at the server level.
const GLOBAL = 'RFC 9051 §7.5.2 and §6.4.5 (and RFC 6532 §3.5): a MESSAGE/GLOBAL part carries the envelope, body structure and line count of the message it holds, and its part numbers count inside that message, like MESSAGE/RFC822; Dovecot 2.3 treats message/global as an opaque leaf';
const BINARY_SIZE_SELF = "RFC 3516 §4.2: BINARY.SIZE is the size of what BINARY answers for the same section; we answer that (Dovecot's BINARY of this section equals ours, only Dovecot's BINARY.SIZE arithmetic disagrees with its own BINARY answer)";
const BINARY_SIZE_OTHER_PART = "RFC 3516 §4.2: BINARY.SIZE is about the named section only; Dovecot computes the sizes of all parts at once and answers NO for every part when any other part has an unknown or malformed encoding (its BINARY of this same section succeeds, as ours does)";
const HEADER_CACHE = "RFC 9051 §6.4.5: Dovecot answers HEADER.FIELDS differently once the fields are in its header cache (after ENVELOPE or BODYSTRUCTURE were fetched): a last header line without line end then gets no empty line after it. We always answer what Dovecot answers on a first fetch (line end restored, then the empty line), which does not depend on earlier commands";

/** Differences from Dovecot 2.3 that are deliberate, each with its reason. */
const ACCEPTED: readonly Accepted[] = [
  { message: '33-message-global.eml', item: /^(BODYSTRUCTURE|BODY|BODY\[2\.(HEADER|TEXT|HEADER\.FIELDS .*|1|1\.MIME)\]|BINARY\[2\.1\]|BINARY\.SIZE\[2\.1\])$/, reason: GLOBAL },
  { message: '12-base64-broken.eml', item: 'BINARY[2]', reason: 'RFC 3516 §4.3 / RFC 9051 §7.1: a section that cannot be decoded gets a tagged NO; Dovecot notices the truncated base64 only while sending the literal and has to drop the connection' },
  { message: '03-alternative-in-mixed.eml', item: 'BINARY.SIZE[1]', reason: BINARY_SIZE_SELF },
  { message: '04-nested-three-levels.eml', item: 'BINARY.SIZE[1.1]', reason: BINARY_SIZE_SELF },
  { message: '20-disposition-language-location-md5.eml', item: 'BINARY.SIZE[1]', reason: BINARY_SIZE_SELF },
  { message: '14-qp-broken.eml', item: 'BINARY.SIZE[2]', reason: BINARY_SIZE_OTHER_PART },
  { message: '19-unknown-cte.eml', item: 'BINARY.SIZE[2]', reason: BINARY_SIZE_OTHER_PART },
  { message: '34-header-without-body.eml', item: 'BODY[HEADER.FIELDS (FROM SUBJECT)]', reason: HEADER_CACHE },
  { message: '32-message-rfc822-empty.eml', item: 'BODY[2.HEADER.FIELDS (SUBJECT CONTENT-TYPE)]', reason: HEADER_CACHE },
  // Server level only.
  { message: '27-nul-bytes.eml', item: / plain literal with NUL$/, reason: 'RFC 9051 §4.3 and §9 (literal = "{" number64 ["+"] "}" CRLF *CHAR8, CHAR8 = %x01-ff) and RFC 3516 §4.2: NUL octets can only be sent in a literal8; a plain literal with NUL is a syntax error, which we answer with BAD; Dovecot accepts it' },
  { message: '51-lone-cr.eml', item: /^(BODY\[\]|BODY\[\]<5>|RFC822\.SIZE|BODYSTRUCTURE|BODY|BODY\[TEXT\]|BODY\[1\]|BINARY\[\]|BINARY\[1\]|BINARY\.SIZE\[1\])$/, reason: 'RFC 9051 §6.3.12 and §6.4.5: APPEND stores its literal as the message and BODY[] is that entire message; we keep the octets "\\r\\r\\n" as appended, Dovecot (maildir stores LF line ends, one CR before each LF dropped) serves "\\r\\n", a different message with sizes one octet smaller' },
  { message: MAILBOX, item: 'FETCH 1 (BODY.PEEK[TEXT]<0.0>)', reason: 'RFC 9051 §9 (and RFC 3501 §9): partial = "<" number64 "." nz-number64 ">", a zero length is a syntax error, which we answer with BAD; Dovecot accepts it and answers an empty string' },
  { message: MAILBOX, item: 'SEARCH CHARSET UTF-8 HEADER X-Latin1 "café"', reason: 'RFC 6532 §3.2 makes raw 8-bit header octets UTF-8 and says nothing of octets that are not; we read a header value that is not valid UTF-8 as windows-1252 (what unlabeled 8-bit mail mostly is, see src/mail/mime/charset.ts), so Latin-1 "caf\\xe9" matches "café"; Dovecot replaces the invalid octet and matches nothing' },
  { message: MAILBOX, item: /^SEARCH SENT(BEFORE 5-Feb-2024|BEFORE 6-Feb-2024|BEFORE 1-Jan-2000|SINCE 1-Jan-1970|ON 1-Jan-1970)$/, reason: "RFC 9051 §6.4.4: SENTBEFORE / SENTON / SENTSINCE match messages whose Date: header field is before / on / since the date; a message without a Date: field or with one that is no date (22, 35, 37, 43, 50) has no sent date and matches none of them. Dovecot takes such a message as sent at the epoch (1-Jan-1970), a date it does not carry, so it matches SENTBEFORE any date, SENTON and SENTSINCE 1-Jan-1970 (RFC 5256's fall back to INTERNALDATE is for SORT only)" },
];

interface Difference {
  readonly message: string;
  readonly item: string;
  readonly ours: string;
  readonly dovecot: string;
}

/** One server under test: a selected session, and a second one for BINARY (Dovecot may drop it). */
interface Side {
  readonly name: 'postwarden' | 'dovecot';
  readonly connect: () => Promise<ImapClient>;
  main: ImapClient;
  binary: ImapClient;
}

type Outcome = CommandResult | 'DISCONNECTED';

/** The flags and INTERNALDATE each corpus message is appended with (deterministic, varied). */
function appendPlan(i: number): { flags: string[]; date: string } {
  const flags: string[] = [];
  if (i % 3 !== 0) flags.push('\\Seen');
  if (i % 5 === 1) flags.push('\\Flagged');
  if (i % 7 === 3) flags.push('\\Deleted');
  if (i % 4 === 2) flags.push('\\Answered');
  if (i % 11 === 5) flags.push('\\Draft');
  if (i % 6 === 4) flags.push('$Forwarded');
  if (i % 9 === 0) flags.push('Important');
  // Days over February 2024 with times near midnight and zones on both sides of TIME_ZONE, so
  // the local date differs from the written one for some; every tenth repeats the one before
  // (SORT ARRIVAL ties).
  const k = i % 10 === 9 ? i - 1 : i;
  const day = 1 + ((k * 5) % 28);
  const hour = [0, 1, 22, 23, 12, 21][k % 6] ?? 0;
  const minute = (k * 7) % 60;
  const zone = ['+0000', '+0200', '-0500', '+0530', '-0800', '+0100', '+1100'][k % 7] ?? '+0000';
  const two = (n: number): string => String(n).padStart(2, '0');
  return { flags, date: `${two(day)}-Feb-2024 ${two(hour)}:${two(minute)}:${two((k * 13) % 60)} ${zone}` };
}

function pathText(path: readonly number[]): string {
  return path.join('.');
}

/** Part paths in IMAP numbering (RFC 9051 §6.4.5), breadth first, bounded (as mime-dovecot.test.ts). */
function partPaths(index: MimeIndex): number[][] {
  const out: number[][] = [];
  const queue: { part: MimePart; path: number[] }[] = [];
  const children = (part: MimePart, path: number[]): void => {
    if (part.kind === 'multipart') part.children.forEach((child, i) => queue.push({ part: child, path: [...path, i + 1] }));
    else if (part.kind === 'message' && part.children[0]) {
      const inner = part.children[0];
      if (inner.kind === 'multipart') children(inner, path);
      else queue.push({ part: inner, path: [...path, 1] });
    }
  };
  if (index.root.kind === 'multipart') children(index.root, []);
  else queue.push({ part: index.root, path: [1] });
  while (queue.length > 0 && out.length < MAX_PATHS) {
    const next = queue.shift() as { part: MimePart; path: number[] };
    out.push(next.path);
    children(next.part, next.path);
  }
  return out;
}

/** FETCH attributes and the name each one's answer carries (RFC 9051 §7.5.2). */
function fetchItems(paths: readonly (readonly number[])[]): { request: string; key: string }[] {
  const items: { request: string; key: string }[] = ['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'BODYSTRUCTURE', 'BODY', 'ENVELOPE', 'RFC822.HEADER'].map((name) => ({ request: name, key: name }));
  const body = (name: string, partial?: readonly [number, number]): void => {
    items.push({ request: `BODY.PEEK[${name}]${partial ? `<${partial[0]}.${partial[1]}>` : ''}`, key: `BODY[${name}]${partial ? `<${partial[0]}>` : ''}`.toUpperCase() });
  };
  body('HEADER');
  body('TEXT');
  body('HEADER.FIELDS (FROM SUBJECT)');
  body('HEADER.FIELDS.NOT (FROM)');
  body('HEADER.FIELDS (__PROTO__ CONSTRUCTOR TOSTRING)');
  body('HEADER.FIELDS.NOT (__PROTO__ X-FIELD-1 RECEIVED)');
  body('', [0, 10]);
  body('', [5, 1_000_000]);
  body('TEXT', [3, 7]);
  body('HEADER', [100_000_000, 10]);
  body('1', [100_000_000, 10]);
  for (const path of [...paths, [9], [1, 9], [2, 1]]) {
    const name = pathText(path);
    body(name);
    body(`${name}.MIME`);
    body(`${name}.HEADER`);
    body(`${name}.TEXT`);
    body(`${name}.HEADER.FIELDS (SUBJECT CONTENT-TYPE)`);
  }
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.key) && seen.add(item.key));
}

/** FLAGS as a set: sorted, system flags in one case (RFC 9051 §2.3.2: flags are case-insensitive). */
function flagSet(value: ImapValue | undefined): ImapValue | undefined {
  if (!Array.isArray(value)) return value;
  const list = (value as readonly ImapValue[]).map((flag) => (typeof flag === 'string' && flag.startsWith('\\') ? flag.toLowerCase() : flag));
  return [...list].sort((a, b) => String(a).localeCompare(String(b)));
}

/** The FETCH items of every FETCH response of a result, by sequence number, names upper-cased. */
function fetchedItems(result: CommandResult): Map<number, Map<string, ImapValue>> {
  const out = new Map<number, Map<string, ImapValue>>();
  for (const response of result.untagged) {
    const [seq, word, list] = response.values;
    if (typeof seq !== 'number' || typeof word !== 'string' || word.toUpperCase() !== 'FETCH' || !Array.isArray(list)) continue;
    const items = out.get(seq) ?? new Map<string, ImapValue>();
    const values = list as readonly ImapValue[];
    for (let i = 0; i + 1 < values.length; i += 2) {
      const name = values[i];
      if (typeof name === 'string') items.set(name.toUpperCase(), values[i + 1] ?? null);
    }
    out.set(seq, items);
  }
  return out;
}

/**
 * A failed command as a value: "NO UNKNOWN-CTE" when the server names the unknown encoding (the
 * one code RFC 3516 §4.3 requires), else the bare status (the text and other codes are free).
 */
function failure(result: Outcome): string | undefined {
  if (result === 'DISCONNECTED') return 'DISCONNECTED';
  if (result.status === 'OK') return undefined;
  const code = result.tagged.code?.[0];
  if ((typeof code === 'string' && code.toUpperCase() === 'UNKNOWN-CTE') || /Unknown Content-Transfer-Encoding/i.test(result.text)) return `${result.status} UNKNOWN-CTE`;
  return result.status;
}

/** The untagged responses named `word` (SEARCH, SORT, THREAD), each without the name. */
function untaggedData(result: CommandResult, word: string): ImapValue[][] {
  return result.untagged.filter((r) => r.tag === '*' && typeof r.values[0] === 'string' && r.values[0].toUpperCase() === word).map((r) => r.values.slice(1));
}

type Token = string | { readonly text: string };
const q = (text: string): Token => ({ text });

function commandParts(tokens: readonly Token[]): CommandPart[] {
  const parts: CommandPart[] = [];
  tokens.forEach((token, i) => {
    if (i > 0) parts.push(' ');
    parts.push(typeof token === 'string' ? token : astring(token.text));
  });
  return parts;
}

function commandText(tokens: readonly Token[]): string {
  return tokens.map((t) => (typeof t === 'string' ? t : JSON.stringify(t.text))).join(' ');
}

/** SEARCH keys (after SEARCH); each query is run as SEARCH and some as UID SEARCH. */
const SEARCHES: readonly (readonly Token[])[] = [
  // Flags and keywords.
  ['ALL'],
  ['SEEN'],
  ['UNSEEN'],
  ['FLAGGED'],
  ['UNFLAGGED'],
  ['DELETED'],
  ['UNDELETED'],
  ['ANSWERED'],
  ['UNANSWERED'],
  ['DRAFT'],
  ['UNDRAFT'],
  ['KEYWORD', '$Forwarded'],
  ['KEYWORD', 'Important'],
  ['KEYWORD', 'IMPORTANT'],
  ['UNKEYWORD', 'Important'],
  ['KEYWORD', 'NeverSet'],
  ['UNKEYWORD', 'NeverSet'],
  // Address and subject substrings, ASCII.
  ['FROM', q('alice')],
  ['FROM', q('ALICE@EXAMPLE.COM')],
  ['FROM', q('Alice Example')],
  ['FROM', q('example.net')],
  ['FROM', q('MAILER-DAEMON')],
  ['FROM', q('relay1')],
  ['FROM', q('john..doe')],
  ['TO', q('bob')],
  ['TO', q('example.org')],
  ['TO', q('Team')],
  ['TO', q('with space')],
  ['CC', q('dave')],
  ['CC', q('friends')],
  ['CC', q('Pete')],
  ['BCC', q('bcc@')],
  ['BCC', q('Hidden')],
  ['BCC', q('undisclosed')],
  ['SUBJECT', q('plain')],
  ['SUBJECT', q('LEVEL 0')],
  ['SUBJECT', q('level 119')],
  ['SUBJECT', q('is folded twice')],
  ['SUBJECT', q('Re: Simple')],
  ['SUBJECT', q('')],
  ['SUBJECT', q('NUL')],
  // Non-ASCII, CHARSET UTF-8: raw 8-bit headers and encoded words.
  ['CHARSET', 'UTF-8', 'FROM', q('Jörg')],
  ['CHARSET', 'UTF-8', 'FROM', q('Éloise')],
  ['CHARSET', 'UTF-8', 'FROM', q('éloise')],
  ['CHARSET', 'UTF-8', 'TO', q('Björk')],
  ['CHARSET', 'UTF-8', 'TO', q('日本')],
  ['CHARSET', 'UTF-8', 'TO', q('Zoë')],
  ['CHARSET', 'UTF-8', 'CC', q('Café')],
  ['CHARSET', 'UTF-8', 'BCC', q('Hidden One')],
  ['CHARSET', 'UTF-8', 'SUBJECT', q('Grüße')],
  ['CHARSET', 'UTF-8', 'SUBJECT', q('grüsse')],
  ['CHARSET', 'UTF-8', 'SUBJECT', q('€ subject continued')],
  ['CHARSET', 'UTF-8', 'SUBJECT', q('Olá')],
  ['CHARSET', 'UTF-8', 'SUBJECT', q('köln – utf-8')],
  ['CHARSET', 'X-NO-SUCH-CHARSET', 'SUBJECT', q('a')],
  // HEADER name value.
  ['HEADER', 'Message-ID', q('corpus@')],
  ['HEADER', 'Message-ID', q('')],
  ['HEADER', 'X-Nul', q('a')],
  ['HEADER', 'X-Field-9999', q('value 9999')],
  ['HEADER', 'X-FIELD-5000', q('')],
  ['HEADER', 'Content-Type', q('multipart/')],
  ['HEADER', 'Content-Type', q('boundary')],
  ['HEADER', 'Content-Transfer-Encoding', q('base64')],
  ['HEADER', 'MIME-Version', q('')],
  ['HEADER', '__proto__', q('')],
  ['HEADER', '__proto__', q('polluted')],
  ['HEADER', '__PROTO__', q('POLLUTED VALUE')],
  ['HEADER', 'constructor', q('')],
  ['HEADER', 'toString', q('plain')],
  ['HEADER', 'hasOwnProperty', q('')],
  ['HEADER', 'valueOf', q('')],
  ['HEADER', 'X-Only', q('')],
  ['HEADER', 'X-Long', q('vvvvvvvv')],
  ['HEADER', 'X-CR', q('a')],
  ['HEADER', 'In-Reply-To', q('enc@')],
  ['HEADER', 'References', q('orig@example.net')],
  ['HEADER', 'Subject', q('')],
  ['HEADER', 'Date', q('2024')],
  ['HEADER', 'Received', q('')],
  ['CHARSET', 'UTF-8', 'HEADER', 'X-Latin1', q('café')],
  ['CHARSET', 'UTF-8', 'HEADER', 'Sender', q('Jörg')],
  // BODY and TEXT.
  ['BODY', q('plain message')],
  ['BODY', q('HELLO BOB')],
  ['BODY', q('Hello')],
  ['TEXT', q('Bob')],
  ['TEXT', q('alice@example.com')],
  ['TEXT', q('X-Field-9999')],
  ['CHARSET', 'UTF-8', 'BODY', q('déjà vu')],
  ['CHARSET', 'UTF-8', 'BODY', q('DÉJÀ VU')],
  ['CHARSET', 'UTF-8', 'BODY', q('Schöne Grüße')],
  ['BODY', q('world!')],
  ['BODY', q('SGVsbG8sIHdvcmxk')],
  ['CHARSET', 'UTF-8', 'BODY', q('ümlauts')],
  ['CHARSET', 'UTF-8', 'BODY', q('crème brûlée')],
  ['BODY', q('soft line break')],
  ['BODY', q('equals sign = and tab')],
  ['CHARSET', 'UTF-8', 'BODY', q('“quoted”')],
  ['CHARSET', 'UTF-8', 'BODY', q('é and soft')],
  ['TEXT', q('continued')],
  ['BODY', q('continued')],
  ['CHARSET', 'UTF-8', 'TEXT', q('Encoded € subject')],
  ['CHARSET', 'UTF-8', 'TEXT', q('Élo')],
  ['BODY', q('the deepest leaf')],
  ['BODY', q('part 10004')],
  ['BODY', q('level two html')],
  ['TEXT', q('level two')],
  ['BODY', q('bottom body')],
  ['BODY', q('first in digest')],
  ['BODY', q('Final-Recipient')],
  ['BODY', q('__proto__')],
  ['BODY', q('binary')],
  ['BODY', q('epilogue')],
  ['BODY', q('preamble')],
  ['BODY', q('with LF')],
  ['BODY', q('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')],
  ['BODY', q('HTML version')],
  ['BODY', q('<p>')],
  ['BODY', q('')],
  ['TEXT', q('')],
  ['CHARSET', 'UTF-8', 'BODY', q('UTF-8 message body')],
  ['CHARSET', 'US-ASCII', 'BODY', q('leaf')],
  // Sizes.
  ['LARGER', '0'],
  ['LARGER', '400'],
  ['LARGER', '1000'],
  ['LARGER', '100000'],
  ['SMALLER', '300'],
  ['SMALLER', '500'],
  ['SMALLER', '1000'],
  ['LARGER', '500', 'SMALLER', '800'],
  // Internal dates (in the servers' TIME_ZONE) and sent dates.
  ['BEFORE', '1-Feb-2024'],
  ['BEFORE', '2-Feb-2024'],
  ['BEFORE', '10-Feb-2024'],
  ['SINCE', '10-Feb-2024'],
  ['SINCE', '28-Feb-2024'],
  ['SINCE', '1-Mar-2024'],
  ...[1, 2, 5, 6, 11, 12, 16, 17, 21, 22, 26, 27, 28, 29].map((day) => ['ON', `${day}-Feb-2024`]),
  ['SINCE', '6-Feb-2024', 'BEFORE', '12-Feb-2024'],
  ['SENTON', '5-Feb-2024'],
  ['SENTON', '4-Feb-2024'],
  ['SENTON', '6-Feb-2024'],
  ['SENTON', '9-Feb-2024'],
  ['SENTON', '12-Feb-2024'],
  ['SENTON', '14-Feb-2024'],
  ['SENTBEFORE', '5-Feb-2024'],
  ['SENTBEFORE', '6-Feb-2024'],
  ['SENTBEFORE', '1-Jan-2000'],
  ['SENTSINCE', '6-Feb-2024'],
  ['SENTSINCE', '10-Feb-2024'],
  ['SENTSINCE', '1-Jan-1970'],
  ['SENTON', '1-Jan-1970'],
  ['NOT', 'SENTSINCE', '1-Jan-1971'],
  // Sequence and UID sets.
  ['1:5'],
  ['60:*'],
  ['*'],
  ['3,1,7:9'],
  ['UID', '1:10'],
  ['UID', '20:*'],
  ['UID', '5,7,9:12'],
  ['UID', '*'],
  ['UID', '12:3'],
  ['UID', '1000:2000'],
  ['UID', '1:*', 'SEEN'],
  // NOT / OR.
  ['NOT', 'SEEN'],
  ['NOT', 'NOT', 'SEEN'],
  ['OR', 'FLAGGED', 'DELETED'],
  ['NOT', 'OR', 'FROM', q('alice'), 'SUBJECT', q('plain')],
  ['OR', '(SEEN FLAGGED)', 'NOT', 'DELETED'],
  ['(OR ANSWERED DRAFT)', 'NOT', 'UID', '1:20'],
  ['OR', 'OR', 'KEYWORD', 'Important', 'ANSWERED', 'LARGER', '50000'],
  ['SEEN', 'FLAGGED', 'UNDELETED'],
  ['NOT', '(SEEN UNFLAGGED)', 'OR', 'BODY', q('leaf'), 'TEXT', q('Bob')],
  ['OR', 'HEADER', '__proto__', q(''), 'SUBJECT', q('Re:')],
];

/** Run as UID SEARCH too. */
const UID_SEARCHES: readonly (readonly Token[])[] = [['ALL'], ['SEEN'], ['UID', '5,7,9:12'], ['2:4'], ['OR', 'FLAGGED', 'DELETED'], ['KEYWORD', 'Important']];

/** SORT (RFC 5256) programs: criteria, charset, search keys. */
const SORTS: readonly string[] = [
  '(ARRIVAL) UTF-8 ALL',
  '(REVERSE ARRIVAL) UTF-8 ALL',
  '(DATE) UTF-8 ALL',
  '(REVERSE DATE) UTF-8 ALL',
  '(FROM) UTF-8 ALL',
  '(REVERSE FROM) UTF-8 ALL',
  '(SUBJECT) UTF-8 ALL',
  '(REVERSE SUBJECT) UTF-8 ALL',
  '(SIZE) UTF-8 ALL',
  '(REVERSE SIZE) UTF-8 ALL',
  '(TO) UTF-8 ALL',
  '(CC) UTF-8 ALL',
  '(SUBJECT DATE) UTF-8 ALL',
  '(REVERSE SUBJECT REVERSE DATE) UTF-8 ALL',
  '(FROM SIZE) US-ASCII UNSEEN',
  '(DATE) UTF-8 SEEN',
];

const THREADS: readonly string[] = ['REFERENCES UTF-8 ALL', 'ORDEREDSUBJECT UTF-8 ALL', 'REFERENCES UTF-8 UNDELETED', 'ORDEREDSUBJECT US-ASCII SEEN'];

let dovecot: Dovecot | undefined;
let server: MailServer | undefined;
let sides: Side[] = [];
let startError: Error | undefined;

before(async () => {
  const unavailable = dovecotUnavailable();
  if (unavailable) {
    startError = new Error(`Dovecot is needed for this test (Debian packages: ${DOVECOT_PACKAGES.join(' ')}): ${unavailable}`);
    return;
  }
  try {
    const [startedDovecot, startedServer] = await Promise.allSettled([
      startDovecot({ timeZone: TIME_ZONE }),
      startMailServer([DOMAIN], [{ address: USER, password: PASSWORD }], { POSTWARDEN_IMAP_PLAINTEXT_LOCALHOST: 'true', TZ: TIME_ZONE }),
    ]);
    if (startedDovecot.status === 'fulfilled') dovecot = startedDovecot.value;
    if (startedServer.status === 'fulfilled') server = startedServer.value;
    if (startedDovecot.status === 'rejected') throw startedDovecot.reason;
    if (startedServer.status === 'rejected') throw startedServer.reason;
    const d = startedDovecot.value;
    const s = startedServer.value;
    const login = async (port: number, user: string, password: string): Promise<ImapClient> => {
      const client = await ImapClient.connect(port);
      await client.login(user, password);
      return client;
    };
    const connectOurs = (): Promise<ImapClient> => login(s.port('imap'), USER, PASSWORD);
    const connectDovecot = (): Promise<ImapClient> => login(d.port, d.user, d.password);
    sides = [
      { name: 'postwarden', connect: connectOurs, main: await connectOurs(), binary: await connectOurs() },
      { name: 'dovecot', connect: connectDovecot, main: await connectDovecot(), binary: await connectDovecot() },
    ];
  } catch (error) {
    startError = error as Error;
  }
});

after(async () => {
  for (const side of sides) {
    await side.main.logout();
    await side.binary.logout();
  }
  await dovecot?.stop();
  await server?.close();
});

test('Postwarden answers FETCH, SEARCH, SORT and THREAD like Dovecot over the corpus', { timeout: 600_000 }, async () => {
  if (startError) throw startError;
  const [ours, theirs] = sides as [Side, Side];
  const files = readdirSync(CORPUS).filter((name) => name.endsWith('.eml')).sort();
  assert.ok(files.length >= 50, `corpus has ${files.length} messages`);
  const differences: Difference[] = [];
  let compared = 0;
  const differ = (message: string, item: string, a: ImapValue | undefined, b: ImapValue | undefined): void => {
    compared++;
    if (a !== undefined && b !== undefined && sameValue(a, b)) return;
    differences.push({ message, item, ours: a === undefined ? '(missing)' : render(a), dovecot: b === undefined ? '(missing)' : render(b) });
  };
  /** The same command on both servers at once, on the main sessions. */
  const both = async (parts: string | readonly CommandPart[]): Promise<[CommandResult, CommandResult]> => {
    return Promise.all([ours.main.command(parts), theirs.main.command(parts)]);
  };
  /** A command on a side's BINARY session; when the server drops it, a fresh selected one. */
  const onBinarySession = async (side: Side, command: string): Promise<Outcome> => {
    try {
      return await side.binary.command(command);
    } catch (error) {
      if (!side.binary.closed) throw error;
      side.binary = await side.connect();
      await side.binary.ok('EXAMINE INBOX');
      return 'DISCONNECTED';
    }
  };

  // APPEND every message to both, same flags and INTERNALDATE, plain synchronizing literals. A
  // message with NUL octets cannot be a plain literal (RFC 9051 §9: literal = ... *CHAR8, CHAR8
  // excludes NUL): that APPEND goes to a side mailbox, and the message to INBOX as a literal8
  // (RFC 3516 §4.4), so both INBOXes hold the same messages in the same order.
  const [createOurs, createDovecot] = await both(`CREATE ${PLAIN_NUL}`);
  assert.equal(createOurs.status, 'OK', `CREATE on Postwarden: ${createOurs.text}`);
  assert.equal(createDovecot.status, 'OK', `CREATE on Dovecot: ${createDovecot.text}`);
  const status = (r: CommandResult): string => failure(r) ?? 'OK';
  for (const [i, file] of files.entries()) {
    const message = new Uint8Array(readFileSync(join(CORPUS, file)));
    const plan = appendPlan(i);
    const item = `APPEND (${plan.flags.join(' ')}) "${plan.date}"`;
    const binary = message.includes(0);
    if (binary) {
      const [a, b] = await Promise.all([ours.main.append(PLAIN_NUL, message, plan), theirs.main.append(PLAIN_NUL, message, plan)]);
      differ(file, `${item} plain literal with NUL`, status(a), status(b));
    }
    const [a, b] = await Promise.all([ours.main.append('INBOX', message, { ...plan, binary }), theirs.main.append('INBOX', message, { ...plan, binary })]);
    differ(file, `${item}${binary ? ' literal8' : ''}`, status(a), status(b));
    assert.equal(b.status, 'OK', `Dovecot refused ${file}: ${b.text}`);
  }
  const [selectOurs, selectDovecot] = await both('SELECT INBOX');
  assert.equal(selectOurs.status, 'OK', `SELECT on Postwarden: ${selectOurs.text}`);
  assert.equal(selectDovecot.status, 'OK', `SELECT on Dovecot: ${selectDovecot.text}`);
  const exists = (r: CommandResult): number | undefined => r.untagged.map((u) => u.values).find((v) => typeof v[0] === 'number' && v[1] === 'EXISTS')?.[0] as number | undefined;
  differ(MAILBOX, 'SELECT INBOX EXISTS', exists(selectOurs) ?? null, exists(selectDovecot) ?? null);
  for (const side of sides) await side.binary.ok('EXAMINE INBOX');

  // FETCH per message.
  for (const [i, file] of files.entries()) {
    const seq = i + 1;
    try {
      const [wholeOurs, wholeDovecot] = await both(`FETCH ${seq} (BODY.PEEK[])`);
      differ(file, 'BODY[]', fetchedItems(wholeOurs).get(seq)?.get('BODY[]') ?? failure(wholeOurs), fetchedItems(wholeDovecot).get(seq)?.get('BODY[]') ?? failure(wholeDovecot));
      const paths = partPaths(indexMessage(new Uint8Array(readFileSync(join(CORPUS, file)))));
      const items = fetchItems(paths);
      const [a, b] = await both(`FETCH ${seq} (${items.map((item) => item.request).join(' ')})`);
      const mine = fetchedItems(a).get(seq) ?? new Map<string, ImapValue>();
      const dove = fetchedItems(b).get(seq) ?? new Map<string, ImapValue>();
      if (a.status !== 'OK' || b.status !== 'OK') differ(file, 'FETCH status', failure(a) ?? 'OK', failure(b) ?? 'OK');
      for (const item of items) {
        if (item.key === 'FLAGS') differ(file, 'FLAGS', flagSet(mine.get('FLAGS')), flagSet(dove.get('FLAGS')));
        else differ(file, item.key, mine.get(item.key), dove.get(item.key));
      }
      for (const key of new Set([...mine.keys(), ...dove.keys()])) {
        if (!items.some((item) => item.key === key)) differ(file, `unrequested ${key}`, mine.get(key), dove.get(key));
      }

      // BINARY and BINARY.SIZE per part, one command each (an undecodable part fails the whole
      // FETCH, RFC 3516 §4.3), on the second sessions.
      const binaries: { request: string; key: string }[] = [];
      for (const path of [[], ...paths.slice(0, MAX_BINARY_PATHS)]) {
        const name = pathText(path);
        binaries.push({ request: `BINARY.PEEK[${name}]`, key: `BINARY[${name}]` });
        if (path.length > 0) binaries.push({ request: `BINARY.SIZE[${name}]`, key: `BINARY.SIZE[${name}]` });
      }
      binaries.push({ request: 'BINARY.PEEK[1]<2.5>', key: 'BINARY[1]<2>' });
      for (const binary of binaries) {
        const [x, y] = await Promise.all(sides.map((side) => onBinarySession(side, `FETCH ${seq} (${binary.request})`)));
        const value = (r: Outcome | undefined): ImapValue | undefined => {
          if (r === undefined) return undefined;
          const failed = failure(r);
          if (failed !== undefined || r === 'DISCONNECTED') return failed;
          return fetchedItems(r).get(seq)?.get(binary.key);
        };
        differ(file, binary.key, value(x), value(y));
      }
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}\nDovecot log:\n${dovecot?.log().slice(-3000) ?? ''}`, { cause: error });
    }
  }

  // SEARCH, UID SEARCH, SORT, THREAD over the whole mailbox.
  const searchResult = (r: CommandResult): ImapValue => {
    const failed = failure(r);
    if (failed !== undefined) return failed;
    const numbers = untaggedData(r, 'SEARCH').flat();
    return [...numbers].sort((x, y) => Number(x) - Number(y));
  };
  const ordered = (word: string) => (r: CommandResult): ImapValue => failure(r) ?? untaggedData(r, word);
  const run = async (tokens: readonly Token[], read: (r: CommandResult) => ImapValue): Promise<void> => {
    const [a, b] = await both(commandParts(tokens));
    differ(MAILBOX, commandText(tokens), read(a), read(b));
  };
  for (const keys of SEARCHES) await run(['SEARCH', ...keys], searchResult);
  for (const keys of UID_SEARCHES) await run(['UID', 'SEARCH', ...keys], searchResult);
  for (const program of SORTS) {
    await run([`SORT ${program}`], ordered('SORT'));
    await run([`UID SORT ${program}`], ordered('SORT'));
  }
  for (const program of THREADS) {
    await run([`THREAD ${program}`], ordered('THREAD'));
    await run([`UID THREAD ${program}`], ordered('THREAD'));
  }

  // A zero-length partial: RFC 9051 §9 partial = "<" number64 "." nz-number64 ">".
  const [zeroOurs, zeroDovecot] = await both('FETCH 1 (BODY.PEEK[TEXT]<0.0>)');
  differ(MAILBOX, 'FETCH 1 (BODY.PEEK[TEXT]<0.0>)', failure(zeroOurs) ?? fetchedItems(zeroOurs).get(1)?.get('BODY[TEXT]<0>'), failure(zeroDovecot) ?? fetchedItems(zeroDovecot).get(1)?.get('BODY[TEXT]<0>'));

  // A FETCH without PEEK sets \Seen and reports the new FLAGS (RFC 9051 §6.4.5).
  const unseen = files.findIndex((_, i) => !appendPlan(i).flags.includes('\\Seen')) + 1;
  const [setA, setB] = await both(`FETCH ${unseen} (BODY[HEADER.FIELDS (SUBJECT)])`);
  const withFlags = (r: CommandResult): ImapValue => {
    const items = fetchedItems(r).get(unseen);
    return failure(r) ?? [items?.get('BODY[HEADER.FIELDS (SUBJECT)]') ?? null, flagSet(items?.get('FLAGS')) ?? null];
  };
  differ(files[unseen - 1] ?? '', 'BODY[HEADER.FIELDS (SUBJECT)] without PEEK, then FLAGS', withFlags(setA), withFlags(setB));
  const [unseenOurs, unseenDovecot] = await both('SEARCH UNSEEN');
  differ(MAILBOX, 'SEARCH UNSEEN after that FETCH', searchResult(unseenOurs), searchResult(unseenDovecot));

  const matches = (a: Accepted, d: Difference): boolean => a.message === d.message && (typeof a.item === 'string' ? a.item === d.item : a.item.test(d.item));
  const unlisted = differences.filter((d) => !ACCEPTED.some((a) => matches(a, d)));
  const stale = ACCEPTED.filter((a) => !differences.some((d) => matches(a, d)));
  const report = unlisted.map((d) => `${d.message} ${d.item}\n  ours:    ${d.ours}\n  dovecot: ${d.dovecot}`).join('\n');
  const staleReport = stale.map((a) => `${a.message} ${String(a.item)}`).join('\n');
  assert.ok(unlisted.length === 0 && stale.length === 0, `${compared} items compared, ${differences.length - unlisted.length} accepted differences;\n${unlisted.length} unlisted differences:\n${report}\n${stale.length} accepted differences that no longer occur:\n${staleReport}`);
});
