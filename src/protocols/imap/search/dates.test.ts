// Local-time rules are checked in a zone with DST changes (the one imaptest assumes).
process.env.TZ = 'Europe/Helsinki';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dayNumber, epochSeconds, localDay, MAX_DATE_HEADER_CHARS, searchKeyDay, sentDay, sortDateSeconds, writtenDay } from './dates.ts';
import { testMessage } from './testing/fake-message.ts';

const day = (y: number, m: number, d: number) => dayNumber(y, m, d) ?? NaN;

void test('dayNumber and searchKeyDay accept real calendar dates only', () => {
  assert.equal(dayNumber(1970, 1, 1), 0);
  assert.equal(dayNumber(2007, 3, 25), 13597);
  assert.equal(dayNumber(2008, 2, 29), 13938);
  for (const [y, m, d] of [[2007, 2, 29], [2007, 13, 1], [2007, 0, 1], [2007, 4, 31], [0, 1, 1], [2007.5, 1, 1]] as const) {
    assert.equal(dayNumber(y, m, d), null, `${y}-${m}-${d}`);
  }
  assert.equal(searchKeyDay('2007-03-25'), day(2007, 3, 25));
  for (const bad of ['2007-3-25', '25-Mar-2007', '2007-02-30', '', 'x']) assert.equal(searchKeyDay(bad), null, bad);
});

void test('writtenDay: the date as written in Date:, zone and time ignored (RFC 9051 §6.4.4)', () => {
  const cases: [string, number | null][] = [
    ['Sat, 24 Mar 2007 23:00:00 +0200', day(2007, 3, 24)],
    ['Sun, 25 Mar 2007 00:00:00 +0200', day(2007, 3, 25)],
    ['Sun, 25 Mar 2007 23:30:00 -1100', day(2007, 3, 25)], // UTC would be the 26th
    ['25 Mar 2007 00:30 +1400', day(2007, 3, 25)], // no weekday, no seconds
    ['Mon, 1 Jan 07 10:00:00 GMT', day(2007, 1, 1)], // RFC 5322 §4.3 two-digit year
    ['Mon, 1 Jan 99 10:00:00 GMT', day(1999, 1, 1)],
    ['Mon, 1 Jan 107 10:00:00 GMT', day(2007, 1, 1)], // three digits: + 1900
    ['(comment) Tue, 6 Feb 2024 (x) 08:00:00 +0000', day(2024, 2, 6)],
    ['Thu, 31 Feb 2024 08:00:00 +0000', null],
    ['yesterday', null],
    ['', null],
  ];
  for (const [value, expected] of cases) assert.equal(writtenDay(value), expected, value);
});

void test('MAX_DATE_HEADER_CHARS: only the start of a huge Date: value is read', () => {
  assert.equal(MAX_DATE_HEADER_CHARS, 256);
  assert.equal(writtenDay(`6 Feb 2024 08:00:00 +0000${' '.repeat(1_000_000)}x`), day(2024, 2, 6));
  assert.equal(writtenDay(`${' '.repeat(MAX_DATE_HEADER_CHARS)}6 Feb 2024 08:00:00 +0000`), null);
});

void test('localDay uses the server zone; sentDay falls back to the parsed date in local time', () => {
  // 2007-03-24 22:30 UTC is 2007-03-25 00:30 in Helsinki (EET, +0200).
  assert.equal(localDay(new Date(Date.UTC(2007, 2, 24, 22, 30))), day(2007, 3, 25));
  assert.equal(localDay(new Date(NaN)), null);
  const state = { seq: 1, uid: 1 };
  assert.equal(sentDay(testMessage(['Date: Sun, 25 Mar 2007 23:30:00 -1100'], '', state)), day(2007, 3, 25));
  assert.equal(sentDay(testMessage([], '', state)), null);
  // A Date: this parser does not read but the message view does: the view's instant, local time.
  const odd = { ...testMessage(['Date: garbage'], '', state), sentDate: () => new Date(Date.UTC(2007, 2, 24, 22, 30)) };
  assert.equal(sentDay(odd), day(2007, 3, 25));
});

void test('sortDateSeconds: the sent date, else the internal date (RFC 5256 §2.2)', () => {
  const internalDate = new Date(Date.UTC(2008, 1, 22, 10, 0, 0, 999));
  assert.equal(sortDateSeconds(testMessage(['Date: Fri, 22 Feb 2008 02:00:00 +0200'], '', { seq: 1, uid: 1, internalDate })), Date.UTC(2008, 1, 22) / 1000);
  assert.equal(sortDateSeconds(testMessage(['Date: nonsense'], '', { seq: 1, uid: 1, internalDate })), Math.floor(internalDate.getTime() / 1000));
  assert.equal(epochSeconds(new Date(NaN)), 0);
});

void test('the date helpers never throw on any Date: text', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
    const result = writtenDay(s);
    assert.ok(result === null || Number.isInteger(result));
  }));
});
