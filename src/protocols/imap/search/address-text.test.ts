import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressText, firstDisplay, firstMailbox } from './address-text.ts';
import type { AddressEntry } from './message.ts';
import { parseAddresses } from './testing/fake-message.ts';

const a = (name: string | null, mailbox: string | null, host: string | null): AddressEntry => ({ name, mailbox, host });

void test('addressText re-writes a field as Dovecot does for FROM/TO/CC/BCC searches', () => {
  const cases: [AddressEntry[], string][] = [
    [[], ''],
    [[a(null, 'user', 'domain.org')], 'user@domain.org'],
    [[a('Real Name', 'user', 'domain.org')], 'Real Name <user@domain.org>'],
    [[a(null, 'one', 'x.org'), a(null, 'two', 'x.org')], 'one@x.org, two@x.org'],
    [[a(null, 'group', null), a(null, 'g1', 'x.org'), a(null, 'g2', 'x.org'), a(null, null, null), a(null, 'after', 'x.org')], 'group: g1@x.org, g2@x.org;, after@x.org'],
    [[a(null, 'empty', null), a(null, null, null)], 'empty: ;'],
    [[a(null, 'd', '')], 'd'],
  ];
  for (const [entries, text] of cases) assert.equal(addressText(entries), text);
});

void test('firstMailbox (RFC 5256 FROM/TO/CC) and firstDisplay (RFC 5957)', () => {
  const cases: [string, string, string][] = [
    ['foo bar <a@b.c>', 'a', 'foo bar'],
    ['b@c.d', 'b', 'b@c.d'],
    ['d', 'd', 'd'],
    ['user2@domain2.org (foo bar)', 'user2', 'foo bar'],
    ['=?iso-8859-1?q?foo_aar?= <e@f.g>', 'e', 'foo aar'],
    ['a: xx@xx.org, yy@yy.org;', 'a', 'a'], // a group: its name
    ['empty:;', 'empty', 'empty'],
    ['', '', ''],
  ];
  for (const [field, mailbox, display] of cases) {
    const entries = parseAddresses(field);
    assert.equal(firstMailbox(entries), mailbox, field);
    assert.equal(firstDisplay(entries), display, field);
  }
  assert.equal(firstDisplay([a('', 'x', 'y.z')]), 'x@y.z'); // an empty display name counts as none
  assert.equal(firstDisplay([a(null, null, null)]), '');
  // `From: just a name` as the server's parser reads it: ENVELOPE's placeholder, as Dovecot sorts it.
  assert.equal(firstMailbox([a('just a name', '', '')]), 'MISSING_MAILBOX');
});
