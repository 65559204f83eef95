// IMAP date-time parsing and INTERNALDATE formatting.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatDateTime, parseDateTime } from './dates.ts';

test('parses RFC 9051 date-time values and refuses invalid ones', () => {
  assert.equal(parseDateTime('17-Jul-1996 02:44:25 -0700')?.toISOString(), '1996-07-17T09:44:25.000Z');
  assert.equal(parseDateTime(' 1-Jan-2000 00:00:00 +0000')?.toISOString(), '2000-01-01T00:00:00.000Z');
  assert.equal(parseDateTime('01-jan-2000 00:00:00 +0130')?.toISOString(), '1999-12-31T22:30:00.000Z');
  for (const bad of ['', '17-Jul-1996', '32-Jul-1996 00:00:00 +0000', '31-Feb-2001 00:00:00 +0000', '17-Jux-1996 02:44:25 -0700', '17-Jul-1996 24:00:00 +0000', '17-Jul-1996 02:44:25 -0790', '17-Jul-96 02:44:25 -0700']) {
    assert.equal(parseDateTime(bad), undefined, bad);
  }
});

test('formats INTERNALDATE so that it parses back to the same instant', () => {
  fc.assert(
    fc.property(fc.date({ min: new Date('1971-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), (date) => {
      const whole = new Date(Math.floor(date.getTime() / 1000) * 1000);
      assert.equal(parseDateTime(formatDateTime(whole))?.getTime(), whole.getTime());
    }),
  );
});

test('parseDateTime never throws', () => {
  fc.assert(fc.property(fc.string(), (text) => void parseDateTime(text)));
});
