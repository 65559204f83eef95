// Test support: reads imaptest's .mbox fixtures into messages as imaptest APPENDs them: CRLF
// line ends, the From_ line's date (with its zone when given, else UTC) as INTERNALDATE, and the
// blank line before the next From_ line dropped. Input: trusted test fixtures.
// Standards: RFC 4155 (the mbox format).

export interface MboxMessage {
  readonly raw: string;
  readonly internalDate: Date;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The date of a From_ line (`From user@domain  Fri Feb 22 17:06:23 2008 [+0200]`). */
export function fromLineDate(line: string): Date {
  const m = /^From\s+\S+\s+\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})(?:\s+([+-])(\d{2})(\d{2}))?/.exec(line);
  if (!m) return new Date(0);
  const utc = Date.UTC(Number(m[6]), MONTHS.indexOf((m[1] ?? '').toLowerCase()), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  const offset = m[7] === undefined ? 0 : (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  return new Date(utc - offset * 60_000);
}

export function readMbox(text: string): MboxMessage[] {
  const messages: MboxMessage[] = [];
  let current: { lines: string[]; date: Date } | undefined;
  const finish = () => {
    if (current === undefined) return;
    const lines = current.lines;
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    messages.push({ raw: lines.map((l) => `${l}\r\n`).join(''), internalDate: current.date });
  };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    if (line.startsWith('From ')) {
      finish();
      current = { lines: [], date: fromLineDate(line) };
    } else if (current !== undefined) {
      current.lines.push(line.replace(/\r$/, ''));
    }
  }
  finish();
  return messages;
}
