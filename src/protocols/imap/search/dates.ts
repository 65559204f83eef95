// Calendar days for the date search keys, and the seconds SORT and THREAD compare.
// Input: the search key's date (from the client), the Date: header text (untrusted), dates from
// storage; invalid input yields null, never an exception.
// Standards: RFC 9051 §6.4.4 (BEFORE/ON/SINCE and SENTBEFORE/SENTON/SENTSINCE compare dates
// "disregarding time and timezone"), RFC 5322 §3.3 date-time and §4.3 obsolete years,
// RFC 5256 §2.2 (sent date, falling back to the internal date).
//
// Internal and save dates are read in the server's local time zone, as Dovecot does (imaptest
// search-intdate runs the server with TZ=Europe/Helsinki). The sent date is the calendar date
// written in the Date: header, in the sender's zone (Dovecot adds the header's offset).

import type { SearchableMessage } from './message.ts';

const MS_PER_DAY = 86_400_000;

/** Day number (days since 1970-01-01) of a year, month (1-12) and day, or null when not a real date. */
export function dayNumber(year: number, month: number, day: number): number | null {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return null;
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1 || year > 9999) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null; // e.g. 31 Feb
  return Math.floor(date.getTime() / MS_PER_DAY);
}

/** The search key's date (`YYYY-MM-DD`, as the wire parser gives it) as a day number. */
export function searchKeyDay(date: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  return dayNumber(Number(match[1]), Number(match[2]), Number(match[3]));
}

/**
 * Days since 1970-01-01 of a real proleptic Gregorian date, by arithmetic (the days-from-civil
 * algorithm; no Date object): the same value dayNumber gives for it.
 */
function civilDay(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The local-time calendar day of an instant (server time zone). */
export function localDay(date: Date): number | null {
  if (Number.isNaN(date.getTime())) return null;
  const year = date.getFullYear();
  if (year < 1 || year > 9999) return null;
  return civilDay(year, date.getMonth() + 1, date.getDate());
}

const MONTHS = new Map([
  ['jan', 1], ['feb', 2], ['mar', 3], ['apr', 4], ['may', 5], ['jun', 6],
  ['jul', 7], ['aug', 8], ['sep', 9], ['oct', 10], ['nov', 11], ['dec', 12],
]);

/** Most characters of a Date: value examined (a real one is under 80). */
export const MAX_DATE_HEADER_CHARS = 256;

/**
 * The calendar day written in a Date: header value (RFC 5322 §3.3: `[day-of-week ","] day month
 * year time zone`), ignoring time and zone; comments are skipped. Null when it does not parse.
 */
export function writtenDay(value: string): number | null {
  const text = value.slice(0, MAX_DATE_HEADER_CHARS).replace(/\([^()]*\)/g, ' ');
  const match = /^\s*(?:[a-z]+\s*,)?\s*(\d{1,2})\s*[\s-]\s*([a-z]{3})[a-z]*\s*[\s-]\s*(\d{2,4})\s+\d{1,2}\s*:\s*\d{2}/i.exec(text);
  if (!match) return null;
  const month = MONTHS.get((match[2] ?? '').toLowerCase());
  if (month === undefined) return null;
  let year = Number(match[3]);
  const digits = (match[3] ?? '').length;
  if (digits === 2) year += year < 50 ? 2000 : 1900; // RFC 5322 §4.3
  else if (digits === 3) year += 1900;
  return dayNumber(year, month, Number(match[1]));
}

/** The sent day for SENTBEFORE/SENTON/SENTSINCE, or null when the message has no usable Date:. */
export function sentDay(message: SearchableMessage): number | null {
  const value = message.header('date')[0];
  if (value !== undefined) {
    const written = writtenDay(value);
    if (written !== null) return written;
  }
  const sent = message.sentDate();
  return sent === null ? null : localDay(sent);
}

/** Whole seconds of an instant; 0 for an invalid Date (IMAP dates have second resolution). */
export function epochSeconds(date: Date): number {
  const ms = date.getTime();
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** RFC 5256 §2.2: the sent date in seconds, or the internal date when Date: is missing or bad. */
export function sortDateSeconds(message: SearchableMessage): number {
  const sent = message.sentDate();
  if (sent !== null && !Number.isNaN(sent.getTime())) return epochSeconds(sent);
  return epochSeconds(message.internalDate);
}
