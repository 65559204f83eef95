// The sent date of a message (RFC 5322 §3.3 date-time, with the obsolete forms of §4.3: two- and
// three-digit years, alphabetic zones, comments and missing seconds) for SEARCH SENTBEFORE /
// SENTON / SENTSINCE (RFC 9051 §6.4.4: the date as written, time and zone disregarded) and SORT
// DATE (RFC 5256 §2.2: the instant, in UTC; when the Date field is missing or unparsable the
// internal date is used instead, see sortDate()). The last Date field counts, as for ENVELOPE.
// The header is untrusted; nothing throws.

import { lastFieldValue, headerFields } from './header-fields.ts';
import type { MimeIndex } from './types.ts';

export interface SentDate {
  /** The instant (milliseconds since the epoch, UTC). */
  readonly time: number;
  /** The calendar date as written in the field, "YYYY-MM-DD" (zone disregarded). */
  readonly day: string;
  /** The zone offset written in the field, in minutes east of UTC. */
  readonly offsetMinutes: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** RFC 5322 §4.3 obs-zone names; military zones other than Z are treated as +0000. */
const ZONES = new Map<string, number>([
  ['ut', 0], ['gmt', 0], ['z', 0],
  ['est', -300], ['edt', -240], ['cst', -360], ['cdt', -300],
  ['mst', -420], ['mdt', -360], ['pst', -480], ['pdt', -420],
]);

function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && depth > 0) i++;
    else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

/** Parses an RFC 5322 date-time (binary string); undefined when it is not one. */
export function parseDateTime(value: string): SentDate | undefined {
  const text = stripComments(value).replace(/\s+/g, ' ').trim();
  const match = /^(?:[A-Za-z]+\s*,?\s*)?(\d{1,2})\s*([A-Za-z]{3})[A-Za-z]*\s*(\d{2,4})\s+(\d{1,2})\s*:\s*(\d{2})(?:\s*:\s*(\d{2}))?\s*([+-]\d{4}|[A-Za-z]{1,5})?/.exec(text);
  if (!match) return undefined;
  const dayOfMonth = Number(match[1]);
  const month = MONTHS.indexOf((match[2] ?? '').toLowerCase());
  let year = Number(match[3]);
  const yearDigits = (match[3] ?? '').length;
  // RFC 5322 §4.3: two-digit years below 50 are 20xx, otherwise 19xx; three digits add 1900.
  if (yearDigits === 2) year += year < 50 ? 2000 : 1900;
  else if (yearDigits === 3) year += 1900;
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (month < 0 || dayOfMonth < 1 || dayOfMonth > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  const zone = match[7];
  if (zone && /^[+-]\d{4}$/.test(zone)) {
    const sign = zone.startsWith('-') ? -1 : 1;
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(3, 5));
    if (minutes > 59) return undefined;
    offsetMinutes = sign * (hours * 60 + minutes);
  } else if (zone) {
    offsetMinutes = ZONES.get(zone.toLowerCase()) ?? 0;
  }
  const local = Date.UTC(year, month, dayOfMonth, hour, minute, Math.min(second, 59));
  const check = new Date(Date.UTC(year, month, dayOfMonth));
  if (check.getUTCDate() !== dayOfMonth) return undefined; // e.g. 31 Feb
  const day = `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(dayOfMonth).padStart(2, '0')}`;
  return { time: local - offsetMinutes * 60_000, day, offsetMinutes };
}

/** The message's sent date from its Date field, or undefined when missing or unparsable. */
export function sentDate(raw: Uint8Array, index: MimeIndex): SentDate | undefined {
  const value = lastFieldValue(raw, headerFields(raw, index.root.headerStart, index.root.bodyStart), 'date');
  return value === undefined ? undefined : parseDateTime(value);
}

/** RFC 5256 §2.2 sort date: the sent date's instant, else the internal date. */
export function sortDate(raw: Uint8Array, index: MimeIndex, internalDate: Date): number {
  return sentDate(raw, index)?.time ?? internalDate.getTime();
}
