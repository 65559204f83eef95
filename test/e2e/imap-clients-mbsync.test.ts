// IMAP with mbsync (Debian isync), the two-way synchronizer people run from cron: a full sync of
// every mailbox into a local Maildir with flags, then changes on both sides (flags set and a
// message deleted locally by renaming and removing files per the Maildir convention, a new local
// message and folder; on the server a flag added, a message expunged and new mail delivered over
// SMTP), a second sync, and a check that both sides converged: server flags through the store,
// local flags through the file names' ":2,<letters>" suffixes. A third sync changes nothing.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImapClient } from '../helpers/imap-client.ts';
import { mailboxNames, mustMailbox, recordWith, runTool } from '../helpers/imap-tools.ts';
import { PASSWORD, startMailServer, type MailServer } from '../helpers/mail-server.ts';
import { deliver } from '../helpers/pop3-delivery.ts';

const ADDRESS = 'sync@example.com';

function message(subject: string, body = `Body of ${subject}.`): Buffer {
  return Buffer.from(`From: someone@remote.example\r\nTo: ${ADDRESS}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '-')}@remote.example>\r\n\r\n${body}\r\n`);
}

/** One message file of a local Maildir folder. */
interface LocalMessage {
  readonly path: string;
  /** "new" or "cur". */
  readonly dir: string;
  /** The file name up to the ":2," info part. */
  readonly base: string;
  /** Maildir flag letters (D F P R S T), sorted. */
  readonly flags: string;
  /** The UID mbsync put into the name (",U=n"), if any. */
  readonly uid: number | undefined;
  readonly content: string;
}

async function maildir(folder: string): Promise<LocalMessage[]> {
  const out: LocalMessage[] = [];
  for (const dir of ['new', 'cur']) {
    const names = await readdir(join(folder, dir)).catch(() => [] as string[]);
    for (const name of names) {
      const colon = name.indexOf(':2,');
      const base = colon < 0 ? name : name.slice(0, colon);
      const flags = colon < 0 ? '' : [...name.slice(colon + 3)].sort().join('');
      const uid = /,U=(\d+)/.exec(base)?.[1];
      const path = join(folder, dir, name);
      // mbsync tags messages it propagates with an X-TUID header field (isync's own bookkeeping).
      const content = (await readFile(path, 'utf8')).replace(/^X-TUID: .*\n/m, '');
      out.push({ path, dir, base, flags, uid: uid === undefined ? undefined : Number(uid), content });
    }
  }
  return out;
}

/**
 * The pairs mbsync keeps in a folder's .mbsyncstate ("far-UID near-UID flags" lines): the UID in
 * a Maildir file name is the Maildir's own, and this maps it to the server's.
 */
async function serverUids(folder: string): Promise<Map<number, number>> {
  const pairs = new Map<number, number>();
  for (const line of (await readFile(join(folder, '.mbsyncstate'), 'utf8')).split('\n')) {
    const match = /^(\d+) (\d+)(?: |$)/.exec(line);
    if (match) pairs.set(Number(match[2]), Number(match[1]));
  }
  return pairs;
}

function local(messages: readonly LocalMessage[], subject: string): LocalMessage | undefined {
  return messages.find((m) => m.content.includes(`Subject: ${subject}\n`));
}

function mustLocal(messages: readonly LocalMessage[], subject: string): LocalMessage {
  const found = local(messages, subject);
  assert.ok(found, `local message "${subject}" among ${messages.map((m) => m.path).join(', ')}`);
  return found;
}

/** Maildir stores LF line ends: the server's CRLF message as mbsync writes it locally. */
function asLocal(raw: Buffer | undefined): string {
  return (raw ?? Buffer.alloc(0)).toString('utf8').replace(/\r\n/g, '\n');
}

describe('imap: mbsync two-way Maildir sync', () => {
  let server: MailServer;
  let dir: string;
  let mail: string;
  let rc: string;

  before(async () => {
    server = await startMailServer(['example.com'], [{ address: ADDRESS, password: PASSWORD }]);
    dir = await mkdtemp(join(tmpdir(), 'postwarden-mbsync-'));
    mail = join(dir, 'mail');
    await mkdir(mail);
    rc = join(dir, 'mbsyncrc');
    await writeFile(
      rc,
      [
        'IMAPAccount postwarden',
        'Host 127.0.0.1',
        `Port ${server.port('imaps')}`,
        `User ${ADDRESS}`,
        `Pass "${PASSWORD}"`,
        'SSLType IMAPS',
        // Trust only the server's own self-signed certificate.
        'SystemCertificates no',
        `CertificateFile ${join(server.cwd, 'data', 'tls', 'cert.pem')}`,
        'Timeout 60',
        '',
        'IMAPStore remote',
        'Account postwarden',
        '',
        'MaildirStore local',
        `Path ${mail}/`,
        `Inbox ${mail}/INBOX`,
        'SubFolders Verbatim',
        '',
        'Channel postwarden',
        'Far :remote:',
        'Near :local:',
        'Patterns *',
        'Create Both',
        'Expunge Both',
        'SyncState *',
        'CopyArrivalDate yes',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function mbsync(): Promise<string> {
    const result = await runTool('mbsync', ['-c', rc, '-a', '-V'], { env: { HOME: dir } });
    assert.equal(result.killed, false, `mbsync did not finish:\n${result.output}`);
    assert.equal(result.status, 0, `mbsync failed:\n${result.output}`);
    assert.doesNotMatch(result.output, /^(Error|Warning)/m, result.output);
    return result.output;
  }

  /** Runs IMAP commands on the server side as another client would. */
  async function onServer(commands: (client: ImapClient) => Promise<void>): Promise<void> {
    const client = await ImapClient.connect(server.port('imaps'), { tls: true });
    try {
      await client.login(ADDRESS, PASSWORD);
      await commands(client);
    } finally {
      await client.logout();
    }
  }

  it('first sync copies every mailbox, message and flag into the Maildir', async () => {
    for (const n of [1, 2, 3, 4]) await deliver(server, [ADDRESS], message(`mb ${n}`));
    const inbox = await mustMailbox(server, ADDRESS);
    const uid = (subject: string): number => recordWith(inbox, `Subject: ${subject}\r\n`)?.record.uid ?? -1;
    await onServer(async (client) => {
      await client.ok('SELECT INBOX');
      await client.ok(`UID STORE ${uid('mb 2')} +FLAGS (\\Seen)`);
      await client.ok(`UID STORE ${uid('mb 3')} +FLAGS (\\Flagged)`);
      const appended = await client.append('Archive', message('archived'), { flags: ['\\Seen', '\\Answered'], date: '02-Jan-2024 10:00:00 +0000' });
      assert.equal(appended.status, 'OK', appended.text);
    });
    await mbsync();
    // Every server mailbox exists locally.
    const folders = (await readdir(mail, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    assert.deepEqual(folders, await mailboxNames(server, ADDRESS));
    const messages = await maildir(join(mail, 'INBOX'));
    assert.equal(messages.length, 4, messages.map((m) => m.path).join('\n'));
    const after = await mustMailbox(server, ADDRESS);
    const pairs = await serverUids(join(mail, 'INBOX'));
    for (const n of [1, 2, 3, 4]) {
      const subject = `mb ${n}`;
      const file = mustLocal(messages, subject);
      const stored = recordWith(after, `Subject: ${subject}\r\n`);
      assert.ok(stored);
      assert.equal(pairs.get(file.uid ?? -1), stored.record.uid, `${subject}: paired with the server's message`);
      assert.equal(file.content, asLocal(stored.raw), `${subject}: the content, line ends aside`);
    }
    assert.deepEqual(['mb 1', 'mb 2', 'mb 3', 'mb 4'].map((s) => mustLocal(messages, s).flags), ['', 'S', 'F', '']);
    const archived = await maildir(join(mail, 'Archive'));
    assert.deepEqual(archived.map((m) => m.flags), ['RS'], 'Answered is R, Seen is S');
  });

  it('changes on both sides converge on the second sync', async () => {
    const inboxDir = join(mail, 'INBOX');
    const before = await maildir(inboxDir);
    // Local changes: mark "mb 1" seen and flagged, delete "mb 4", write a new message and a
    // new folder with one message.
    const one = mustLocal(before, 'mb 1');
    await rename(one.path, join(inboxDir, 'cur', `${one.base}:2,FS`));
    await unlink(mustLocal(before, 'mb 4').path);
    const written = 'From: sync@example.com\nTo: friend@remote.example\nSubject: written locally\nMessage-ID: <local-1@example.com>\n\nDrafted offline.\n';
    await writeFile(join(inboxDir, 'new', `1700000000.local1.host`), written);
    const folder = join(mail, 'Local');
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(folder, sub), { recursive: true });
    await writeFile(join(folder, 'cur', '1700000001.local2.host:2,S'), 'From: sync@example.com\nSubject: kept locally\n\nIn a local folder.\n');
    // Server changes: "mb 2" answered, "mb 3" expunged, new mail delivered.
    const inbox = await mustMailbox(server, ADDRESS);
    const uid = (subject: string): number => recordWith(inbox, `Subject: ${subject}\r\n`)?.record.uid ?? -1;
    await onServer(async (client) => {
      await client.ok('SELECT INBOX');
      await client.ok(`UID STORE ${uid('mb 2')} +FLAGS (\\Answered)`);
      await client.ok(`UID STORE ${uid('mb 3')} +FLAGS (\\Deleted)`);
      await client.ok(`UID EXPUNGE ${uid('mb 3')}`);
    });
    await deliver(server, [ADDRESS], message('mb 5'));

    await mbsync();

    // The server: flags from the Maildir, the local deletion, the new message and folder.
    const server2 = await mustMailbox(server, ADDRESS);
    const flagsOf = (subject: string): readonly string[] | undefined => recordWith(server2, `Subject: ${subject}\r\n`)?.record.flags;
    assert.deepEqual(flagsOf('mb 1'), ['\\Seen', '\\Flagged'], 'flags set locally reach the server');
    assert.deepEqual(flagsOf('mb 2'), ['\\Seen', '\\Answered']);
    assert.equal(flagsOf('mb 3'), undefined, 'expunged on the server');
    assert.equal(flagsOf('mb 4'), undefined, 'the message deleted locally is expunged on the server');
    assert.deepEqual(flagsOf('mb 5'), []);
    const uploaded = recordWith(server2, 'Subject: written locally\r\n');
    assert.ok(uploaded, 'the local message was uploaded');
    assert.ok(uploaded.raw.toString().endsWith('\r\n\r\nDrafted offline.\r\n'), 'with its body, in CRLF form');
    assert.equal(server2.records.length, 4);
    const serverLocal = await mustMailbox(server, ADDRESS, 'Local');
    assert.equal(serverLocal.records.length, 1, 'the local folder was created on the server (Create Both)');
    assert.deepEqual(serverLocal.records[0]?.flags, ['\\Seen']);

    // The Maildir: server flags, server expunge, new mail, the uploaded message got its UID.
    const after = await maildir(inboxDir);
    assert.equal(after.length, 4, after.map((m) => m.path).join('\n'));
    assert.equal(mustLocal(after, 'mb 1').flags, 'FS');
    assert.equal(mustLocal(after, 'mb 2').flags, 'RS', 'the server\'s \\Answered reaches the Maildir');
    assert.equal(local(after, 'mb 3'), undefined, 'the server\'s expunge removes the local file');
    assert.equal(local(after, 'mb 4'), undefined);
    const pairs = await serverUids(inboxDir);
    assert.equal(pairs.size, 4, 'four messages paired');
    const five = mustLocal(after, 'mb 5');
    assert.equal(pairs.get(five.uid ?? -1), recordWith(server2, 'Subject: mb 5\r\n')?.record.uid);
    assert.equal(five.content, asLocal(recordWith(server2, 'Subject: mb 5\r\n')?.raw));
    const written2 = mustLocal(after, 'written locally');
    assert.ok(written2.uid !== undefined, 'the uploaded file got a UID in its name');
    assert.equal(pairs.get(written2.uid), uploaded.record.uid, 'and is paired with the APPENDUID the server gave');
  });

  it('a third sync finds nothing to do', async () => {
    const names = async (): Promise<string[]> => (await maildir(join(mail, 'INBOX'))).map((m) => `${m.dir}/${m.base}:${m.flags}`).sort();
    const localBefore = await names();
    const serverBefore = (await mustMailbox(server, ADDRESS)).records.map((r) => [r.uid, r.flags, r.modSeq]);
    await mbsync();
    assert.deepEqual(await names(), localBefore);
    assert.deepEqual((await mustMailbox(server, ADDRESS)).records.map((r) => [r.uid, r.flags, r.modSeq]), serverBefore, 'no flag was written on the server');
  });
});
