// Unit tests of the imaptest runner's parts (no server): the Dovecot-style argument parser,
// imaptest's matching rules, the default list directives, the script reader and the mbox
// reader, with the cases that decide pass or fail in the real suite.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { argsToString, parseScriptArgs, parseServerLine, type ImapArg } from './args.ts';
import { commandParts } from './client.ts';
import { applyDirectives } from './directives.ts';
import { expandAll, FULL, matchArgs, newMatchState } from './matcher.ts';
import { parseMbox } from './mbox.ts';
import { readScript } from './script.ts';

function script(text: string): ImapArg[] {
  const args = parseScriptArgs(text);
  if (typeof args === 'string') throw new Error(args);
  return args;
}

function server(line: string): ImapArg[] {
  const parsed = parseServerLine(`${line}\r\n`, 0);
  if (!parsed.ok) throw new Error(parsed.incomplete ? 'incomplete' : parsed.error);
  return parsed.args.slice(1);
}

/** Matches an expected untagged line (directives applied) against a server line. */
function matches(expected: string, reply: string, vars: Record<string, string> = {}): { ok: boolean; vars: Map<string, string> } {
  const st = newMatchState(Object.entries(vars));
  const args = server(`* ${reply}`);
  const head = args[0]?.type === 'atom' ? args[0].value.toUpperCase() : '';
  const prefix = ['OK', 'NO', 'BAD', 'BYE'].includes(head);
  return { ok: matchArgs(st, applyDirectives(script(expected)).args, args, FULL, prefix) === FULL, vars: st.vars };
}

test('atoms run to a space, so section specs split the same way on both sides', () => {
  assert.equal(argsToString(script('1 fetch (body[header.fields (from)] x)')), '1 fetch (body[header.fields (from) ] x)');
  assert.deepEqual(server('* 1 FETCH (BODY[HEADER.FIELDS (FROM)] {2}\r\nab)')[2], {
    type: 'list',
    items: [
      { type: 'atom', value: 'BODY[HEADER.FIELDS' },
      { type: 'list', items: [{ type: 'atom', value: 'FROM' }] },
      { type: 'atom', value: ']' },
      { type: 'string', value: 'ab', literal: true },
    ],
  });
  assert.equal(server('* nil NIL')[0]?.type, 'nil');
  assert.equal(server('* 1 FETCH (BINARY[1] ~{3}\r\n\0ab)').length, 3);
  const partial = parseServerLine('* 1 FETCH (BODY[] {10}\r\nabc', 0);
  assert.equal(partial.ok, false);
  assert.equal(!partial.ok && partial.incomplete, true);
  const broken = parseServerLine('* OK "unterminated\r\n', 0);
  assert.equal(!broken.ok && !broken.incomplete, true);
});

test('variables bind on first use and must match afterwards', () => {
  const first = matches('1 fetch (uid $uid1)', '1 FETCH (UID 42)');
  assert.equal(first.ok, true);
  assert.equal(first.vars.get('uid1'), '42');
  assert.equal(matches('1 fetch (uid $uid1)', '1 FETCH (UID 43)', { uid1: '42' }).ok, false);
  assert.equal(matches('search $uid1 $uid2', 'SEARCH 7 9').vars.get('uid2'), '9');
  assert.equal(matches('esearch (tag $tag) uid all $a:$b', 'ESEARCH (TAG "1.2") UID ALL 4:6', { tag: '1.2' }).ok, true);
  assert.equal(matches('esearch (tag $tag) min 1', 'ESEARCH (TAG "1.3") MIN 1', { tag: '1.2' }).ok, false);
  // bound values compare case-sensitively, literal text case-insensitively
  assert.equal(matches('list () $sep $mailbox', 'LIST () "/" IMAPTEST', { mailbox: 'imaptest' }).ok, false);
  assert.equal(matches('LIST () $sep imaptest', 'list () "/" IMAPTEST').ok, true);
  assert.equal(matches('list () $sep ${case:INBOX}', 'LIST () "/" inbox').ok, false);
});

test('OK replies match as a prefix; other replies must match to the end', () => {
  assert.equal(matches('ok [uidvalidity $v]', 'OK [UIDVALIDITY 123] UIDs valid').ok, true);
  assert.equal(matches('ok [copyuid $v $a $b]', 'OK [COPYUID 9 1:2 3:4] Done').vars.get('b'), '3:4');
  assert.equal(matches('search 1', 'SEARCH 1 2').ok, false);
  assert.equal(matches('esearch (tag $tag)', 'ESEARCH (TAG "1.2") UID', { tag: '1.2' }).ok, false);
});

test('FETCH items are unordered chains and FLAGS ignore only \\Recent', () => {
  assert.equal(matches('1 fetch (uid $u flags (\\seen))', '1 FETCH (FLAGS (\\Recent \\Seen) UID 5 MODSEQ (3))').ok, true);
  assert.equal(matches('1 fetch (flags (\\seen))', '1 FETCH (FLAGS (\\Seen \\Flagged))').ok, false);
  assert.equal(matches('1 fetch (flags ())', '1 FETCH (FLAGS ())').ok, true);
  assert.equal(matches('1 fetch (flags (\\recent \\seen))', '1 FETCH (FLAGS (\\Seen))').ok, false);
  assert.equal(matches('1 fetch (envelope $ body ($!unordered))', '1 FETCH (ENVELOPE (NIL) BODY ("a" "b"))').ok, true);
  assert.equal(matches('1 FETCH (BODY (("TEXT" "PLAIN") "MIXED"))', '1 FETCH (BODY (("TEXT" "PLAIN") "MIXED"))').ok, true);
  assert.equal(matches('1 FETCH (BODY ("MIXED" ("TEXT" "PLAIN")))', '1 FETCH (BODY (("TEXT" "PLAIN") "MIXED"))').ok, false);
});

test('LIST flags allow extras unless banned; STATUS items are unordered pairs', () => {
  assert.equal(matches('list () $sep box', 'LIST (\\HasNoChildren) "/" box').ok, true);
  assert.equal(matches('list ($!unordered $!ban=\\subscribed \\haschildren) $sep box', 'LIST (\\HasChildren) "/" box').ok, true);
  assert.equal(matches('list ($!unordered $!ban=\\subscribed \\haschildren) $sep box', 'LIST (\\Subscribed \\HasChildren) "/" box').ok, false);
  assert.equal(matches('status box (messages 1 unseen 0)', 'STATUS box (UNSEEN 0 MESSAGES 1 RECENT 0)').ok, true);
  assert.equal(matches('status box (messages 1 unseen 0)', 'STATUS box (UNSEEN 1 MESSAGES 1)').ok, false);
});

test('strings compare as C strings, literals and quoted strings alike', () => {
  assert.equal(matches('1 fetch (body[] {{x}})'.replace('{{x}}', '{3}\r\nabc'), '1 FETCH (BODY[] "abc")').ok, true);
  assert.equal(matches('1 fetch (binary[1] ~{2}\r\n\0x)', '1 FETCH (BINARY[1] ~{3}\r\n\0yz)').ok, true);
});

test('commands expand variables and relative sequences; literals follow LITERAL+', () => {
  const st = newMatchState([['mailbox', 'imaptest']]);
  st.seqmap = [1, 0, 2];
  assert.deepEqual(expandAll(st, 'status ${mailbox}2 ($$x) $3 $2', false), { text: 'status imaptest2 ($x) 2 <expunged>' });
  assert.equal(expandAll(st, 'fetch $nope', false).error, 'Uninitialized variable: nope');
  assert.deepEqual(commandParts('1.1', 'append box {3}\r\nabc', true), ['1.1 append box {3+}\r\nabc\r\n']);
  assert.deepEqual(commandParts('1.1', 'append box ~{3}\r\nabc {2}\r\nde', false), ['1.1 append box ~{3}\r\n', 'abc {2}\r\n', 'de\r\n']);
});

test('scripts: header, the three command methods, pipelining, literal blocks and the added LOGOUT', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imaptest-script-'));
  try {
    const path = join(dir, 'sample');
    writeFileSync(
      path,
      [
        'capabilities: FOO BAR',
        'messages: 2',
        '',
        '# comment',
        'ok select $mailbox',
        '* 2 exists',
        'examine $mailbox',
        '* ok [uidvalidity $v]',
        'ok [read-only]',
        'tag1 noop',
        'tag2 check',
        'tag2 ok',
        'tag1 ok',
        'ok append $mailbox {{{',
        'Subject: x',
        '',
        'body',
        '}}}',
        '! 1 fetch (flags ())',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'default.mbox'), 'From a  Sat Mar 24 23:00:00 2007 +0200\nSubject: a\n\nbody\n\n');
    const parsed = readScript(path);
    assert.deepEqual(parsed.capabilities, ['FOO', 'BAR']);
    assert.equal(parsed.messages, 2);
    assert.equal(parsed.mboxPath, join(dir, 'default.mbox'));
    assert.deepEqual(
      parsed.groups.map((g) => g.commands.map((c) => [c.tag, c.command, argsToString(c.reply ?? [])])),
      [
        [[0, 'select $mailbox', 'ok']],
        [[0, 'examine $mailbox', 'ok [read-only]']],
        [
          [1, 'noop', 'ok'],
          [2, 'check', 'ok'],
        ],
        [[0, 'append $mailbox {18}\r\nSubject: x\r\n\r\nbody', 'ok']],
        [[0, 'logout', 'ok']],
      ],
    );
    assert.equal(parsed.groups[3]?.untagged[0]?.existence, 'mustNot');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mbox: From_ dates become INTERNALDATEs; messages keep the blank line before the next From_', () => {
  const messages = parseMbox(
    'From u  Sun Mar 25 04:00:00 2007 +0300\nA: 1\n\nx\n\nFrom u  Fri Feb 22 17:06:23 2008\nB: 2\n\ny\n',
    'Europe/Helsinki',
  );
  assert.deepEqual(
    messages.map((m) => [m.internalDate, m.data]),
    [
      ['25-Mar-2007 04:00:00 +0300', 'A: 1\r\n\r\nx\r\n\r\n'],
      ['22-Feb-2008 17:06:23 +0200', 'B: 2\r\n\r\ny\r\n'],
    ],
  );
});
