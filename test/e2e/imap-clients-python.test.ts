// IMAP with Python's imaplib as scripts and mail programs use it (test/interop/python/
// imap_session.py): login over STARTTLS and implicit TLS, LIST with special-use, SELECT and
// EXAMINE, FETCH of every kind, SEARCH, STORE, COPY, MOVE, EXPUNGE, APPEND, mailbox management,
// STATUS, imaplib's enable() (CONDSTORE, UTF8=ACCEPT), IDLE (sent by hand: imaplib 3.11 has none)
// seeing a message delivered over SMTP, and two sessions seeing each other's changes. Every
// outcome is checked on the client side and in the store.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mailboxNames, mustMailbox, recordWith } from '../helpers/imap-tools.ts';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { deliver } from '../helpers/pop3-delivery.ts';
import { runPython } from '../helpers/python.ts';

interface SessionInfo {
  welcome: string;
  capabilities_before_tls: string[];
  capabilities: string[];
  starttls?: [string, string[]];
  login?: [string, string[] | string];
  capabilities_after_login?: string[];
}

interface StepResult {
  typ?: string;
  data?: unknown[];
  untagged?: Record<string, unknown[]>;
  error?: string;
  // IDLE steps
  continuation?: string;
  lines?: string[];
  missing?: string[];
  done?: string;
  timed_out?: boolean;
  during?: StepResult[];
  // SMTP steps
  sent?: boolean;
}

interface SessionRun {
  sessions: Record<string, SessionInfo>;
  steps: StepResult[];
  error?: string;
}

type Step = readonly unknown[];

const MULTIPART = [
  'From: Carol Sender <carol@remote.example>',
  'To: Alice <alice@example.com>',
  'Subject: Quarterly report',
  'Date: Tue, 05 Mar 2024 09:30:00 +0000',
  'Message-ID: <report-1@remote.example>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  'This is a MIME message.',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  'Gr\u00fc\u00dfe \u2014 the numbers are in.',
  '--b1',
  'Content-Type: application/pdf; name="report.pdf"',
  'Content-Disposition: attachment; filename="report.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0xLjQKJeLjz9MK',
  '--b1--',
  '',
].join('\r\n');

function plain(subject: string, body: string, extra: readonly string[] = []): string {
  return [`From: someone@remote.example`, `To: user@example.com`, `Subject: ${subject}`, ...extra, '', body, ''].join('\r\n');
}

describe('imap: Python imaplib', () => {
  let server: MailServer;
  const user = (name: string): string => `${name}@example.com`;
  const users = ['login', 'reader', 'searcher', 'changer', 'boxes', 'idler', 'shared', 'condstore'].map(user);

  before(async () => {
    server = await startMailServer(['example.com'], users.map((address) => ({ address, password: PASSWORD })));
  });
  after(() => server.close());

  function session(address: string, mode: 'ssl' | 'starttls' | 'plain' = 'ssl', login = true): Record<string, unknown> {
    return { mode, port: server.port(mode === 'ssl' ? 'imaps' : 'imap'), user: address, password: PASSWORD, login };
  }

  async function imaplib(sessions: Record<string, Record<string, unknown>>, steps: readonly Step[]): Promise<SessionRun> {
    const run = await runPython<SessionRun>('imap_session.py', { host: '127.0.0.1', smtp_port: server.port('smtp'), sessions, steps });
    assert.equal(run.error, undefined, `imaplib failed: ${run.error}`);
    assert.equal(run.steps.length, steps.length);
    return run;
  }

  /** The step's data, failing unless imaplib reported OK. */
  function ok(step: StepResult | undefined, what: string): unknown[] {
    assert.ok(step, `${what}: no result`);
    assert.equal(step.error, undefined, `${what}: ${step.error}`);
    assert.equal(step.typ, 'OK', `${what}: ${JSON.stringify(step)}`);
    return step.data ?? [];
  }

  /** The literal of a one-message FETCH answer ("n (ITEM {len}" + literal). */
  function literalOf(step: StepResult | undefined, what: string): { head: string; bytes: Buffer } {
    const [first] = ok(step, what);
    assert.ok(Array.isArray(first), `${what}: a literal in ${JSON.stringify(step?.data)}`);
    const [head, body] = first as [string, string];
    return { head, bytes: Buffer.from(body, 'latin1') };
  }

  /** The text of every non-literal FETCH line of a step. */
  function fetchLines(step: StepResult | undefined, what: string): string[] {
    return ok(step, what).map((item) => (Array.isArray(item) ? String(item[0]) : String(item)));
  }

  /** A FETCH line without the session's \Recent flag (IMAP4rev1, RFC 3501 §2.3.2). */
  function withoutRecent(line: string): string {
    return line.replace(/\\Recent ?/g, '').replace(/ \)/g, ')');
  }

  /** Message numbers from a SEARCH answer. */
  function searched(step: StepResult | undefined, what: string): number[] {
    const [line] = ok(step, what);
    return String(line ?? '').split(' ').filter((n) => n !== '').map(Number);
  }

  it('logs in over STARTTLS and implicit TLS, never in plaintext, and lists special-use mailboxes', async () => {
    const address = user('login');
    const run = await imaplib(
      { plaintext: session(address, 'plain'), starttls: session(address, 'starttls'), ssl: session(address, 'ssl') },
      [
        ['ssl', 'list'],
        ['ssl', 'command', 'LIST', '(SPECIAL-USE)', '""', '"*"'],
        ['ssl', 'command', 'LIST', '""', '"*"', 'RETURN', '(SPECIAL-USE)'],
        ['starttls', 'namespace'],
        ['starttls', 'logout'],
      ],
    );
    const { plaintext, starttls, ssl } = run.sessions;
    assert.ok(plaintext && starttls && ssl);
    // RFC 9051 §6.2.3: no login over cleartext unless configured; STARTTLS offered (§6.2.1).
    assert.ok(plaintext.capabilities_before_tls.includes('LOGINDISABLED'), plaintext.capabilities_before_tls.join(' '));
    assert.ok(plaintext.capabilities_before_tls.includes('STARTTLS'));
    assert.ok(!plaintext.capabilities_before_tls.some((c) => c.startsWith('AUTH=')), 'no AUTH= mechanisms before TLS');
    assert.equal(plaintext.login?.[0], 'ERROR', 'LOGIN before TLS is refused');
    // After STARTTLS the capabilities are asked again (RFC 9051 §6.2.1) and login works.
    assert.equal(starttls.starttls?.[0], 'OK');
    assert.ok(!starttls.capabilities.includes('STARTTLS'), 'no STARTTLS once TLS is on');
    assert.ok(!starttls.capabilities.includes('LOGINDISABLED'));
    assert.ok(starttls.capabilities.includes('AUTH=PLAIN'), starttls.capabilities.join(' '));
    assert.equal(starttls.login?.[0], 'OK', JSON.stringify(starttls.login));
    assert.equal(ssl.login?.[0], 'OK', JSON.stringify(ssl.login));
    for (const capability of ['IMAP4rev2', 'IDLE', 'MOVE', 'UIDPLUS', 'SPECIAL-USE', 'CONDSTORE', 'QRESYNC', 'QUOTA', 'ESEARCH']) {
      assert.ok(ssl.capabilities_after_login?.includes(capability), `${capability} after login`);
    }
    // LIST: every default mailbox, special-use attributes on the five that have one (RFC 6154).
    const listed = ok(run.steps[0], 'LIST').map(String);
    const attributes = new Map(listed.map((line) => {
      const match = /^\(([^)]*)\) "\/" "?([^"]+)"?$/.exec(line);
      assert.ok(match, `LIST line ${line}`);
      return [match[2] ?? '', (match[1] ?? '').split(' ')] as const;
    }));
    assert.deepEqual([...attributes.keys()].sort(), ['Archive', 'Drafts', 'Forums', 'INBOX', 'Junk', 'Promotions', 'Sent', 'Social', 'Trash', 'Updates']);
    for (const [name, use] of [['Archive', '\\Archive'], ['Drafts', '\\Drafts'], ['Junk', '\\Junk'], ['Sent', '\\Sent'], ['Trash', '\\Trash']] as const) {
      assert.ok(attributes.get(name)?.includes(use), `${name} has ${use}: ${attributes.get(name)?.join(' ')}`);
    }
    // LIST (SPECIAL-USE) selects only those (RFC 6154 §3); RETURN (SPECIAL-USE) lists all.
    ok(run.steps[1], 'LIST (SPECIAL-USE)');
    const selected = (run.steps[1]?.untagged?.LIST ?? []).map(String);
    assert.deepEqual(selected.map((line) => line.split(' ').at(-1)).sort(), ['Archive', 'Drafts', 'Junk', 'Sent', 'Trash']);
    ok(run.steps[2], 'LIST RETURN (SPECIAL-USE)');
    assert.equal(run.steps[2]?.untagged?.LIST?.length, 10);
    assert.match(String(ok(run.steps[3], 'NAMESPACE')[0]), /^\(\("" "\/"\)\) NIL NIL$/);
  });

  it('rejects a wrong password and accepts the right one afterwards', async () => {
    const address = user('login');
    const run = await imaplib({ bad: { ...session(address), password: 'wrong password' }, good: session(address) }, []);
    assert.equal(run.sessions.bad?.login?.[0], 'ERROR');
    assert.match(String(run.sessions.bad?.login?.[1]), /AUTHENTICATIONFAILED/);
    assert.equal(run.sessions.good?.login?.[0], 'OK');
  });

  it('reads mail: EXAMINE leaves flags alone, SELECT and FETCH of flags, envelope, structure, body and partials', async () => {
    const address = user('reader');
    await deliver(server, [address], Buffer.from(MULTIPART));
    await deliver(server, [address], Buffer.from(plain('second', 'Second message.')));
    const stored = await mustMailbox(server, address);
    assert.equal(stored.records.length, 2);
    const [raw1, raw2] = stored.raws;
    assert.ok(raw1 && raw2);
    const run = await imaplib({ a: session(address) }, [
      ['a', 'select', 'INBOX', true], // EXAMINE
      ['a', 'fetch', '1', '(BODY[])'],
      ['a', 'fetch', '1', '(FLAGS)'],
      ['a', 'select', 'INBOX'],
      ['a', 'fetch', '1', '(ENVELOPE)'],
      ['a', 'fetch', '1', '(BODYSTRUCTURE)'],
      ['a', 'fetch', '1', '(BODY.PEEK[]<0.40>)'],
      ['a', 'fetch', '1', '(BODY.PEEK[]<40.30>)'],
      ['a', 'fetch', '1', '(BODY.PEEK[1])'],
      ['a', 'fetch', '1', '(BODY.PEEK[2.MIME])'],
      ['a', 'fetch', '1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])'],
      ['a', 'fetch', '1:*', '(UID FLAGS RFC822.SIZE INTERNALDATE)'],
      ['a', 'fetch', '2', '(BODY[TEXT])'],
      ['a', 'fetch', '2', '(FLAGS)'],
      ['a', 'uid', 'FETCH', String(stored.records[1]?.uid), '(RFC822.HEADER)'],
    ]);
    const steps = run.steps;
    // EXAMINE (RFC 9051 §6.3.3): read-only, the message count, and BODY[] sets no \Seen.
    assert.deepEqual(ok(steps[0], 'EXAMINE'), ['2']);
    assert.deepEqual(literalOf(steps[1], 'FETCH BODY[] in EXAMINE').bytes, raw1, 'BODY[] is the stored message, byte for byte');
    assert.doesNotMatch(fetchLines(steps[2], 'FETCH FLAGS').join(' '), /\\Seen/);
    assert.deepEqual(ok(steps[3], 'SELECT'), ['2']);
    assert.ok(steps[3]?.untagged?.UIDVALIDITY?.includes(String(stored.mailbox.uidValidity)), JSON.stringify(steps[3]?.untagged));
    const envelope = fetchLines(steps[4], 'ENVELOPE')[0] ?? '';
    assert.ok(envelope.includes('"Tue, 05 Mar 2024 09:30:00 +0000" "Quarterly report" (("Carol Sender" NIL "carol" "remote.example"))'), envelope);
    assert.ok(envelope.includes('(("Alice" NIL "alice" "example.com"))'), envelope);
    assert.ok(envelope.includes('"<report-1@remote.example>"'), envelope);
    const structure = fetchLines(steps[5], 'BODYSTRUCTURE')[0] ?? '';
    assert.match(structure, /\("text" "plain" \("charset" "utf-8"\) NIL NIL "8bit" 31 \d+ /i, structure);
    assert.match(structure, /\("application" "pdf" \("name" "report\.pdf"\) NIL NIL "base64" 20 /i, structure);
    assert.match(structure, /"mixed" \("boundary" "b1"\)/i, structure);
    // Partial fetches (RFC 9051 §6.4.5): "<origin>" in the answer, exactly the octets asked for.
    const first = literalOf(steps[6], 'BODY[]<0.40>');
    assert.match(first.head, /BODY\[\]<0> \{40\}$/);
    assert.deepEqual(first.bytes, raw1.subarray(0, 40));
    const second = literalOf(steps[7], 'BODY[]<40.30>');
    assert.match(second.head, /BODY\[\]<40> \{30\}$/);
    assert.deepEqual(second.bytes, raw1.subarray(40, 70));
    assert.equal(literalOf(steps[8], 'BODY[1]').bytes.toString('utf8'), 'Gr\u00fc\u00dfe \u2014 the numbers are in.');
    assert.equal(literalOf(steps[9], 'BODY[2.MIME]').bytes.toString(), 'Content-Type: application/pdf; name="report.pdf"\r\nContent-Disposition: attachment; filename="report.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n');
    const fields = literalOf(steps[10], 'HEADER.FIELDS').bytes.toString();
    assert.equal(fields, 'From: Carol Sender <carol@remote.example>\r\nSubject: Quarterly report\r\n\r\n');
    const summary = fetchLines(steps[11], 'FETCH 1:*');
    assert.equal(summary.length, 2);
    for (const [index, line] of summary.entries()) {
      const record = stored.records[index];
      assert.ok(record);
      assert.ok(line.startsWith(`${index + 1} (`), line);
      assert.match(line, new RegExp(`UID ${record.uid}\\b`));
      assert.match(line, new RegExp(`RFC822\\.SIZE ${stored.raws[index]?.length}\\b`));
      assert.match(line, /INTERNALDATE "\d\d-\w{3}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}"/);
    }
    // BODY[TEXT] (not PEEK) in a read-write session sets \Seen (RFC 9051 §6.4.5).
    assert.equal(literalOf(steps[12], 'BODY[TEXT]').bytes.toString(), 'Second message.\r\n');
    assert.match(fetchLines(steps[13], 'FLAGS after BODY[TEXT]').join(' '), /\\Seen/);
    const header = literalOf(steps[14], 'UID FETCH RFC822.HEADER').bytes;
    assert.deepEqual(header, raw2.subarray(0, raw2.indexOf('\r\n\r\n') + 4));
    const after = await mustMailbox(server, address);
    assert.ok(!after.records[0]?.flags.includes('\\Seen'), 'the EXAMINEd message stays unseen');
    assert.ok(after.records[1]?.flags.includes('\\Seen'), 'the message read in SELECT is seen');
  });

  it('appends with flags and dates, then searches by flags, headers, text and dates', async () => {
    const address = user('searcher');
    const messages: [string, string | null, string][] = [
      ['(\\Seen)', '"15-Jan-2024 10:00:00 +0000"', plain('Invoice 2024-001', 'Please pay the invoice.', ['Date: Mon, 15 Jan 2024 09:00:00 +0000']).replace('someone@remote', 'billing@shop')],
      ['(\\Flagged)', '"20-Feb-2024 12:00:00 +0000"', plain('Team lunch', 'Pizza on Friday.', ['Date: Tue, 20 Feb 2024 11:00:00 +0000'])],
      ['(\\Seen \\Answered $Important)', '"01-Mar-2024 12:00:00 +0100"', plain('=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=', 'Viele Gr\u00fc\u00dfe aus K\u00f6ln.', ['Date: Fri, 01 Mar 2024 12:00:00 +0100', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'])],
      ['', null, plain('Re: Invoice 2024-001', 'Paid.', ['Date: Sun, 10 Mar 2024 08:00:00 +0000'])],
    ];
    const run = await imaplib({ a: session(address) }, [
      ...messages.map(([flags, date, message]) => ['a', 'append', 'INBOX', flags, date, message]),
      ['a', 'select', 'INBOX'],
      ['a', 'search', null, 'ALL'],
      ['a', 'search', null, 'SEEN'],
      ['a', 'search', null, 'UNSEEN'],
      ['a', 'search', null, 'FLAGGED'],
      ['a', 'search', null, 'KEYWORD', '$Important'],
      ['a', 'search', null, 'OR', 'FLAGGED', 'ANSWERED'],
      ['a', 'search', null, 'HEADER', 'Subject', 'invoice'],
      ['a', 'search', null, 'FROM', 'billing'],
      ['a', 'search', null, 'TEXT', 'pizza'],
      ['a', 'search', null, 'BODY', 'invoice'],
      ['a', 'search', null, 'SINCE', '1-Feb-2024'],
      ['a', 'search', null, 'BEFORE', '1-Feb-2024'],
      ['a', 'search', null, 'ON', '20-Feb-2024'],
      ['a', 'search', null, 'SENTSINCE', '1-Mar-2024'],
      ['a', 'search', null, 'SENTBEFORE', '1-Feb-2024'],
      ['a', 'literal', 'K\u00f6ln'],
      ['a', 'search', 'UTF-8', 'TEXT'],
      ['a', 'literal', 'Gr\u00fc\u00dfe'],
      ['a', 'search', 'UTF-8', 'SUBJECT'],
      ['a', 'uid', 'SEARCH', 'FLAGGED'],
      ['a', 'search', null, 'UNSEEN', 'SUBJECT', 'invoice'],
    ]);
    const stored = await mustMailbox(server, address);
    assert.equal(stored.records.length, 4);
    // APPEND (RFC 9051 §6.3.12) with APPENDUID (RFC 4315): flags and internal dates as given.
    for (const [index, step] of run.steps.slice(0, 4).entries()) {
      const record = stored.records[index];
      assert.ok(record);
      assert.match(String(ok(step, `APPEND ${index}`)[0]), new RegExp(`^\\[APPENDUID ${stored.mailbox.uidValidity} ${record.uid}\\]`));
    }
    assert.deepEqual(stored.records.map((r) => r.flags), [['\\Seen'], ['\\Flagged'], ['\\Seen', '\\Answered', '$Important'], []]);
    assert.equal(stored.records[0]?.internalDate.toISOString(), '2024-01-15T10:00:00.000Z');
    assert.equal(stored.records[1]?.internalDate.toISOString(), '2024-02-20T12:00:00.000Z');
    assert.equal(stored.records[2]?.internalDate.toISOString(), '2024-03-01T11:00:00.000Z');
    assert.equal(stored.raws[2]?.toString('utf8').endsWith('Viele Gr\u00fc\u00dfe aus K\u00f6ln.\r\n'), true, 'the 8-bit body is stored as sent');
    ok(run.steps[4], 'SELECT');
    const s = (index: number, what: string): number[] => searched(run.steps[5 + index], what);
    assert.deepEqual(s(0, 'ALL'), [1, 2, 3, 4]);
    assert.deepEqual(s(1, 'SEEN'), [1, 3]);
    assert.deepEqual(s(2, 'UNSEEN'), [2, 4]);
    assert.deepEqual(s(3, 'FLAGGED'), [2]);
    assert.deepEqual(s(4, 'KEYWORD'), [3]);
    assert.deepEqual(s(5, 'OR FLAGGED ANSWERED'), [2, 3]);
    assert.deepEqual(s(6, 'HEADER Subject'), [1, 4]);
    assert.deepEqual(s(7, 'FROM'), [1]);
    assert.deepEqual(s(8, 'TEXT'), [2]);
    assert.deepEqual(s(9, 'BODY'), [1]);
    // Internal dates (RFC 9051 §6.4.4: date only, in the internal date's own zone).
    assert.deepEqual(s(10, 'SINCE'), [2, 3, 4], 'the message appended without a date has today\'s date');
    assert.deepEqual(s(11, 'BEFORE'), [1]);
    assert.deepEqual(s(12, 'ON'), [2]);
    assert.deepEqual(s(13, 'SENTSINCE'), [3, 4]);
    assert.deepEqual(s(14, 'SENTBEFORE'), [1]);
    // CHARSET UTF-8 with the key as a literal, as imaplib sends it; encoded words are decoded.
    assert.deepEqual(searched(run.steps[21], 'TEXT Köln'), [3]);
    assert.deepEqual(searched(run.steps[23], 'SUBJECT Grüße'), [3]);
    assert.deepEqual(searched(run.steps[24], 'UID SEARCH'), [stored.records[1]?.uid]);
    assert.deepEqual(searched(run.steps[25], 'UNSEEN SUBJECT'), [4]);
  });

  it('changes mail: STORE, COPY, UID MOVE and EXPUNGE', async () => {
    const address = user('changer');
    for (const n of [1, 2, 3, 4]) await deliver(server, [address], Buffer.from(plain(`change ${n}`, `Body ${n}.`)));
    const before = await mustMailbox(server, address);
    const uids = before.records.map((r) => r.uid);
    const run = await imaplib({ a: session(address) }, [
      ['a', 'select', 'INBOX'],
      ['a', 'store', '1', '+FLAGS', '(\\Flagged)'],
      ['a', 'store', '1', '-FLAGS', '(\\Flagged)'],
      ['a', 'store', '1', '+FLAGS.SILENT', '(\\Seen)'],
      ['a', 'store', '2', 'FLAGS', '(\\Answered $Label1)'],
      ['a', 'copy', '1:2', 'Archive'],
      ['a', 'uid', 'MOVE', String(uids[2]), 'Trash'],
      ['a', 'store', '1', '+FLAGS', '(\\Deleted)'],
      ['a', 'expunge'],
      ['a', 'fetch', '1:*', '(UID FLAGS)'],
      ['a', 'copy', '1', '"No such folder"'],
    ]);
    const steps = run.steps;
    assert.match(fetchLines(steps[1], '+FLAGS').join(' '), /^1 \(FLAGS \([^)]*\\Flagged/);
    assert.doesNotMatch(fetchLines(steps[2], '-FLAGS').join(' '), /\\Flagged/);
    assert.deepEqual(ok(steps[3], '+FLAGS.SILENT'), [null], 'FLAGS.SILENT sends no FETCH (RFC 9051 §6.4.6)');
    assert.match(fetchLines(steps[4], 'FLAGS').join(' '), /FLAGS \((?=[^)]*\\Answered)(?=[^)]*\$Label1)/);
    const archive = await mustMailbox(server, address, 'Archive');
    assert.match(String(ok(steps[5], 'COPY')[0]), new RegExp(`^\\[COPYUID ${archive.mailbox.uidValidity} ${uids[0]}:${uids[1]} ${archive.records[0]?.uid}:${archive.records[1]?.uid}\\]`));
    // RFC 6851 §4.3/§4.4: COPYUID in an untagged OK, then the source message's EXPUNGE.
    ok(steps[6], 'UID MOVE');
    const trash = await mustMailbox(server, address, 'Trash');
    assert.deepEqual(steps[6]?.untagged?.COPYUID, [`${trash.mailbox.uidValidity} ${uids[2]} ${trash.records[0]?.uid}`]);
    assert.deepEqual(steps[6]?.untagged?.EXPUNGE, ['3']);
    assert.deepEqual(ok(steps[8], 'EXPUNGE'), ['1']);
    assert.deepEqual(fetchLines(steps[9], 'FETCH after EXPUNGE').map(withoutRecent), [`1 (UID ${uids[1]} FLAGS (\\Answered $Label1))`, `2 (UID ${uids[3]} FLAGS ())`]);
    assert.equal(steps[10]?.typ, 'NO', 'COPY to a missing mailbox fails');
    assert.match(String(steps[10]?.data?.[0]), /^\[TRYCREATE\]/, 'with TRYCREATE (RFC 9051 §6.4.7)');
    // The store agrees.
    const inbox = await mustMailbox(server, address);
    assert.deepEqual(inbox.records.map((r) => [r.uid, r.flags]), [[uids[1], ['\\Answered', '$Label1']], [uids[3], []]]);
    assert.deepEqual(archive.records.map((r) => r.flags), [['\\Seen'], ['\\Answered', '$Label1']]);
    assert.deepEqual(archive.raws, before.raws.slice(0, 2), 'COPY keeps the bytes');
    assert.deepEqual(trash.raws, [before.raws[2]], 'MOVE keeps the bytes');
  });

  it('manages mailboxes: CREATE, RENAME, DELETE, SUBSCRIBE and STATUS', async () => {
    const address = user('boxes');
    await deliver(server, [address], Buffer.from(plain('status me', 'Hello.')));
    const run = await imaplib({ a: session(address) }, [
      ['a', 'create', 'Projects'],
      ['a', 'create', 'Projects/2024'],
      ['a', 'list', '""', 'Projects*'],
      ['a', 'rename', 'Projects/2024', '"Projects/Done 2024"'],
      ['a', 'append', '"Projects/Done 2024"', '(\\Seen)', null, plain('filed', 'Filed away.')],
      ['a', 'append', '"Projects/Done 2024"', null, null, plain('filed 2', 'Filed away too.')],
      ['a', 'status', '"Projects/Done 2024"', '(MESSAGES UIDNEXT UNSEEN SIZE)'],
      ['a', 'status', 'INBOX', '(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)'],
      ['a', 'subscribe', '"Projects/Done 2024"'],
      ['a', 'lsub', '""', 'Projects*'],
      ['a', 'create', 'Projects'],
      ['a', 'delete', '"Projects/Done 2024"'],
      ['a', 'delete', 'Projects'],
      ['a', 'delete', 'Nowhere'],
      ['a', 'create', 'Caf&AOk-'],
      ['a', 'list', '""', 'Caf*'],
    ]);
    const steps = run.steps;
    ok(steps[0], 'CREATE Projects');
    ok(steps[1], 'CREATE Projects/2024');
    const listed = ok(steps[2], 'LIST Projects*').map(String);
    assert.deepEqual(listed.sort(), ['(\\HasChildren) "/" Projects', '(\\HasNoChildren) "/" Projects/2024']);
    ok(steps[3], 'RENAME');
    ok(steps[4], 'APPEND');
    ok(steps[5], 'APPEND');
    // The mailbox is gone by the end: its STATUS is checked against what was appended.
    const lastUid = Number(/^\[APPENDUID \d+ (\d+)\]/.exec(String(ok(steps[5], 'APPEND')[0]))?.[1]);
    const size = Buffer.byteLength(plain('filed', 'Filed away.')) + Buffer.byteLength(plain('filed 2', 'Filed away too.'));
    assert.deepEqual(ok(steps[6], 'STATUS'), [`"Projects/Done 2024" (MESSAGES 2 UIDNEXT ${lastUid + 1} UNSEEN 1 SIZE ${size})`]);
    const inbox = await mustMailbox(server, address);
    assert.deepEqual(ok(steps[7], 'STATUS INBOX'), [`INBOX (MESSAGES 1 RECENT 1 UIDNEXT ${inbox.mailbox.uidNext} UIDVALIDITY ${inbox.mailbox.uidValidity} UNSEEN 1)`]);
    ok(steps[8], 'SUBSCRIBE');
    assert.deepEqual(ok(steps[9], 'LSUB').map(String), ['() "/" "Projects/Done 2024"']);
    assert.equal(steps[10]?.typ, 'NO', 'CREATE of an existing mailbox fails');
    assert.match(String(steps[10]?.data?.[0]), /^\[ALREADYEXISTS\]/, 'RFC 5530 ALREADYEXISTS');
    ok(steps[11], 'DELETE child');
    ok(steps[12], 'DELETE parent');
    assert.equal(steps[13]?.typ, 'NO');
    assert.match(String(steps[13]?.data?.[0]), /^\[NONEXISTENT\]/, 'RFC 5530 NONEXISTENT');
    ok(steps[14], 'CREATE Caf&AOk-');
    assert.deepEqual(ok(steps[15], 'LIST Caf*').map(String), ['(\\HasNoChildren) "/" Caf&AOk-']);
    const names = await mailboxNames(server, address);
    assert.ok(names.includes('Caf\u00e9'), `the modified UTF-7 name is stored decoded: ${names.join(', ')}`);
    assert.ok(!names.some((name) => name.startsWith('Projects')), names.join(', '));
  });

  it('after ENABLE UTF8=ACCEPT, mailbox names travel as UTF-8 (RFC 6855 §3)', async () => {
    const address = user('boxes');
    // imaplib encodes arguments as UTF-8 once UTF8=ACCEPT is enabled. (Its APPEND wraps the
    // literal's content in "UTF8 (...)" instead of the command, so APPEND is not used here.)
    const run = await imaplib({ a: session(address) }, [
      ['a', 'enable', 'UTF8=ACCEPT'],
      ['a', 'create', '"\u00c4rger/2024"'],
      ['a', 'list', '""', '"\u00c4rger*"'],
      ['a', 'select', '"\u00c4rger/2024"'],
      ['a', 'status', '"\u00c4rger/2024"', '(MESSAGES)'],
    ]);
    const utf8 = (text: unknown): string => Buffer.from(String(text), 'latin1').toString('utf8');
    assert.deepEqual(run.steps[0]?.untagged?.ENABLED, ['UTF8=ACCEPT']);
    ok(run.steps[1], 'CREATE');
    // Attribute order carries no meaning: sort them. The parent is a mailbox or a \\Noselect
    // placeholder (RFC 9051 §6.3.4 only says SHOULD create it).
    const listed = ok(run.steps[2], 'LIST').map(utf8).map((line) => line.replace(/^\(([^)]*)\)/, (_, attributes: string) => `(${attributes.split(' ').sort().join(' ')})`)).sort();
    assert.equal(listed.length, 2, listed.join('\n'));
    assert.match(listed[0] ?? '', /^\(\\HasChildren( \\Noselect)?\) "\/" "\u00c4rger"$/);
    assert.equal(listed[1], '(\\HasNoChildren) "/" "\u00c4rger/2024"');
    assert.deepEqual(ok(run.steps[3], 'SELECT'), ['0']);
    assert.deepEqual(ok(run.steps[4], 'STATUS').map(utf8), ['"\u00c4rger/2024" (MESSAGES 0)']);
    assert.ok((await mailboxNames(server, address)).includes('\u00c4rger/2024'));
  });

  it('IDLE: a message delivered over SMTP arrives as EXISTS while idling', async () => {
    const address = user('idler');
    const message = plain('pushed', 'Delivered while idling.');
    const run = await imaplib({ a: session(address) }, [
      ['a', 'select', 'INBOX'],
      ['a', 'idle', { during: [['smtp', 'send', { recipients: [address], message }]], expect: ['EXISTS'], timeout: 30 }],
      ['a', 'fetch', '1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])'],
      ['a', 'idle', { during: [['smtp', 'send', { recipients: [address], message: plain('pushed again', 'Again.') }]], expect: ['2 EXISTS'], timeout: 30 }],
    ]);
    assert.deepEqual(ok(run.steps[0], 'SELECT'), ['0']);
    for (const index of [1, 3]) {
      const idle = run.steps[index];
      assert.ok(idle);
      assert.match(idle.continuation ?? '', /^\+/, 'IDLE is accepted with a continuation (RFC 2177)');
      assert.equal(idle.during?.[0]?.sent, true, JSON.stringify(idle.during));
      assert.deepEqual(idle.missing, [], `EXISTS arrived during IDLE: ${JSON.stringify(idle.lines)}`);
      assert.match(idle.done ?? '', /^OK/, 'DONE ends IDLE with OK');
    }
    assert.ok(run.steps[1]?.lines?.includes('* 1 EXISTS'), JSON.stringify(run.steps[1]?.lines));
    assert.equal(literalOf(run.steps[2], 'FETCH after IDLE').bytes.toString(), 'Subject: pushed\r\n\r\n');
    assert.equal((await mustMailbox(server, address)).records.length, 2);
  });

  it('after ENABLE CONDSTORE, FETCH responses from STORE and from an implicit \\Seen carry UID and MODSEQ (RFC 7162 §3.2.4)', async () => {
    const address = user('condstore');
    await deliver(server, [address], Buffer.from(plain('modseq 1', 'One.')));
    await deliver(server, [address], Buffer.from(plain('modseq 2', 'Two.')));
    const { records } = await mustMailbox(server, address);
    const run = await imaplib({ a: session(address) }, [
      ['a', 'enable', 'CONDSTORE'],
      ['a', 'select', 'INBOX'],
      ['a', 'store', '1', '+FLAGS', '(\\Flagged)'],
      ['a', 'fetch', '2', '(BODY[TEXT])'],
    ]);
    assert.deepEqual(run.steps[0]?.untagged?.ENABLED, ['CONDSTORE'], JSON.stringify(run.steps[0]));
    ok(run.steps[1], 'SELECT');
    assert.ok(run.steps[1]?.untagged?.HIGHESTMODSEQ, 'HIGHESTMODSEQ on SELECT once CONDSTORE is enabled (RFC 7162 §3.1.2.1)');
    const stored = await mustMailbox(server, address);
    const [first, second] = stored.records;
    assert.ok(first && second);
    // Both responses are checked before failing, so a failure names every missing item.
    const storeLine = fetchLines(run.steps[2], 'STORE').join(' ');
    const seenLine = ok(run.steps[3], 'FETCH BODY[TEXT]').map((item) => (Array.isArray(item) ? String(item[0]) : String(item))).join(' ');
    assert.match(seenLine, /\\Seen/);
    const missing = [
      [storeLine, `UID ${first.uid}`, 'UID in the FETCH answering STORE'],
      [storeLine, `MODSEQ (${first.modSeq})`, 'MODSEQ in the FETCH answering STORE'],
      [seenLine, `UID ${second.uid}`, 'UID in the FETCH that set \\Seen'],
      [seenLine, `MODSEQ (${second.modSeq})`, 'MODSEQ in the FETCH that set \\Seen'],
    ].filter(([line, item]) => !line?.includes(item ?? '')).map(([line, , what]) => `${what}: ${line}`);
    assert.deepEqual(missing, []);
    assert.equal(records[0]?.uid, first.uid);
  });

  it('two sessions see each other\'s flag changes, expunges and new mail', async () => {
    const address = user('shared');
    for (const n of [1, 2, 3]) await deliver(server, [address], Buffer.from(plain(`shared ${n}`, `Body ${n}.`)));
    const run = await imaplib({ a: session(address), b: session(address, 'starttls') }, [
      ['a', 'select', 'INBOX'],
      ['b', 'select', 'INBOX'],
      ['b', 'store', '1', '+FLAGS', '(\\Flagged)'],
      ['a', 'noop'],
      ['b', 'store', '2', '+FLAGS', '(\\Deleted)'],
      ['b', 'expunge'],
      ['a', 'noop'],
      ['a', 'fetch', '1:*', '(FLAGS)'],
      ['smtp', 'send', { recipients: [address], message: plain('shared 4', 'Body 4.') }],
      ['a', 'noop'],
      ['b', 'noop'],
      // While a idles, b's changes reach it at once (RFC 2177).
      ['a', 'idle', { during: [['b', 'store', '1', '+FLAGS', '(\\Seen)'], ['b', 'store', '2', '+FLAGS', '(\\Deleted)'], ['b', 'expunge']], expect: ['FETCH', 'EXPUNGE'], timeout: 30 }],
      ['a', 'fetch', '1:*', '(FLAGS)'],
    ]);
    const steps = run.steps;
    ok(steps[0], 'SELECT a');
    ok(steps[1], 'SELECT b');
    ok(steps[3], 'NOOP');
    // RFC 9051 §7.5.2 (FETCH), §7.5.1 (EXPUNGE): other sessions' changes on NOOP.
    const flagsSeen = (steps[3]?.untagged?.FETCH ?? []).map(String);
    assert.ok(flagsSeen.some((line) => /^1 \(.*FLAGS \([^)]*\\Flagged/.test(line)), `a sees b's \\Flagged: ${JSON.stringify(steps[3]?.untagged)}`);
    ok(steps[6], 'NOOP after expunge');
    assert.deepEqual(steps[6]?.untagged?.EXPUNGE, ['2'], `a sees b's EXPUNGE: ${JSON.stringify(steps[6]?.untagged)}`);
    assert.equal(fetchLines(steps[7], 'FETCH after expunge').length, 2);
    assert.equal(steps[8]?.sent, true);
    assert.deepEqual(steps[9]?.untagged?.EXISTS, ['3'], `a sees the new message: ${JSON.stringify(steps[9]?.untagged)}`);
    assert.deepEqual(steps[10]?.untagged?.EXISTS, ['3'], `b sees the new message: ${JSON.stringify(steps[10]?.untagged)}`);
    const idle = steps[11];
    assert.deepEqual(idle?.missing, [], `updates during IDLE: ${JSON.stringify(idle)}`);
    assert.ok(idle?.lines?.some((line) => /^\* 1 FETCH \(.*FLAGS \([^)]*\\Seen/.test(line)), JSON.stringify(idle?.lines));
    assert.ok(idle?.lines?.includes('* 2 EXPUNGE'), JSON.stringify(idle?.lines));
    const final = fetchLines(steps[12], 'FETCH at the end');
    assert.equal(final.length, 2);
    const stored = await mustMailbox(server, address);
    assert.deepEqual(stored.records.map((r) => r.flags.filter((f) => f !== '\\Recent')), [['\\Seen', '\\Flagged'], []]);
    assert.ok(recordWith(stored, 'Subject: shared 1') && recordWith(stored, 'Subject: shared 4'));
  });
});
