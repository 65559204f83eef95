import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ok } from '../../../core/result.ts';
import { buildMessageCache } from '../../../mail/message-cache.ts';
import type { Mailbox, MessageQuery, MessageRecord, Storage } from '../../../storage/api.ts';
import { MessageCaches } from './message-caches.ts';
import { loadMessages, type LoadedMessage } from './message-view.ts';
import { SelectedMailbox } from './selected.ts';

const MAILBOX: Mailbox = { id: 4, accountId: 2, name: 'INBOX', specialUse: null, uidValidity: 9, uidNext: 4, highestModSeq: 3, createdAt: new Date(0) };

function raw(uid: number): Uint8Array {
  return new TextEncoder().encode(`From: a@example.org\r\nSubject: message ${uid}\r\n\r\nbody ${uid}\r\n`);
}

function stored(uid: number): MessageRecord & { cache: string } {
  const blobId = uid.toString(16).padStart(64, '0');
  return { mailboxId: 4, uid, modSeq: uid, flags: [], internalDate: new Date(uid * 1000), saveDate: new Date(uid * 1000), size: 100, blobId, emailId: `M${blobId.slice(0, 24)}`, cache: buildMessageCache(raw(uid)) };
}

/** Just what SELECT and loadMessages use, over an array of messages and expunge records. */
function fakeStorage() {
  const messages = [stored(1), stored(2), stored(3)];
  const expunged: { uid: number; modSeq: number }[] = [];
  const calls: string[] = [];
  const plain = ({ cache: _cache, ...record }: MessageRecord): MessageRecord => record;
  const storage = {
    listMessages: (_a: number, _m: number, query: MessageQuery = {}) => {
      calls.push(query.withCache ? 'list+cache' : 'list');
      const inRange = messages.filter((m) => m.uid >= (query.uidFrom ?? 0) && m.uid <= (query.uidTo ?? Infinity));
      return Promise.resolve(ok(query.withCache ? inRange : inRange.map(plain)));
    },
    changesSince: (_a: number, _m: number, modSeq: number) => {
      calls.push('changes');
      const highestModSeq = Math.max(0, ...messages.map((m) => m.modSeq), ...expunged.map((e) => e.modSeq));
      return Promise.resolve(ok({ changed: messages.filter((m) => m.modSeq > modSeq).map(plain), vanished: expunged.filter((e) => e.modSeq > modSeq).map((e) => e.uid), highestModSeq }));
    },
    getMailboxById: () => Promise.resolve(MAILBOX),
    claimRecent: () => Promise.resolve(ok(4)),
    readMessage: (_a: number, blobId: string) => {
      calls.push('read');
      return Promise.resolve(ok(raw(Number.parseInt(blobId, 16))));
    },
  };
  return { storage: storage as unknown as Storage, messages, expunged, calls };
}

/** What a command sees of the loaded messages: record and cache, not how they were found. */
const seen = (loaded: Map<number, LoadedMessage>) => [...loaded.values()].map(({ record, cache, raw: octets }) => ({ record: { ...record, cache: undefined }, envelope: cache.envelope, header: cache.header, octets }));

void test('with every cache shared, loading reads no listing and gives what the listing gives', async () => {
  const { storage, calls } = fakeStorage();
  const caches = new MessageCaches();
  const selected = await SelectedMailbox.open(storage, MAILBOX, false);
  assert.ok(selected);
  calls.length = 0;
  const first = await loadMessages({ storage, caches }, selected, [1, 2, 3], { cache: true, raw: false });
  assert.deepEqual(calls, ['list+cache']);
  assert.equal(caches.size, 3);
  calls.length = 0;
  const second = await loadMessages({ storage, caches }, selected, [1, 2, 3], { cache: true, raw: false });
  assert.deepEqual(calls, ['changes']);
  assert.deepEqual(seen(second), seen(first));
  assert.ok([...second.values()].every((m) => m.own));
  const withOctets = await loadMessages({ storage, caches }, selected, [2], { cache: true, raw: true });
  assert.deepEqual(seen(withOctets)[0]?.octets, raw(2));
});

void test('changes made elsewhere since the last sync show as a listing would show them', async () => {
  const { storage, messages, expunged } = fakeStorage();
  const caches = new MessageCaches();
  const selected = await SelectedMailbox.open(storage, MAILBOX, false);
  assert.ok(selected);
  await loadMessages({ storage, caches }, selected, [1, 2, 3], { cache: true, raw: false });
  const second = messages[1];
  assert.ok(second);
  messages[1] = { ...second, flags: ['\\Seen'], modSeq: 5 };
  messages.splice(2, 1);
  expunged.push({ uid: 3, modSeq: 6 });
  const shared = await loadMessages({ storage, caches }, selected, [1, 2, 3], { cache: true, raw: false });
  const listed = await loadMessages({ storage, caches: new MessageCaches() }, selected, [1, 2, 3], { cache: true, raw: false });
  assert.deepEqual(seen(shared), seen(listed));
  assert.deepEqual([...shared.keys()], [1, 2]);
  assert.deepEqual(shared.get(2)?.record.flags, ['\\Seen']);
  assert.equal(shared.get(2)?.own, false);
  assert.equal(shared.get(1)?.own, true);
});
