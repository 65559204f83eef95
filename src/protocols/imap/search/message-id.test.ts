import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { firstMessageId, MAX_MALFORMED_IDS, MAX_REFERENCES, messageIds } from './message-id.ts';

void test('messageIds: valid IDs in order, invalid ones skipped (RFC 5322 §3.6.4, RFC 5256 §2.4 1.A)', () => {
  const cases: [string, string[]][] = [
    ['<a@b>', ['a@b']],
    ['  <a@b> <c@d>\t<e@f>', ['a@b', 'c@d', 'e@f']],
    ['<a@b><c@d>', ['a@b', 'c@d']],
    ['<no-at-sign> <x@y>', ['x@y']],
    ['< a @ b >', ['a@b']], // whitespace inside dropped
    ['<"quoted local"@host>', ['quoted local@host']],
    ['<"q\\"x"@host>', ['q"x@host']],
    ['<a(comment)@b>', ['a@b']],
    ['<id@[192.0.2.1]>', ['id@[192.0.2.1]']],
    ['junk <a@b> more junk (c) <d@e>', ['a@b', 'd@e']],
    ['<"unterminated@x> <a@b>', ['a@b']],
    ['<a@b', []],
    ['a@b', []],
    ['', []],
    ['<CaSe@Host>', ['CaSe@Host']], // exact strings: case kept
  ];
  for (const [value, ids] of cases) assert.deepEqual(messageIds(value), ids, value);
  assert.equal(firstMessageId('x <a@b> <c@d>'), 'a@b');
  assert.equal(firstMessageId('nothing'), null);
  assert.equal(firstMessageId(undefined), null);
});

void test('MAX_MALFORMED_IDS: a value full of broken IDs is given up on, in linear time', () => {
  assert.equal(MAX_MALFORMED_IDS, 64);
  const broken = '<"'.repeat(MAX_MALFORMED_IDS);
  assert.deepEqual(messageIds(`${broken}" <a@b>`), ['a@b']);
  assert.deepEqual(messageIds(`${'<('.repeat(MAX_MALFORMED_IDS + 1)} <a@b>`), []);
  const hostile = `${'<'.repeat(200_000)}"`;
  const started = process.hrtime.bigint();
  assert.deepEqual(messageIds(hostile), []);
  assert.ok(process.hrtime.bigint() - started < 5_000_000_000n);
});

void test('MAX_REFERENCES is the cap THREAD applies to one References: value', () => {
  assert.equal(MAX_REFERENCES, 1000);
});

void test('messageIds never throws and returns IDs with an @', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('<', '>', '@', '"', '(', ')', '[', ']', '\\', ' ', 'a', 'b', '.'), maxLength: 60 }), (s) => {
      for (const id of messageIds(s)) assert.ok(id.includes('@'));
    }),
  );
});
