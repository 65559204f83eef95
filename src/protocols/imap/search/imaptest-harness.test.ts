// The test harness itself: the script matcher must reject what imaptest would reject, or the
// imaptest suite proves nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseItems, parseKeys, parseReturn } from './testing/command-parser.ts';
import { parseAddresses, splitMessage } from './testing/fake-message.ts';
import { readMbox } from './testing/mbox.ts';
import { matchReply, parseScript } from './testing/script.ts';

void test('matchReply: exact lists, variables bound once, $ wildcard, FETCH items in any order', () => {
  const vars = new Map<string, string>();
  assert.equal(matchReply('* search 1 2 3', '* SEARCH 1 2 3', vars), true);
  assert.equal(matchReply('* search 1 2 3', '* SEARCH 1 3 2', vars), false);
  assert.equal(matchReply('* search 1 2', '* SEARCH 1 2 3', vars), false);
  assert.equal(matchReply('* search', '* SEARCH', vars), true);
  assert.equal(matchReply('* search $uid1 $uid2', '* SEARCH 7 9', vars), true);
  assert.equal(vars.get('uid1'), '7');
  assert.equal(matchReply('* search $uid1', '* SEARCH 8', vars), false);
  assert.equal(matchReply('* esearch (tag $) uid all $uid1:$uid2', '* ESEARCH (TAG "T1") UID ALL 7:9', vars), true);
  assert.equal(matchReply('* esearch (tag $) uid all $uid1:$uid2', '* ESEARCH (TAG "T1") UID ALL 7:8', vars), false);
  assert.equal(matchReply('* 3 fetch (rfc822.size $size)', '* 3 FETCH (UID 5 RFC822.SIZE 42)', vars), true);
  assert.equal(vars.get('size'), '42');
  assert.equal(matchReply('* 1 fetch (flags (\\seen))', '* 1 FETCH (FLAGS (\\Recent \\Seen))', vars), true);
  assert.equal(matchReply('* 1 fetch (flags (\\seen))', '* 1 FETCH (FLAGS (\\Seen \\Flagged))', vars), false);
  assert.equal(matchReply('* ok [highestmodseq $h]', '* OK [HIGHESTMODSEQ 5]', vars), true);
  assert.equal(matchReply('* thread (3 2)(1)', '* THREAD (3 2)(1)', vars), true);
  assert.equal(matchReply('* thread (3 2)(1)', '* THREAD (3)(2)(1)', vars), false);
});

void test('parseScript reads headers, method-1 commands and their replies, and skips !ifenv blocks', () => {
  const script = parseScript('capabilities: SORT\nmessages: 3\n\n# c\nok sort (date) us-ascii all\n* sort 1 2\n\n!ifenv X\nok noop\n!endif\nbad search x\n');
  assert.equal(script.headers.get('messages'), '3');
  assert.deepEqual(script.commands.map((c) => [c.expect, c.command, c.untagged]), [['ok', 'sort (date) us-ascii all', ['* sort 1 2']], ['bad', 'search x', []]]);
});

void test('readMbox: CRLF, the From_ date with its zone, the separating blank line dropped', () => {
  const [first, second] = readMbox('From u  Sat Mar 24 23:00:00 2007 +0200\nA: 1\n\nbody\n\nFrom u  Fri Feb 22 17:06:23 2008\n\nx\n');
  assert.equal(first?.raw, 'A: 1\r\n\r\nbody\r\n');
  assert.equal(first?.internalDate.toISOString(), '2007-03-24T21:00:00.000Z');
  assert.equal(second?.raw, '\r\nx\r\n');
  assert.equal(second?.internalDate.toISOString(), '2008-02-22T17:06:23.000Z');
});

void test('the fixture parsers: headers, encoded words, addresses, search keys', () => {
  const { headers, body } = splitMessage('Subject: =?utf-8?q?a?= =?utf-8?q?b?=\r\n folded\r\nX: y\r\n\r\nbody');
  assert.deepEqual([headers, body], [[{ name: 'Subject', value: 'ab folded' }, { name: 'X', value: 'y' }], 'body']);
  assert.deepEqual(parseAddresses('g: a@b, "N" <c@d>;, e@f (Com)'), [
    { name: null, mailbox: 'g', host: null },
    { name: null, mailbox: 'a', host: 'b' },
    { name: 'N', mailbox: 'c', host: 'd' },
    { name: null, mailbox: null, host: null },
    { name: 'Com', mailbox: 'e', host: 'f' },
  ]);
  assert.deepEqual(parseKeys(parseItems('1:3 not uid 5:*')), {
    kind: 'and',
    keys: [
      { kind: 'sequence', set: { kind: 'set', ranges: [{ from: 1, to: 3 }] } },
      { kind: 'not', key: { kind: 'uid', set: { kind: 'set', ranges: [{ from: 5, to: Infinity }] } } },
    ],
  });
  assert.deepEqual(parseReturn(parseItems('min partial -1:-5 save')), { min: true, partial: { from: -1, to: -5 }, save: true });
});
