import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ok } from '../../../core/result.ts';
import type { Mailbox, MessageRecord, Storage } from '../../../storage/api.ts';
import { MAX_REPLAYED_CHANGES, SNAPSHOT_MAX_AGE_MS, fromSnapshot } from './mailbox-snapshots.ts';
import { SelectedMailbox } from './selected.ts';

const MAILBOX: Mailbox = { id: 4, accountId: 2, name: 'INBOX', specialUse: null, uidValidity: 9, uidNext: 4, highestModSeq: 3, createdAt: new Date(0) };

function record(uid: number, modSeq = uid, flags: string[] = []): MessageRecord {
  const blobId = uid.toString(16).padStart(64, '0');
  return { mailboxId: 4, uid, modSeq, flags, internalDate: new Date(uid * 1000), saveDate: new Date(uid * 1000), size: 100 + uid, blobId, emailId: `M${blobId.slice(0, 24)}` };
}

/** Listing, changes and expunge records over an array, counting the listings. */
function fakeStorage() {
  const messages = [record(1), record(2), record(3)];
  const expunged: { uid: number; modSeq: number }[] = [];
  const calls: string[] = [];
  const storage = {
    listMessages: () => {
      calls.push('list');
      return Promise.resolve(ok([...messages].sort((a, b) => a.uid - b.uid)));
    },
    changesSince: (_a: number, _m: number, modSeq: number) => {
      calls.push('changes');
      const highestModSeq = Math.max(0, ...messages.map((m) => m.modSeq), ...expunged.map((e) => e.modSeq));
      return Promise.resolve(ok({ changed: messages.filter((m) => m.modSeq > modSeq), vanished: expunged.filter((e) => e.modSeq > modSeq).map((e) => e.uid), highestModSeq }));
    },
    getMailboxById: () => Promise.resolve(MAILBOX),
    claimRecent: () => Promise.resolve(ok(5)),
  };
  return { storage: storage as unknown as Storage, messages, expunged, calls };
}

const state = (selected: SelectedMailbox) => ({
  records: selected.allUids().map((uid) => selected.record(uid)),
  recent: selected.allUids().filter((uid) => selected.isRecent(uid)),
  modSeq: selected.highestModSeq,
});

void test('a second SELECT copies the snapshot and replays changes: the same list a listing gives', async () => {
  const { storage, messages, expunged, calls } = fakeStorage();
  assert.ok(await SelectedMailbox.open(storage, MAILBOX, false));
  assert.deepEqual(calls, ['list']);
  // Elsewhere: flags of 2 change, 1 is expunged, 5 and 6 arrive (5 and up are \Recent here).
  messages[1] = record(2, 4, ['\\Seen']);
  messages.splice(0, 1);
  expunged.push({ uid: 1, modSeq: 5 });
  messages.push(record(5, 6), record(6, 7, ['\\Flagged']));
  calls.length = 0;
  const replayed = await SelectedMailbox.open(storage, MAILBOX, false);
  assert.ok(replayed);
  assert.deepEqual(calls, ['changes']);
  const listed = await SelectedMailbox.open(fakeStorageLike(messages), MAILBOX, false);
  assert.ok(listed);
  assert.deepEqual(state(replayed), state(listed));
  assert.deepEqual(state(replayed).recent, [5, 6]);
});

/** A store holding the given messages and no snapshot yet. */
function fakeStorageLike(messages: readonly MessageRecord[]): Storage {
  const fake = fakeStorage();
  fake.messages.splice(0, fake.messages.length, ...messages);
  return fake.storage;
}

void test('a new UID below the highest one, another UIDVALIDITY or too many changes: listed again', async () => {
  const { storage, messages, calls } = fakeStorage();
  messages.push(record(7, 8));
  assert.ok(await SelectedMailbox.open(storage, MAILBOX, false));
  messages.push(record(5, 9));
  calls.length = 0;
  assert.equal(await fromSnapshot(storage, MAILBOX), undefined);
  const selected = await SelectedMailbox.open(storage, MAILBOX, false);
  assert.deepEqual(selected?.allUids(), [1, 2, 3, 5, 7]);
  assert.deepEqual(calls, ['changes', 'changes', 'list']);
  assert.equal(await fromSnapshot(storage, { ...MAILBOX, uidValidity: 10 }), undefined, 'another UIDVALIDITY');
  assert.ok(await SelectedMailbox.open(storage, MAILBOX, false));
  for (let uid = 10; uid < 10 + MAX_REPLAYED_CHANGES + 1; uid++) messages.push(record(uid, uid));
  assert.equal(await fromSnapshot(storage, MAILBOX), undefined, 'too many changes');
});

void test(`a snapshot is reused for ${SNAPSHOT_MAX_AGE_MS / 60_000} minutes`, async () => {
  const { storage } = fakeStorage();
  assert.ok(await SelectedMailbox.open(storage, MAILBOX, false));
  assert.ok(await fromSnapshot(storage, MAILBOX, Date.now() + SNAPSHOT_MAX_AGE_MS - 60_000));
  assert.equal(await fromSnapshot(storage, MAILBOX, Date.now() + SNAPSHOT_MAX_AGE_MS + 1), undefined);
  assert.equal(await fromSnapshot(storage, MAILBOX), undefined, 'an expired snapshot is dropped');
});
