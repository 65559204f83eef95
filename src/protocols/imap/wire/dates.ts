// Dates in commands: SEARCH's date (BEFORE, ON, SINCE and their SENT/SAVED forms) and APPEND's
// date-time. Both are checked for syntax and for being a real calendar date. Input it does not
// trust: the command octets read through the Cursor.
//
// Standards: RFC 9051 §9 (date = date-text / DQUOTE date-text DQUOTE; date-day 1*2DIGIT;
// date-month three letters, case-insensitive per §9 note 1; date-time = DQUOTE date-day-fixed "-"
// date-month "-" date-year SP time SP zone DQUOTE), RFC 9051 §6.3.12 (APPEND date-time).

import { DQUOTE } from './chars.ts';
import type { Cursor } from './cursor.ts';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DATE_TEXT = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/;
const DATE_TIME = /^( \d|\d{2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
const isDateChar = (byte: number) => (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);

function monthIndex(name: string): number {
  return MONTHS.indexOf(name.toUpperCase());
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

function validDay(year: number, month: number, day: number): boolean {
  return month >= 0 && day >= 1 && day <= daysInMonth(year, month);
}

/** RFC 9051 §9 date, returned as "YYYY-MM-DD". */
export function parseSearchDate(c: Cursor): string {
  const quoted = c.peek() === DQUOTE;
  const text = quoted ? c.decode(c.quoted()) : c.word(isDateChar);
  const match = DATE_TEXT.exec(text);
  if (match === null) return c.fail('expected a date such as 1-Feb-2024');
  const [, day = '', monthName = '', year = ''] = match;
  const month = monthIndex(monthName);
  if (!validDay(Number(year), month, Number(day))) return c.fail('not a calendar date');
  return `${year}-${String(month + 1).padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/** RFC 9051 §9 date-time, returned as sent between the quotes ("17-Jul-1996 02:44:25 -0700"). */
export function parseDateTime(c: Cursor): string {
  if (c.peek() !== DQUOTE) c.fail('expected a quoted date-time');
  const text = c.decode(c.quoted());
  if (dateTimeToEpochMs(text) === undefined) c.fail('expected a date-time such as "17-Jul-1996 02:44:25 -0700"');
  return text;
}

/** The instant a valid RFC 9051 date-time names, in milliseconds since the epoch; undefined if invalid. */
export function dateTimeToEpochMs(text: string): number | undefined {
  const match = DATE_TIME.exec(text);
  if (match === null) return undefined;
  const [, dayText = '', monthName = '', yearText = '', hh = '', mm = '', ss = '', sign = '', zh = '', zm = ''] = match;
  const year = Number(yearText);
  const month = monthIndex(monthName);
  const day = Number(dayText.trim());
  const [hours, minutes, seconds, zoneHours, zoneMinutes] = [hh, mm, ss, zh, zm].map(Number) as [number, number, number, number, number];
  // RFC 5322 §3.3 ranges: a leap second (60) is allowed; zone minutes below 60.
  if (!validDay(year, month, day) || hours > 23 || minutes > 59 || seconds > 60 || zoneMinutes > 59) return undefined;
  const offset = (sign === '-' ? -1 : 1) * (zoneHours * 60 + zoneMinutes) * 60_000;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month, day);
  utc.setUTCHours(hours, minutes, seconds, 0);
  return utc.getTime() - offset;
}
