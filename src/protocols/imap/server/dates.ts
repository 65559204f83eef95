// IMAP dates: the date-time of APPEND and INTERNALDATE (RFC 9051 §9: "dd-Mon-yyyy hh:mm:ss
// +zzzz", day possibly space-padded) and the date of SEARCH (d-Mon-yyyy). INTERNALDATE is shown
// in the server's local time zone, as SEARCH compares calendar dates in local time (RFC 9051
// §6.4.4 "disregarding time and timezone"; Dovecot does the same).

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Parses an APPEND date-time; undefined when it is not valid. */
export function parseDateTime(text: string): Date | undefined {
  const match = /^([ \d]\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(text);
  if (!match) return undefined;
  const month = MONTHS.findIndex((m) => m.toLowerCase() === (match[2] ?? '').toLowerCase());
  const [day, year, hour, minute, second, zoneHours, zoneMinutes] = [match[1], match[3], match[4], match[5], match[6], match[8], match[9]].map((part) => Number((part ?? '').trim()));
  if (month < 0 || day === undefined || year === undefined || hour === undefined || minute === undefined || second === undefined) return undefined;
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 || (zoneMinutes ?? 0) > 59) return undefined;
  const offset = (match[7] === '-' ? -1 : 1) * ((zoneHours ?? 0) * 60 + (zoneMinutes ?? 0));
  const utc = Date.UTC(year, month, day, hour, minute, Math.min(second, 59)) - offset * 60_000;
  const date = new Date(utc);
  // Reject impossible calendar dates such as 31-Feb.
  const check = new Date(Date.UTC(year, month, day));
  if (check.getUTCMonth() !== month) return undefined;
  return date;
}

/** INTERNALDATE in the local time zone, e.g. "17-Jul-1996 02:44:25 -0700". */
export function formatDateTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
  return `${pad(date.getDate())}-${MONTHS[date.getMonth()]}-${date.getFullYear()} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ${zone}`;
}
