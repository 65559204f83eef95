// Command shapes from the imaptest scripts (/work/shared/imaptest/tests: atoms, pipeline, mutf7,
// listext, id, append-binary, multiappend, search-*, sort-*, fetch-*, store), with their variables
// filled in: the reader must parse what imaptest expects to succeed (OK or NO: a server decision)
// and refuse what it expects to be BAD. Each line is read one byte at a time as well.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytes, driveBothWays, readOne, replacer, utf8 } from './wire.test-support.ts';

// Lines the server must parse ("ok" or "no" in the scripts).
const PARSED = [
  'list "" ~foo',
  'select ~foo',
  "select !#$&'+,-.0123456789:;<=>?@^_`|[}",
  "list \"\" !#$&'+,-.0123456789:;<=>?@^_`|[}%*",
  'create "testbox/p&AOQA5A-"',
  'list "" "testbox/p&AOQA5A-"',
  'status "testbox/p&AOQA5A-" (messages)',
  'create testbox/',
  'list "" (testbox/*2 testbox/test3)',
  'list (remote) "" %',
  'list (subscribed) "" testbox/*',
  'list (subscribed recursivematch) "" testbox/test2% return (children)',
  'list "" testbox/% return (children subscribed)',
  'list (subscribed recursivematch) "" (testbox/test2 testbox/test2/test1)',
  'status testbox (messages recent uidnext uidvalidity unseen)',
  'append testbox (\\seen \\flagged) {5}\r\nhello',
  'append testbox ~{7}\r\n\u0000 -\u0001\r\n\r\n',
  'append testbox {5}\r\nmail1 {5}\r\nmail2',
  'fetch 1:* body.peek[header.fields (subject)]',
  'fetch 1 (binary.size[1] binary.peek[1])',
  'fetch 1 (binary.peek[5]<15.100>)',
  'fetch 1 (body.peek[1.header.fields.not (from subject X-foo)])',
  'fetch 1 body.peek[header.fields.not (date date)]',
  'fetch 2 body.peek[text]<3.3>',
  'fetch 1,* uid',
  'fetch 1 all',
  'fetch 1 modseq',
  'store 1 +flags NIL',
  'store 1 flags ($hello)',
  'store 3 flags (\\answered $hello)',
  'store 1:* flags (\\seen \\deleted)',
  'search (3) uid 4',
  'search uid 5:*',
  'search 1,4,*',
  'search 1:7 not before 26-mar-2007',
  'search header x-extra "hello beautiful"',
  'search keyword $hello',
  'search or smaller 100 larger 100',
  'search subject NIL',
  'search body nil',
  'search return () 1:3 modseq "/flags/\\\\seen" all 1',
  'search return (min max) 2:3 modseq "/flags/\\\\seen" all 1',
  'search return (partial 4:2) all',
  'search return (partial 1:3) 1:2,4:5',
  'sort (arrival reverse size) us-ascii all',
  'sort (reverse displayfrom) us-ascii all',
  'sort return (partial 1:6) (reverse arrival) us-ascii all',
  'thread references us-ascii all',
  'move 1 testbox2',
  'uid expunge 1:3',
  'noop',
  'close',
];

// Lines imaptest expects to be BAD.
const REFUSED = [
  'list (imaptest) "" ""',
  'list (recursivematch) "" ""',
  'list (recursivematch remote) "" ""',
  'list "" "" return (imaptest)',
  'search return (partial *:1) all',
  'search return (partial 1) all',
  'search return (partial 1:*) all',
  'sort return (partial *:1) (arrival) us-ascii all',
  'sort return (partial 1) (arrival) us-ascii all',
  'sort return (partial 1:*) (arrival) us-ascii all',
];

void test('imaptest command shapes that must parse', () => {
  for (const line of PARSED) {
    const event = readOne(utf8(`t1 ${line}`));
    assert.equal(event.kind, 'command', `${line}: ${JSON.stringify(event, replacer).slice(0, 300)}`);
  }
});

void test('imaptest command shapes that must be BAD', () => {
  for (const line of REFUSED) {
    const event = readOne(`t1 ${line}`);
    assert.ok(event.kind === 'error' && event.status === 'BAD' && event.tag === 't1', `${line}: ${JSON.stringify(event)}`);
  }
});

void test('imaptest pipeline: four pipelined commands give four events, in order', () => {
  const input = ['tag1 create testbox', 'tag2 create testbox2', 'tag3 create testbox3', 'tag4 create testbox4', 'tag1 status testbox (messages)', 'tag2 status testbox2 (messages)', 'tag3 status testbox3 (messages)', 'tag4 status testbox4 (messages)']
    .map((line) => `${line}\r\n`)
    .join('');
  const events = driveBothWays(bytes(input));
  assert.deepEqual(
    events.map((event) => (event.kind === 'command' ? `${event.tag} ${event.command.name}` : event.kind)),
    ['tag1 CREATE', 'tag2 CREATE', 'tag3 CREATE', 'tag4 CREATE', 'tag1 STATUS', 'tag2 STATUS', 'tag3 STATUS', 'tag4 STATUS'],
  );
});
