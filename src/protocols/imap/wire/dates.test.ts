// Dates: SEARCH dates and APPEND date-times, valid and invalid (through the reader, one byte at a
// time), the instant a date-time names, and a property over all calendar days.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dateTimeToEpochMs } from './dates.ts';
import { readOne } from './wire.test-support.ts';

function searchDate(text: string): string | undefined {
  const event = readOne(`a SEARCH SINCE ${text}`);
  return event.kind === 'command' && event.command.name === 'SEARCH' && event.command.key.kind === 'date' ? event.command.key.date : undefined;
}

function appendDate(text: string): string | undefined {
  const event = readOne(`a APPEND x ${text} {1+}\r\nm`);
  return event.kind === 'command' && event.command.name === 'APPEND' ? event.command.messages[0]?.date : undefined;
}

void test('SEARCH dates (RFC 9051 §9 date): day of one or two digits, month in any case, optionally quoted', () => {
  const cases: [string, string][] = [
    ['1-Feb-1994', '1994-02-01'],
    ['01-FEB-1994', '1994-02-01'],
    ['"29-feb-2024"', '2024-02-29'],
    ['31-Dec-9999', '9999-12-31'],
    ['1-Jan-0000', '0000-01-01'],
  ];
  for (const [text, expected] of cases) assert.equal(searchDate(text), expected, text);
  for (const text of ['29-Feb-2023', '31-Apr-2024', '0-Jan-2024', '001-Jan-2024', '1-Jan-24', '1-January-2024', '1/Jan/2024', '"1-Jan-2024', '1-Jan-2024"', '"1-Jan-2024 "', '']) {
    assert.equal(searchDate(text), undefined, text);
  }
});

void test('APPEND date-time (RFC 9051 §9): quoted, fixed-width day, time and zone checked', () => {
  for (const text of ['17-Jul-1996 02:44:25 -0700', ' 7-Jul-1996 02:44:25 +0000', '29-Feb-2024 23:59:60 +1400', '01-jan-2000 00:00:00 -9959']) {
    assert.equal(appendDate(`"${text}"`), text);
  }
  for (const text of ['"7-Jul-1996 02:44:25 -0700"', '"17-Jul-1996 2:44:25 -0700"', '"17-Jul-1996 24:00:00 -0700"', '"17-Jul-1996 02:60:00 -0700"', '"17-Jul-1996 02:44:25 0700"', '"17-Jul-1996 02:44:25 -07000"', '"17-Jul-1996 02:44:25 +0060"', '"30-Feb-1996 02:44:25 +0000"', '"17-Jul-1996 02:44:25"', '17-Jul-1996']) {
    assert.equal(appendDate(text), undefined, text);
  }
});

void test('dateTimeToEpochMs gives the instant in UTC', () => {
  assert.equal(dateTimeToEpochMs('17-Jul-1996 02:44:25 -0700'), Date.UTC(1996, 6, 17, 9, 44, 25));
  assert.equal(dateTimeToEpochMs(' 1-Jan-2000 00:00:00 +0100'), Date.UTC(1999, 11, 31, 23, 0, 0));
  const year50 = new Date(0);
  year50.setUTCFullYear(50, 0, 1); // Date.UTC would read "50" as 1950
  assert.equal(dateTimeToEpochMs('01-Jan-0050 00:00:00 +0000'), year50.getTime());
  assert.equal(dateTimeToEpochMs('nonsense'), undefined);
});

void test('property: every calendar day of every year is a valid SEARCH date and APPEND date-time', () => {
  fc.assert(
    fc.property(fc.date({ min: new Date(Date.UTC(1, 0, 1)), max: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)), noInvalidDate: true }), (date) => {
      const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
      const year = String(date.getUTCFullYear()).padStart(4, '0');
      const month = months[date.getUTCMonth()] ?? 'Jan';
      const day = date.getUTCDate();
      assert.equal(searchDate(`${day}-${month}-${year}`), `${year}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
      const time = [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
      const text = `${String(day).padStart(2, ' ')}-${month}-${year} ${time} +0000`;
      assert.equal(appendDate(`"${text}"`), text);
      assert.equal(dateTimeToEpochMs(text), Math.floor(date.getTime() / 1000) * 1000);
    }),
    { numRuns: 300 },
  );
});
