// Differential test of the message model (src/mail/mime) against Dovecot: every corpus message
// (test/interop/corpus) is APPENDed to a throwaway Dovecot, then BODYSTRUCTURE, BODY, ENVELOPE,
// RFC822.SIZE, BODY[] sections (whole, HEADER, TEXT, HEADER.FIELDS (.NOT), every part, its MIME
// header, HEADER/TEXT of embedded messages, out-of-range parts, partials) and BINARY / BINARY.SIZE
// of every part are fetched and compared with what the model computes from the same octets.
// Dovecot stores bare LF line ends as CRLF; the model is given the octets Dovecot serves.
// Every difference must be fixed or listed in ACCEPTED below with its RFC reason; a listed
// difference that no longer occurs fails too, so the list stays true.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ImapClient, type ImapValue } from '../helpers/imap-client.ts';
import { startDovecot, dovecotUnavailable, DOVECOT_PACKAGES, type Dovecot } from './dovecot.ts';
import { render, sameValue } from './imap-compare.ts';
import { binarySection, binarySize, bodyStructure, envelope, indexMessage, section, type MimeIndex, type MimePart, type SectionSpec } from '../../src/mail/mime/mime.ts';

const CORPUS = join(import.meta.dirname, 'corpus');
/** Part paths fetched per message at most (the 10 000-part message needs only a sample). */
const MAX_PATHS = 40;

interface Accepted {
  readonly message: string;
  /** The FETCH item (as the response names it, upper case) or a pattern of them. */
  readonly item: string | RegExp;
  readonly reason: string;
}

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
];

interface Difference {
  readonly message: string;
  readonly item: string;
  readonly ours: string;
  readonly dovecot: string;
}

/**
 * The octets Dovecot serves for a message it was given: its maildir stores LF line ends (one CR
 * before each LF dropped) and it serves CRLF (a CR added before each bare LF).
 */
function likeDovecot(bytes: Uint8Array): Uint8Array {
  const lf: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] ?? 0;
    if (c === 0x0d && bytes[i + 1] === 0x0a) continue;
    lf.push(c);
  }
  const out: number[] = [];
  for (let i = 0; i < lf.length; i++) {
    const c = lf[i] ?? 0;
    if (c === 0x0a && (i === 0 || lf[i - 1] !== 0x0d)) out.push(0x0d);
    out.push(c);
  }
  return new Uint8Array(out);
}

function pathText(path: readonly number[]): string {
  return path.join('.');
}

/** Part paths in IMAP numbering (RFC 9051 §6.4.5), breadth first, bounded. */
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

function sectionName(spec: SectionSpec): string {
  const parts = [pathText(spec.part), spec.text === undefined ? '' : spec.fields ? `${spec.text} (${spec.fields.join(' ')})` : spec.text].filter((s) => s !== '');
  return parts.join('.');
}

let dovecot: Dovecot | undefined;
let client: ImapClient | undefined;
let startError: Error | undefined;

before(async () => {
  const unavailable = dovecotUnavailable();
  if (unavailable) {
    startError = new Error(`Dovecot is needed for this test (Debian packages: ${DOVECOT_PACKAGES.join(' ')}): ${unavailable}`);
    return;
  }
  try {
    dovecot = await startDovecot();
    client = await ImapClient.connect(dovecot.port);
    await client.login(dovecot.user, dovecot.password);
  } catch (error) {
    startError = error as Error;
  }
});

after(async () => {
  await client?.logout();
  await dovecot?.stop();
});

test('the message model answers FETCH like Dovecot for every corpus message', { timeout: 300_000 }, async () => {
  if (startError) throw startError;
  let imap = client as ImapClient;
  /** Runs a FETCH; when Dovecot drops the connection (it does on a failed read in mid-literal), reconnects. */
  const fetchOrDrop = async (command: string): Promise<Awaited<ReturnType<ImapClient['command']>> | 'DISCONNECTED'> => {
    try {
      return await imap.command(command);
    } catch (error) {
      if (!imap.closed) throw error;
      imap = await ImapClient.connect((dovecot as Dovecot).port);
      client = imap;
      await imap.login((dovecot as Dovecot).user, (dovecot as Dovecot).password);
      await imap.ok('SELECT INBOX');
      return 'DISCONNECTED';
    }
  };
  const files = readdirSync(CORPUS).filter((name) => name.endsWith('.eml')).sort();
  assert.ok(files.length >= 50, `corpus has ${files.length} messages`);
  await imap.ok('SELECT INBOX');
  const differences: Difference[] = [];
  let compared = 0;
  for (const [i, file] of files.entries()) {
    try {
      await compareMessage(i, file);
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}\nDovecot log:\n${dovecot?.log().slice(-3000) ?? ''}`, { cause: error });
    }
  }
  async function compareMessage(i: number, file: string): Promise<void> {
    const original = new Uint8Array(readFileSync(join(CORPUS, file)));
    // A plain literal even with NULs: Dovecot stores it as given (a binary literal would make it
    // convert binary parts to base64, RFC 3516 §4.4).
    const append = await imap.append('INBOX', original);
    assert.equal(append.status, 'OK', `APPEND ${file}: ${append.text}`);
    const seq = i + 1;
    const differ = (item: string, ours: ImapValue, theirs: ImapValue | undefined): void => {
      compared++;
      if (theirs !== undefined && sameValue(ours, theirs)) return;
      differences.push({ message: file, item, ours: render(ours), dovecot: theirs === undefined ? '(missing)' : render(theirs) });
    };

    const whole = await imap.fetch(String(seq), '(BODY.PEEK[])');
    const served = whole.get(seq)?.get('BODY[]');
    assert.ok(served instanceof Uint8Array, `${file}: BODY[] missing`);
    // The model reads the octets Dovecot serves (bare LF already CRLF); NULs Dovecot sends as 0x80.
    const raw = likeDovecot(original);
    const index = indexMessage(raw);
    differ('BODY[]', section(raw, index, { part: [] }), served);

    const specs: { name: string; spec: SectionSpec; partial?: { offset: number; length: number } }[] = [
      { name: 'HEADER', spec: { part: [], text: 'HEADER' } },
      { name: 'TEXT', spec: { part: [], text: 'TEXT' } },
      { name: 'HEADER.FIELDS (FROM SUBJECT)', spec: { part: [], text: 'HEADER.FIELDS', fields: ['FROM', 'SUBJECT'] } },
      { name: 'HEADER.FIELDS.NOT (FROM)', spec: { part: [], text: 'HEADER.FIELDS.NOT', fields: ['FROM'] } },
      { name: '', spec: { part: [] }, partial: { offset: 0, length: 10 } },
      { name: '', spec: { part: [] }, partial: { offset: 5, length: 1_000_000 } },
      { name: 'TEXT', spec: { part: [], text: 'TEXT' }, partial: { offset: 3, length: 7 } },
    ];
    const paths = partPaths(index);
    for (const path of [...paths, [9], [1, 9], [2, 1]]) {
      specs.push({ name: pathText(path), spec: { part: path } });
      specs.push({ name: `${pathText(path)}.MIME`, spec: { part: path, text: 'MIME' } });
      specs.push({ name: `${pathText(path)}.HEADER`, spec: { part: path, text: 'HEADER' } });
      specs.push({ name: `${pathText(path)}.TEXT`, spec: { part: path, text: 'TEXT' } });
      specs.push({ name: `${pathText(path)}.HEADER.FIELDS (SUBJECT CONTENT-TYPE)`, spec: { part: path, text: 'HEADER.FIELDS', fields: ['SUBJECT', 'CONTENT-TYPE'] } });
    }
    const items = ['BODYSTRUCTURE', 'BODY', 'ENVELOPE', 'RFC822.SIZE', ...specs.map((s) => `BODY.PEEK[${s.name}]${s.partial ? `<${s.partial.offset}.${s.partial.length}>` : ''}`)];
    const fetched = (await imap.fetch(String(seq), `(${items.join(' ')})`)).get(seq) ?? new Map<string, ImapValue>();
    differ('BODYSTRUCTURE', bodyStructure(raw, index, { extensible: true }), fetched.get('BODYSTRUCTURE'));
    differ('BODY', bodyStructure(raw, index, { extensible: false }), fetched.get('BODY'));
    differ('ENVELOPE', envelope(raw, index), fetched.get('ENVELOPE'));
    differ('RFC822.SIZE', raw.length, fetched.get('RFC822.SIZE'));
    for (const s of specs) {
      const key = `BODY[${s.name}]${s.partial ? `<${s.partial.offset}>` : ''}`.toUpperCase();
      differ(key, section(raw, index, s.spec, s.partial), fetched.get(key));
    }
    assert.equal(sectionName({ part: [1], text: 'MIME' }), '1.MIME');

    // BINARY per part, one command each: an undecodable part fails the whole FETCH (RFC 3516 §4.3).
    for (const path of [[], ...paths.slice(0, 12)]) {
      const name = pathText(path);
      const ours = binarySection(raw, index, path);
      const result = await fetchOrDrop(`FETCH ${seq} (BINARY.PEEK[${name}])`);
      const key = `BINARY[${name}]`;
      if (result === 'DISCONNECTED') {
        differ(key, ours.ok ? ours.bytes : `NO ${ours.error}`, 'DISCONNECTED');
        continue;
      }
      const theirs = result.untagged.map((r) => r.values).find((v) => v[1] === 'FETCH');
      if (result.status !== 'OK') {
        const code = /Unknown Content-Transfer-Encoding/i.test(result.text) || result.tagged.code?.[0] === 'UNKNOWN-CTE' ? 'UNKNOWN-CTE' : 'INVALID-DATA';
        differ(key, ours.ok ? ours.bytes : `NO ${ours.error}`, `NO ${code}`);
      } else {
        const list = (theirs?.[2] ?? []) as readonly ImapValue[];
        const value = list[list.findIndex((v) => typeof v === 'string' && v.toUpperCase() === key) + 1];
        differ(key, ours.ok ? ours.bytes : `NO ${ours.error}`, value);
      }
      if (path.length === 0) continue;
      const size = binarySize(raw, index, path);
      const sizeResult = await fetchOrDrop(`FETCH ${seq} (BINARY.SIZE[${name}])`);
      const sizeKey = `BINARY.SIZE[${name}]`;
      if (sizeResult === 'DISCONNECTED') {
        differ(sizeKey, size.ok ? size.size : `NO ${size.error}`, 'DISCONNECTED');
      } else if (sizeResult.status !== 'OK') {
        const code = /Unknown Content-Transfer-Encoding/i.test(sizeResult.text) ? 'UNKNOWN-CTE' : 'INVALID-DATA';
        differ(sizeKey, size.ok ? size.size : `NO ${size.error}`, `NO ${code}`);
      } else {
        const values = sizeResult.untagged.map((r) => r.values).find((v) => v[1] === 'FETCH');
        const list = (values?.[2] ?? []) as readonly ImapValue[];
        differ(sizeKey, size.ok ? size.size : `NO ${size.error}`, list[list.findIndex((v) => typeof v === 'string' && v.toUpperCase() === sizeKey) + 1]);
      }
    }
  }

  const matches = (a: Accepted, d: Difference): boolean => a.message === d.message && (typeof a.item === 'string' ? a.item === d.item : a.item.test(d.item));
  const unlisted = differences.filter((d) => !ACCEPTED.some((a) => matches(a, d)));
  const stale = ACCEPTED.filter((a) => !differences.some((d) => matches(a, d)));
  const report = unlisted.map((d) => `${d.message} ${d.item}\n  ours:    ${d.ours}\n  dovecot: ${d.dovecot}`).join('\n');
  assert.equal(unlisted.length, 0, `${unlisted.length} unlisted differences out of ${compared} compared items:\n${report}`);
  assert.deepEqual(stale.map((a) => `${a.message} ${String(a.item)}`), [], 'accepted differences that no longer occur');
});
