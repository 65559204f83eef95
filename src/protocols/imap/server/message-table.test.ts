import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { MessageRecord } from '../../../storage/api.ts';
import { FLAG_TABLE_SLACK, MessageTable, MIN_CAPACITY } from './message-table.ts';

const HEX = 'ab'.repeat(32);

function message(uid: number, flags: readonly string[] = [], blobId = `${uid.toString(16).padStart(8, '0')}${HEX.slice(8)}`): MessageRecord {
  return {
    mailboxId: 7,
    uid,
    modSeq: uid * 10,
    flags,
    internalDate: new Date(1_700_000_000_000 + uid),
    saveDate: new Date(1_700_000_500_000 + uid),
    size: 1000 + uid,
    blobId,
    emailId: `M${blobId.slice(0, 24)}`,
  };
}

test('records come back as they went in, packed ids and odd ones alike', () => {
  const table = new MessageTable(7, 0);
  const packed = message(3, ['\\Seen', '$Work']);
  const odd = { ...message(5), blobId: 'not-hex', emailId: 'E-5' };
  const upper = { ...message(9), blobId: HEX.toUpperCase(), emailId: `M${HEX.toUpperCase().slice(0, 24)}` };
  const otherEmailId = { ...message(11), emailId: 'Mdifferent' };
  for (const record of [packed, odd, upper, otherEmailId]) table.append(record, false);
  assert.deepEqual(table.recordAt(0), packed);
  assert.deepEqual(table.recordAt(1), odd);
  assert.deepEqual(table.recordAt(2), upper);
  assert.deepEqual(table.recordAt(3), otherEmailId);
  assert.equal(table.recordAt(4), undefined);
  assert.equal(table.recordAt(-1), undefined);
  assert.equal('cache' in (table.recordAt(0) ?? {}), false);
});

test('finds UIDs by binary search and keeps sequence order through removals', () => {
  const table = new MessageTable(7, 2);
  for (const uid of [2, 4, 6, 8, 10]) table.append(message(uid), uid >= 6);
  assert.equal(table.length, 5);
  assert.equal(table.recentCount, 3);
  assert.equal(table.indexOf(6), 2);
  assert.equal(table.indexOf(5), -1);
  assert.equal(table.lowerBound(5), 2);
  assert.equal(table.lowerBound(11), 5);
  table.remove([3, 0]);
  assert.deepEqual(table.uidList(), [4, 6, 10]);
  assert.equal(table.recentCount, 2);
  assert.deepEqual(table.recordAt(2), message(10));
  assert.equal(table.recentAt(1), true);
  assert.equal(table.recentAt(0), false);
  table.setRecent(0);
  table.setRecent(0);
  assert.equal(table.recentCount, 3);
});

test('grows past its first capacity', () => {
  const table = new MessageTable(7, 0);
  for (let uid = 1; uid <= MIN_CAPACITY * 5 + 3; uid++) table.append(message(uid, uid % 2 === 0 ? ['\\Seen'] : []), false);
  assert.equal(table.length, MIN_CAPACITY * 5 + 3);
  for (let index = 0; index < table.length; index++) assert.deepEqual(table.recordAt(index), message(index + 1, (index + 1) % 2 === 0 ? ['\\Seen'] : []));
});

test('updates flags and MODSEQ, keeping case and order, and interns equal lists', () => {
  const table = new MessageTable(7, 2);
  table.append(message(1, ['\\Seen']), false);
  table.append(message(2, ['\\Seen']), false);
  assert.equal(table.flagsAt(0), table.flagsAt(1));
  table.update(1, { ...message(2, ['\\Flagged', '$b', '$A']), modSeq: 99 });
  assert.deepEqual(table.flagsAt(1), ['\\Flagged', '$b', '$A']);
  assert.equal(table.modSeqAt(1), 99);
  assert.deepEqual(table.flagsAt(0), ['\\Seen']);
});

test(`the interned flag lists stay within ${FLAG_TABLE_SLACK} of the message count`, () => {
  const table = new MessageTable(7, 1);
  table.append(message(1, ['k0']), false);
  for (let round = 1; round < FLAG_TABLE_SLACK * 4; round++) table.update(0, message(1, [`k${round}`]));
  assert.deepEqual(table.flagsAt(0), [`k${FLAG_TABLE_SLACK * 4 - 1}`]);
  const sets = (table as unknown as { flagSets: unknown[] }).flagSets;
  assert.ok(sets.length <= FLAG_TABLE_SLACK + 1, `${sets.length} interned lists`);
});

test('matches a plain array of records under appends, updates and removals', () => {
  const flagChoices = [[], ['\\Seen'], ['\\Seen', '$x'], ['\\Deleted'], ['$X']] as const;
  const operation = fc.oneof(
    fc.record({ kind: fc.constant('append' as const), gap: fc.integer({ min: 1, max: 3 }), flags: fc.nat(4), recent: fc.boolean() }),
    fc.record({ kind: fc.constant('update' as const), at: fc.nat(), flags: fc.nat(4), modSeq: fc.nat() }),
    fc.record({ kind: fc.constant('remove' as const), picks: fc.array(fc.nat(), { maxLength: 4 }) }),
  );
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
      const table = new MessageTable(7, 0);
      let model: { record: MessageRecord; recent: boolean }[] = [];
      let nextUid = 1;
      for (const op of operations) {
        if (op.kind === 'append') {
          nextUid += op.gap;
          const record = message(nextUid, flagChoices[op.flags] ?? []);
          table.append(record, op.recent);
          model.push({ record, recent: op.recent });
        } else if (op.kind === 'update' && model.length > 0) {
          const index = op.at % model.length;
          const entry = model[index];
          if (!entry) continue;
          const record = { ...entry.record, flags: flagChoices[op.flags] ?? [], modSeq: op.modSeq };
          table.update(index, record);
          model[index] = { record, recent: entry.recent };
        } else if (op.kind === 'remove' && model.length > 0) {
          const indexes = [...new Set(op.picks.map((pick) => pick % model.length))];
          table.remove(indexes);
          model = model.filter((_, index) => !indexes.includes(index));
        }
      }
      assert.equal(table.length, model.length);
      assert.equal(table.recentCount, model.filter((entry) => entry.recent).length);
      model.forEach((entry, index) => {
        assert.deepEqual(table.recordAt(index), entry.record);
        assert.equal(table.recentAt(index), entry.recent);
        assert.equal(table.indexOf(entry.record.uid), index);
      });
    }),
  );
});

test('a clone has the same records, no recent marks, and changes apart from the original', () => {
  const table = new MessageTable(7, 0);
  const odd = { ...message(5), blobId: 'not-hex', emailId: 'E-5' };
  for (const record of [message(1, ['\\Seen']), odd, message(8, ['$Work'])]) table.append(record, true);
  const copy = table.clone();
  assert.equal(copy.recentCount, 0);
  assert.deepEqual([0, 1, 2].map((i) => copy.recordAt(i)), [0, 1, 2].map((i) => table.recordAt(i)));
  copy.update(0, message(1, ['\\Deleted']));
  copy.remove([1]);
  copy.append(message(9), false);
  copy.setRecentFrom(8);
  assert.deepEqual(table.flagsAt(0), ['\\Seen']);
  assert.equal(table.length, 3);
  assert.deepEqual(table.recordAt(1), odd);
  assert.deepEqual(copy.uidList(), [1, 8, 9]);
  assert.deepEqual([0, 1, 2].map((i) => copy.recentAt(i)), [false, true, true]);
  assert.equal(copy.recentCount, 2);
});
