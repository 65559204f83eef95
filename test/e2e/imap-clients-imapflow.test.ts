// IMAP with imapflow (the Node client webmail and automation software use) over implicit TLS:
// LIST with special-use, mailboxOpen, FETCH of envelopes, structures, sources and parts, SEARCH,
// flag changes, MOVE, APPEND, quota, IDLE push of mail delivered over SMTP, another session's
// changes as events, and the CONDSTORE/QRESYNC state imapflow enables by itself: a client that
// reconnects with its saved UIDVALIDITY and HIGHESTMODSEQ learns exactly what changed meanwhile.
// Outcomes are checked on the client side and in the store.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ImapFlow, type ExistsEvent, type ExpungeEvent, type FlagsEvent, type ImapFlowOptions } from 'imapflow';
import { mailboxNames, mustMailbox, nextEvent, recordWith } from '../helpers/imap-tools.ts';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { deliver } from '../helpers/pop3-delivery.ts';

const REPORT = [
  'From: Carol Sender <carol@remote.example>',
  'To: Flow User <flow@example.com>',
  'Subject: Quarterly report',
  'Date: Tue, 05 Mar 2024 09:30:00 +0000',
  'Message-ID: <report-2@remote.example>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
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

function plain(subject: string, body = 'Hello.'): Buffer {
  return Buffer.from(`From: someone@remote.example\r\nTo: flow@example.com\r\nSubject: ${subject}\r\nDate: Mon, 04 Mar 2024 08:00:00 +0000\r\n\r\n${body}\r\n`);
}

/** An imapflow client with the last protocol lines it exchanged, for failure messages. */
interface Flow {
  readonly client: ImapFlow;
  /** "C: ..." and "S: ..." lines, most recent last (bounded). */
  readonly transcript: string[];
}

describe('imap: imapflow', () => {
  let server: MailServer;
  const open: ImapFlow[] = [];
  const user = (name: string): string => `${name}@example.com`;
  const users = ['flow-list', 'flow-read', 'flow-big', 'flow-change', 'flow-boxes', 'flow-idle', 'flow-events', 'flow-sync', 'flow-store'].map(user);

  before(async () => {
    server = await startMailServer(['example.com'], users.map((address) => ({ address, password: PASSWORD, quota: '10M' })));
  });
  after(async () => {
    for (const client of open) {
      try {
        if (client.usable) await client.logout();
      } catch {
        // The connection may already be gone.
      }
      client.close();
    }
    await server.close();
  });

  async function connect(address: string, options: Partial<ImapFlowOptions> = {}): Promise<Flow> {
    const transcript: string[] = [];
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: server.port('imaps'),
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user: address, pass: PASSWORD },
      logger: false,
      emitLogs: true,
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 120_000,
      ...options,
    });
    client.on('log', (entry) => {
      if (entry.src !== 'c' && entry.src !== 's') return;
      transcript.push(`${entry.src === 'c' ? 'C' : 'S'}: ${String(entry.msg).slice(0, 300)}`);
      if (transcript.length > 60) transcript.shift();
    });
    client.on('error', () => undefined);
    open.push(client);
    await client.connect();
    return { client, transcript };
  }

  function shown(flow: Flow): string {
    return `\n${flow.transcript.join('\n')}`;
  }

  it('connects over implicit TLS, enables CONDSTORE and QRESYNC, lists special-use mailboxes', async () => {
    const address = user('flow-list');
    await deliver(server, [address], plain('counted'));
    const flow = await connect(address, { qresync: true });
    const { client } = flow;
    assert.equal(client.secureConnection, true);
    assert.equal(client.serverInfo?.name, 'Postwarden', 'ID answered (RFC 2971)');
    for (const extension of ['CONDSTORE', 'QRESYNC']) assert.ok(client.enabled.has(extension), `${extension} enabled${shown(flow)}`);
    const list = await client.list();
    const uses = new Map(list.map((box) => [box.path, box.specialUse]));
    assert.deepEqual([...uses.keys()].sort(), ['Archive', 'Drafts', 'Forums', 'INBOX', 'Junk', 'Promotions', 'Sent', 'Social', 'Trash', 'Updates']);
    assert.deepEqual(
      ['INBOX', 'Archive', 'Drafts', 'Junk', 'Sent', 'Trash'].map((path) => uses.get(path)),
      ['\\Inbox', '\\Archive', '\\Drafts', '\\Junk', '\\Sent', '\\Trash'],
    );
    assert.equal(list.find((box) => box.path === 'Sent')?.delimiter, '/');
    const status = await client.status('INBOX', { messages: true, uidNext: true, uidValidity: true, unseen: true, highestModseq: true });
    const stored = await mustMailbox(server, address);
    assert.ok(status);
    assert.equal(status.messages, 1);
    assert.equal(status.unseen, 1);
    assert.equal(status.uidNext, stored.mailbox.uidNext);
    assert.equal(status.uidValidity, BigInt(stored.mailbox.uidValidity));
    assert.equal(status.highestModseq, BigInt(stored.mailbox.highestModSeq));
    await client.logout();
  });

  it('opens INBOX and fetches envelopes, body structure, sources, parts and downloads', async () => {
    const address = user('flow-read');
    await deliver(server, [address], Buffer.from(REPORT));
    await deliver(server, [address], plain('second'));
    const stored = await mustMailbox(server, address);
    const flow = await connect(address);
    const { client } = flow;
    const mailbox = await client.mailboxOpen('INBOX');
    assert.equal(mailbox.exists, 2);
    assert.equal(mailbox.uidValidity, BigInt(stored.mailbox.uidValidity));
    assert.equal(mailbox.readOnly, false);
    const fetched = [];
    for await (const message of client.fetch('1:*', { uid: true, flags: true, envelope: true, bodyStructure: true, source: true, size: true, internalDate: true })) fetched.push(message);
    assert.equal(fetched.length, 2, shown(flow));
    for (const [index, message] of fetched.entries()) {
      assert.equal(message.uid, stored.records[index]?.uid);
      assert.deepEqual(message.source, stored.raws[index], 'the source is the stored message, byte for byte');
      assert.equal(message.size, stored.raws[index]?.length);
      assert.ok(message.flags && !message.flags.has('\\Seen'), 'fetching with BODY.PEEK leaves \\Seen alone');
    }
    const [report] = fetched;
    assert.ok(report?.envelope && report.bodyStructure);
    assert.equal(report.envelope.subject, 'Quarterly report');
    assert.equal(report.envelope.messageId, '<report-2@remote.example>');
    assert.deepEqual(report.envelope.from, [{ name: 'Carol Sender', address: 'carol@remote.example' }]);
    assert.deepEqual(report.envelope.to, [{ name: 'Flow User', address: 'flow@example.com' }]);
    assert.equal(new Date(report.envelope.date ?? 0).toISOString(), '2024-03-05T09:30:00.000Z');
    const structure = report.bodyStructure;
    assert.equal(structure.type, 'multipart/mixed');
    assert.equal(structure.parameters?.boundary, 'b1');
    assert.deepEqual(structure.childNodes?.map((node) => [node.part, node.type, node.encoding, node.disposition ?? null]), [
      ['1', 'text/plain', '8bit', null],
      ['2', 'application/pdf', 'base64', 'attachment'],
    ]);
    assert.equal(structure.childNodes?.[1]?.dispositionParameters?.filename, 'report.pdf');
    const part = await client.fetchOne('1', { bodyParts: ['1'] });
    assert.ok(part);
    assert.equal(part.bodyParts?.get('1')?.toString('utf8'), 'Gr\u00fc\u00dfe \u2014 the numbers are in.');
    // download() decodes the transfer encoding (BINARY, RFC 3516, when offered).
    const download = await client.download('1', '2');
    assert.ok('content' in download && download.content, shown(flow));
    const chunks: Buffer[] = [];
    for await (const chunk of download.content) chunks.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(chunks), Buffer.from('JVBERi0xLjQKJeLjz9MK', 'base64'));
    assert.equal(download.meta.contentType, 'application/pdf');
    assert.equal(download.meta.filename, 'report.pdf');
    const after = await mustMailbox(server, address);
    assert.ok(after.records.every((record) => !record.flags.includes('\\Seen')), 'nothing was marked seen by peeking');
    await client.logout();
  });

  it('over STARTTLS with COMPRESS=DEFLATE: a 3 MB attachment survives APPEND, FETCH and download', async () => {
    const address = user('flow-big');
    const flow = await connect(address, { port: server.port('imap'), secure: false, doSTARTTLS: true });
    const { client } = flow;
    assert.equal(client.secureConnection, true, 'upgraded with STARTTLS');
    const compress = flow.transcript.find((line) => / COMPRESS DEFLATE$/.test(line) && line.startsWith('C: '))?.split(' ')[1];
    assert.ok(compress && flow.transcript.some((line) => line.startsWith(`S: ${compress} OK`)), `COMPRESS=DEFLATE is active (RFC 4978)${shown(flow)}`);
    const payload = randomBytes(3 * 1024 * 1024);
    const encoded = payload.toString('base64').replace(/.{76}/g, '$&\r\n');
    const raw = Buffer.from(`From: someone@remote.example\r\nSubject: big attachment\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="big"\r\n\r\n--big\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--big\r\nContent-Type: application/octet-stream; name="blob.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${encoded}\r\n--big--\r\n`);
    const appended = await client.append('INBOX', raw);
    assert.ok(appended && appended.uid !== undefined, shown(flow));
    const stored = await mustMailbox(server, address);
    assert.deepEqual(stored.raws, [raw], 'stored byte for byte');
    await client.mailboxOpen('INBOX');
    const fetched = await client.fetchOne(String(appended.uid), { source: true, size: true, bodyStructure: true }, { uid: true });
    assert.ok(fetched);
    assert.equal(fetched.size, raw.length);
    assert.ok(fetched.source?.equals(raw), 'the source comes back byte for byte');
    assert.equal(fetched.bodyStructure?.childNodes?.[1]?.size, Buffer.byteLength(encoded));
    const download = await client.download(String(appended.uid), '2', { uid: true });
    assert.ok('content' in download && download.content);
    const chunks: Buffer[] = [];
    for await (const chunk of download.content) chunks.push(chunk as Buffer);
    assert.ok(Buffer.concat(chunks).equals(payload), 'the attachment decodes to the original bytes');
    await client.logout();
  });

  it('searches, changes flags, moves, copies, deletes and appends', async () => {
    const address = user('flow-change');
    for (const subject of ['alpha report', 'beta notes', 'gamma report', 'delta junk']) await deliver(server, [address], plain(subject, `Body of ${subject}.`));
    const before = await mustMailbox(server, address);
    const uid = (marker: string): number => {
      const found = recordWith(before, marker);
      assert.ok(found, marker);
      return found.record.uid;
    };
    const flow = await connect(address);
    const { client } = flow;
    await client.mailboxOpen('INBOX');
    assert.deepEqual(await client.search({ subject: 'report' }, { uid: true }), [uid('alpha report'), uid('gamma report')]);
    assert.deepEqual(await client.search({ body: 'beta' }), [2]);
    assert.deepEqual(await client.search({ seen: false, since: new Date('2024-01-01T00:00:00Z') }, { uid: true }), before.records.map((r) => r.uid));
    assert.equal(await client.messageFlagsAdd({ uid: String(uid('alpha report')) }, ['\\Seen', '$Work'], { uid: true }), true, shown(flow));
    assert.equal(await client.messageFlagsAdd(String(uid('beta notes')), ['\\Flagged'], { uid: true }), true);
    assert.equal(await client.messageFlagsRemove(String(uid('alpha report')), ['$Work'], { uid: true }), true);
    assert.equal(await client.messageFlagsSet(String(uid('gamma report')), ['\\Answered', '$Label1'], { uid: true }), true);
    assert.deepEqual(await client.search({ flagged: true }, { uid: true }), [uid('beta notes')]);
    assert.deepEqual(await client.search({ seen: true }, { uid: true }), [uid('alpha report')]);
    const moved = await client.messageMove(String(uid('gamma report')), 'Archive', { uid: true });
    assert.ok(moved && moved.uidMap, shown(flow));
    const archive = await mustMailbox(server, address, 'Archive');
    assert.equal(moved.destination, 'Archive');
    assert.equal(moved.uidValidity, BigInt(archive.mailbox.uidValidity));
    assert.equal(moved.uidMap.get(uid('gamma report')), archive.records[0]?.uid);
    assert.deepEqual(archive.raws, [recordWith(before, 'gamma report')?.raw]);
    assert.deepEqual(archive.records[0]?.flags, ['\\Answered', '$Label1'], 'flags move with the message');
    const copied = await client.messageCopy(String(uid('beta notes')), 'Trash', { uid: true });
    assert.ok(copied && copied.uidMap?.size === 1);
    assert.equal(await client.messageDelete(String(uid('delta junk')), { uid: true }), true);
    const date = new Date('2024-02-29T23:59:00Z');
    const raw = plain('sent by flow', 'A copy of what was sent.');
    const appended = await client.append('Sent', raw, ['\\Seen'], date);
    assert.ok(appended && appended.uid !== undefined, shown(flow));
    const sent = await mustMailbox(server, address, 'Sent');
    assert.equal(appended.uidValidity, BigInt(sent.mailbox.uidValidity));
    assert.deepEqual(sent.records.map((r) => [r.uid, r.flags, r.internalDate.toISOString()]), [[appended.uid, ['\\Seen'], date.toISOString()]]);
    assert.deepEqual(sent.raws, [raw]);
    const inbox = await mustMailbox(server, address);
    assert.deepEqual(inbox.records.map((r) => [r.uid, r.flags]), [[uid('alpha report'), ['\\Seen']], [uid('beta notes'), ['\\Flagged']]]);
    const trash = await mustMailbox(server, address, 'Trash');
    assert.deepEqual(trash.raws, [recordWith(before, 'beta notes')?.raw]);
    await client.logout();
  });

  it('creates, renames and deletes mailboxes, lists them with LIST-STATUS and counts with ESEARCH', async () => {
    const address = user('flow-boxes');
    for (const n of [1, 2, 3]) await deliver(server, [address], plain(`box ${n}`));
    const flow = await connect(address);
    const { client } = flow;
    const created = await client.mailboxCreate(['Projects', 'Caf\u00e9 2024']);
    assert.deepEqual([created.path, created.created], ['Projects/Caf\u00e9 2024', true], shown(flow));
    const again = await client.mailboxCreate('Projects/Caf\u00e9 2024');
    assert.equal(again.created, false, 'an existing mailbox is reported, not an error (ALREADYEXISTS)');
    const renamed = await client.mailboxRename('Projects/Caf\u00e9 2024', 'Projects/Done');
    assert.equal(renamed.newPath, 'Projects/Done');
    assert.ok((await mailboxNames(server, address)).includes('Projects/Done'));
    const appended = await client.append('Projects/Done', plain('filed'), ['\\Seen']);
    assert.ok(appended);
    // LIST ... RETURN (STATUS (...)) (RFC 5819) in one round trip.
    const listed = await client.list({ statusQuery: { messages: true, unseen: true, uidNext: true } });
    const statusOf = (path: string): [number | undefined, number | undefined] => {
      const status = listed.find((box) => box.path === path)?.status;
      return [status?.messages, status?.unseen];
    };
    assert.deepEqual(statusOf('INBOX'), [3, 3], shown(flow));
    assert.deepEqual(statusOf('Projects/Done'), [1, 0]);
    assert.ok(listed.find((box) => box.path === 'Projects')?.flags.has('\\HasChildren'), 'CHILDREN (RFC 3348)');
    await client.mailboxOpen('INBOX');
    // ESEARCH (RFC 4731) result options.
    const counted = await client.search({ all: true }, { uid: true, returnOptions: ['COUNT', 'MIN', 'MAX'] });
    const inbox = await mustMailbox(server, address);
    assert.deepEqual(counted, { count: 3, min: inbox.records[0]?.uid, max: inbox.records[2]?.uid }, shown(flow));
    await client.mailboxClose();
    await client.mailboxDelete('Projects/Done');
    // RFC 9051 §6.3.4: the server SHOULD create superior names; Postwarden instead lists "Projects"
    // as a \\NonExistent placeholder that goes with its last child. Either way it must be gone.
    if ((await mailboxNames(server, address)).includes('Projects')) await client.mailboxDelete('Projects');
    assert.ok(!(await mailboxNames(server, address)).some((name) => name.startsWith('Projects')));
    await client.logout();
  });

  it('gets the new mailbox\'s MAILBOXID from CREATE (RFC 8474 §4.1)', async () => {
    const address = user('flow-boxes');
    const flow = await connect(address);
    const created = await flow.client.mailboxCreate('Receipts');
    assert.equal(created.created, true);
    const account = await server.store.getAccount(address);
    assert.ok(account && (await server.store.getMailbox(account.id, 'Receipts')));
    // "A server advertising the OBJECTID capability MUST include the MAILBOXID response code in
    // the tagged OK response to all successful CREATE commands."
    assert.ok(created.mailboxId, `MAILBOXID in the tagged OK of CREATE${shown(flow)}`);
    const opened = await flow.client.mailboxOpen('Receipts');
    assert.equal(opened.mailboxId, created.mailboxId, 'the same id SELECT reports (RFC 8474 §4.2)');
    await flow.client.logout();
  });

  it('reports quota usage and limit (RFC 9208)', async () => {
    const address = user('flow-list');
    const flow = await connect(address);
    const quota = await flow.client.getQuota('INBOX');
    const account = await server.store.getAccount(address);
    assert.ok(account);
    const stored = await server.store.getQuota(account.id);
    assert.ok(stored.ok);
    assert.ok(quota && quota.storage, `a STORAGE resource${shown(flow)}`);
    // RFC 9208 §5.1: STORAGE in units of 1024 octets; imapflow reports octets.
    assert.equal(quota.storage.limit, 10 * 1024 * 1024);
    // How a partial kilobyte is rounded is not specified: either way is accepted.
    const usage = quota.storage.usage ?? -1;
    assert.ok(usage === Math.floor(stored.value.usedBytes / 1024) * 1024 || usage === Math.ceil(stored.value.usedBytes / 1024) * 1024, `usage ${usage} for ${stored.value.usedBytes} octets`);
    await flow.client.logout();
  });

  it('IDLE: an exists event arrives when mail is delivered over SMTP', async () => {
    const address = user('flow-idle');
    const flow = await connect(address);
    const { client } = flow;
    const mailbox = await client.mailboxOpen('INBOX');
    assert.equal(mailbox.exists, 0);
    for (const round of [1, 2]) {
      const exists = nextEvent<ExistsEvent>(client, 'exists');
      const idling = client.idle();
      await deliver(server, [address], plain(`pushed ${round}`));
      const event = await exists;
      assert.equal(client.idling, true, 'the event came during IDLE, not from a poll');
      assert.deepEqual([event.path, event.prevCount, event.count], ['INBOX', round - 1, round], shown(flow));
      const message = await client.fetchOne(String(event.count), { envelope: true, uid: true });
      assert.ok(message);
      assert.equal(message.envelope?.subject, `pushed ${round}`);
      await idling; // the FETCH ended IDLE
    }
    await client.logout();
  });

  it('another session\'s flag changes and expunges arrive as flags and expunge events with UIDs', async () => {
    const address = user('flow-events');
    for (const n of [1, 2, 3]) await deliver(server, [address], plain(`event ${n}`));
    const { records } = await mustMailbox(server, address);
    const [first, second] = records;
    assert.ok(first && second);
    const watcher = await connect(address, { qresync: true });
    const actor = await connect(address, { qresync: true });
    await watcher.client.mailboxOpen('INBOX');
    await actor.client.mailboxOpen('INBOX');
    const flagged = nextEvent<FlagsEvent>(watcher.client, 'flags', (event) => event.flags.has('\\Flagged'));
    const idling = watcher.client.idle();
    await actor.client.messageFlagsAdd(String(first.uid), ['\\Flagged'], { uid: true });
    const flags = await flagged;
    assert.equal(flags.uid, first.uid, `UID in the FETCH pushed during IDLE (RFC 7162 §3.2.4)${shown(watcher)}`);
    assert.equal(flags.seq, 1);
    assert.ok(flags.modseq !== undefined && flags.modseq > 0n);
    const expunged = nextEvent<ExpungeEvent>(watcher.client, 'expunge');
    await actor.client.messageDelete(String(second.uid), { uid: true });
    const expunge = await expunged;
    // With QRESYNC enabled the server reports VANISHED (RFC 7162 §3.2.10), so imapflow has the UID.
    assert.deepEqual([expunge.vanished, expunge.uid], [true, second.uid], shown(watcher));
    await watcher.client.noop();
    await idling;
    assert.equal(watcher.client.mailbox && watcher.client.mailbox.exists, 2);
    await watcher.client.logout();
    await actor.client.logout();
  });

  it('includes the UID in FETCH responses to its own STORE once QRESYNC is enabled (RFC 7162 §3.2.4)', async () => {
    const address = user('flow-store');
    await deliver(server, [address], plain('stored'));
    const { records } = await mustMailbox(server, address);
    const flow = await connect(address, { qresync: true });
    const { client } = flow;
    await client.mailboxOpen('INBOX');
    const events: FlagsEvent[] = [];
    client.on('flags', (event) => events.push(event));
    // A sequence-number STORE, not silent: the server answers with untagged FETCH.
    assert.equal(await client.messageFlagsAdd('1', ['\\Flagged']), true);
    assert.equal(events.length, 1, shown(flow));
    assert.equal(events[0]?.uid, records[0]?.uid, `the FETCH answering STORE carries UID${shown(flow)}`);
    assert.ok(events[0]?.modseq !== undefined, 'and MODSEQ');
    await client.logout();
  });

  it('reconnects with its saved QRESYNC state and learns exactly what changed (RFC 7162 §3.2.5)', async () => {
    const address = user('flow-sync');
    for (const n of [1, 2, 3, 4]) await deliver(server, [address], plain(`sync ${n}`));
    const { records } = await mustMailbox(server, address);
    const uids = records.map((r) => r.uid);
    // First session: look at the mailbox and remember its state, as an offline cache would.
    const first = await connect(address, { qresync: true });
    const opened = await first.client.mailboxOpen('INBOX');
    const saved = { uidValidity: opened.uidValidity, highestModseq: opened.highestModseq };
    assert.ok(saved.highestModseq !== undefined, `HIGHESTMODSEQ on SELECT${shown(first)}`);
    await first.client.logout();
    // Meanwhile another client flags one message and deletes another; new mail arrives.
    const other = await connect(address);
    await other.client.mailboxOpen('INBOX');
    await other.client.messageFlagsAdd(String(uids[1]), ['\\Seen'], { uid: true });
    await other.client.messageDelete(String(uids[2]), { uid: true });
    await other.client.logout();
    await deliver(server, [address], plain('sync 5'));
    // Reconnect with the saved state: SELECT ... (QRESYNC (uidvalidity modseq)).
    const again = await connect(address, { qresync: true });
    const flagEvents: FlagsEvent[] = [];
    const expungeEvents: ExpungeEvent[] = [];
    again.client.on('flags', (event) => flagEvents.push(event));
    again.client.on('expunge', (event) => expungeEvents.push(event));
    const reopened = await again.client.mailboxOpen('INBOX', { uidValidity: saved.uidValidity, changedSince: saved.highestModseq });
    const stored = await mustMailbox(server, address);
    assert.equal(reopened.uidValidity, saved.uidValidity);
    assert.equal(reopened.exists, 4);
    assert.equal(reopened.highestModseq, BigInt(stored.mailbox.highestModSeq));
    assert.deepEqual(expungeEvents.map((e) => [e.uid, e.vanished, e.earlier]), [[uids[2], true, true]], `VANISHED (EARLIER)${shown(again)}`);
    const changed = new Map(flagEvents.map((e) => [e.uid, [...e.flags]]));
    assert.deepEqual(changed.get(uids[1]), ['\\Seen'], shown(again));
    assert.ok(!changed.has(uids[0]) && !changed.has(uids[3]), `unchanged messages are not reported${shown(again)}`);
    // CONDSTORE: FETCH ... (CHANGEDSINCE) returns the changed and the new message only.
    const since = [];
    for await (const message of again.client.fetch('1:*', { uid: true, flags: true }, { changedSince: saved.highestModseq ?? 0n })) since.push(message.uid);
    const newest = stored.records.at(-1)?.uid;
    assert.deepEqual(since.sort((a, b) => a - b), [uids[1], newest]);
    // A conditional STORE with a stale UNCHANGEDSINCE changes nothing (RFC 7162 §3.1.3).
    // imapflow resolves true whatever the response code; the MODIFIED code tells what was left alone.
    await again.client.messageFlagsAdd(String(uids[1]), ['\\Flagged'], { uid: true, unchangedSince: saved.highestModseq ?? 0n });
    assert.ok(again.transcript.some((line) => line.includes(`OK [MODIFIED ${uids[1]}]`)), `MODIFIED ${uids[1]}${shown(again)}`);
    const final = await mustMailbox(server, address);
    assert.deepEqual(final.records.find((r) => r.uid === uids[1])?.flags, ['\\Seen']);
    await again.client.logout();
  });
});
