// The message source of an imaptest scripted test: the `<name>.mbox` file (or default.mbox),
// read as imaptest's mailbox-source-mbox.c does. A message is everything between two valid
// From_ lines (the blank line before the next From_ line included), with every LF turned into
// CRLF; its INTERNALDATE is the From_ line's date, in the From_ line's numeric zone, or read as
// local time in `timeZone` when the line has none (mbox_from_parse). The source wraps to the
// first message after the last, and one cursor is shared by the setup appends and the script's
// own `append` commands. Input: trusted test fixtures, read as bytes (latin1 strings).

import { readFileSync } from 'node:fs';

export interface MboxMessage {
  /** The message with CRLF line ends, one JS char per octet. */
  readonly data: string;
  /** IMAP date-time for APPEND, e.g. "24-Mar-2007 23:00:00 +0200". */
  readonly internalDate: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Offset of `zone` from UTC at instant `t` (ms), in minutes. */
function zoneOffsetMinutes(t: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(t));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((local - Math.floor(t / 1000) * 1000) / 60_000);
}

/** mktime() in `zone`: the instant whose local time there is the given wall-clock time. */
function localToUtc(fields: readonly number[], zone: string): number {
  const [y = 1970, mo = 0, d = 1, h = 0, mi = 0, s = 0] = fields;
  const wall = Date.UTC(y, mo, d, h, mi, s);
  let t = wall - zoneOffsetMinutes(wall, zone) * 60_000;
  t = wall - zoneOffsetMinutes(t, zone) * 60_000;
  return t;
}

/** Parses the text after "From " (port of Dovecot's mbox_from_parse); undefined if invalid. */
export function parseFromLine(text: string, zone: string): { time: number; tzMinutes: number } | undefined {
  let i = 0;
  if (text[i] === '"') {
    i++;
    let escaped = false;
    while (i < text.length && (text[i] !== '"' || escaped)) {
      escaped = text[i] === '\\';
      i++;
    }
    i++;
  }
  while (i < text.length && text[i] !== ' ') i++;
  while (text[i] === ' ') i++;
  if (i + 29 - 3 - 5 > text.length) return undefined;
  const at = (k: number): string | undefined => text[i + k];
  const month = (k: number): number => {
    const m = MONTHS.findIndex((name) => name.toLowerCase() === text.slice(i + k, i + k + 3).toLowerCase());
    return m >= 0 && at(k + 3) === ' ' ? m : -1;
  };
  const year = (k: number): number => ([0, 1, 2, 3].every((n) => isDigit(at(k + n))) ? Number(text.slice(i + k, i + k + 4)) : -1);
  let mday: number;
  let mon: number;
  let yr = 0;
  let alt = false;
  i += 4; // weekday
  mon = month(0);
  if (mon < 0) {
    alt = true; // "Thu, 9 Nov 2002 22:33:52"
    i++;
    if (!isDigit(at(0))) return undefined;
    mday = Number(at(0));
    i++;
    if (isDigit(at(0))) {
      mday = mday * 10 + Number(at(0));
      i++;
    }
    if (at(0) !== ' ') return undefined;
    i++;
    mon = month(0);
    if (mon < 0) return undefined;
    i += 4;
    yr = year(0);
    if (yr < 0) return undefined;
    i += 5;
  } else {
    i += 4;
    if (at(0) === ' ') i++;
    if (at(1) === ' ') {
      if (!isDigit(at(0))) return undefined;
      mday = Number(at(0));
      i += 2;
    } else {
      if (!isDigit(at(0)) || !isDigit(at(1)) || at(2) !== ' ') return undefined;
      mday = Number(text.slice(i, i + 2));
      i += 3;
    }
  }
  if (mday === 0) mday = 1;
  if (!isDigit(at(0)) || !isDigit(at(1)) || at(2) !== ':') return undefined;
  const hour = Number(text.slice(i, i + 2));
  i += 3;
  if (!isDigit(at(0)) || !isDigit(at(1))) return undefined;
  const min = Number(text.slice(i, i + 2));
  i += 2;
  let sec = 0;
  if (at(0) === ':') {
    i++;
    if (!isDigit(at(0)) || !isDigit(at(1))) return undefined;
    sec = Number(text.slice(i, i + 2));
    i += 2;
    if (!alt) {
      if (at(0) !== ' ') return undefined;
      i++;
    }
  } else if (!alt) {
    if (at(0) !== ' ') return undefined;
    i++;
  }
  let zoneSecs: number | undefined;
  // Dovecot reads the minutes of a numeric zone as tens and units of seconds; kept as is.
  const numericZone = (k: number): number => {
    const secs = Number(at(k + 1)) * 36000 + Number(at(k + 2)) * 3600 + Number(at(k + 3)) * 10 + Number(at(k + 4));
    return at(k) === '-' ? -secs : secs;
  };
  if (!alt) {
    if (![0, 1, 2, 3].every((n) => isDigit(at(n)))) {
      if ((at(0) === '-' || at(0) === '+') && [1, 2, 3, 4].every((n) => isDigit(at(n))) && at(5) === ' ') {
        zoneSecs = numericZone(0);
        i += 6;
      } else {
        while (i < text.length && text[i] !== ' ') i++;
        if (i + 5 > text.length) return undefined;
        i++;
      }
    }
    yr = year(0);
    if (yr < 0) return undefined;
    i += 4;
  }
  if (zoneSecs === undefined && at(0) === ' ' && (at(1) === '-' || at(1) === '+') && [2, 3, 4, 5].every((n) => isDigit(at(n)))) {
    zoneSecs = numericZone(1);
  }
  if (zoneSecs !== undefined) {
    return { time: Date.UTC(yr, mon, mday, hour, min, sec) - zoneSecs * 1000, tzMinutes: Math.trunc(zoneSecs / 60) };
  }
  const time = localToUtc([yr, mon, mday, hour, min, sec], zone);
  return { time, tzMinutes: zoneOffsetMinutes(time, zone) };
}

/** IMAP date-time of an instant in a zone (Dovecot's imap_to_datetime_tz). */
export function imapDateTime(time: number, tzMinutes: number): string {
  const local = new Date(time + tzMinutes * 60_000);
  const two = (n: number): string => String(n).padStart(2, '0');
  const sign = tzMinutes < 0 ? '-' : '+';
  const abs = Math.abs(tzMinutes);
  return (
    `${two(local.getUTCDate())}-${MONTHS[local.getUTCMonth()] ?? 'Jan'}-${String(local.getUTCFullYear()).padStart(4, '0')} ` +
    `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`
  );
}

/** Splits an mbox (latin1 text) into messages. */
export function parseMbox(text: string, zone: string): MboxMessage[] {
  // Only LF-terminated lines count, as with i_stream_read_next_line(); a CR before the LF is
  // dropped and every line is sent with CRLF.
  const lines: string[] = [];
  let pos = 0;
  for (let lf = text.indexOf('\n', pos); lf >= 0; lf = text.indexOf('\n', pos)) {
    const line = text.slice(pos, lf);
    lines.push(line.endsWith('\r') ? line.slice(0, -1) : line);
    pos = lf + 1;
  }
  const fromOf = (line: string) => (line.startsWith('From ') ? parseFromLine(line.slice(5), zone) : undefined);
  const messages: MboxMessage[] = [];
  let i = 0;
  while (i < lines.length) {
    const from = fromOf(lines[i] ?? '');
    if (!from) throw new Error(`mbox: From_ line expected at line ${i + 1}`);
    i++;
    const body: string[] = [];
    // A From_ line straight after a From_ line is part of the message (Dovecot's "empty body").
    while (i < lines.length && (body.length === 0 || !fromOf(lines[i] ?? ''))) body.push(lines[i++] ?? '');
    if (body.length === 0) throw new Error('mbox ends with a From_ line');
    messages.push({ data: body.map((line) => `${line}\r\n`).join(''), internalDate: imapDateTime(from.time, from.tzMinutes) });
  }
  return messages;
}

/** The shared message cursor of one test run: `next()` wraps around like imaptest's source. */
export class MboxSource {
  readonly messages: readonly MboxMessage[];
  private index = 0;
  constructor(path: string, zone: string) {
    this.messages = parseMbox(readFileSync(path, 'latin1'), zone);
    if (this.messages.length === 0) throw new Error(`empty mbox file: ${path}`);
  }
  /** True when every message has been handed out once (the end of the file). */
  get atEnd(): boolean {
    return this.index > 0 && this.index % this.messages.length === 0;
  }
  next(): MboxMessage {
    const message = this.messages[this.index % this.messages.length];
    this.index++;
    if (!message) throw new Error('empty mbox');
    return message;
  }
}
