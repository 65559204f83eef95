// bench/imap-messages: the mailbox every IMAP benchmark user starts with, the same octets for
// every server: 1,000 messages per user made from a seeded generator, so a run is repeatable.
// Sizes are spread log-uniformly from 2 to 50 KB; about 60 % are text/plain, 25 %
// multipart/alternative (text and HTML) and 15 % multipart/mixed with a base64 attachment.
// Subjects are drawn from a word list (so SEARCH SUBJECT finds a few percent of the mailbox),
// some with RFC 2047 encoded words and "Re:" replies; dates spread over 2024 and 2025 and are
// also the APPEND date-time (INTERNALDATE), so SEARCH SINCE selects the same messages on every
// server; about 30 % are left unseen. Also here: populate(), which APPENDs a user's messages
// over IMAP (one connection per user, synchronizing literals) and times each APPEND.

import { ImapClient, ok, type Endpoint } from './imap-client.ts';

export const MESSAGES_PER_USER = 1000;
const MIN_OCTETS = 2 * 1024;
const MAX_OCTETS = 50 * 1024;
const FIRST_DATE = Date.UTC(2024, 0, 1);
const DATE_SPAN_MS = 2 * 365 * 24 * 3600 * 1000;
/** Since this date, about a quarter of each mailbox (its last six months). */
export const SEARCH_SINCE = '1-Jul-2025';

export const WORDS = (
  'account action agenda answer april archive article backup balance board budget build calendar campaign change ' +
  'client cluster code coffee contract customer dashboard data deadline delivery design draft event expense ' +
  'feedback finance forecast friday garden holiday hotel idea invoice issue journal kitchen launch lecture ' +
  'library lunch market meeting memo migration monday network notes office order package payment photo plan ' +
  'policy portal project proposal quarter question receipt recipe release report request review roadmap ' +
  'schedule school security server shipment sprint status summary support survey team ticket train travel ' +
  'update upgrade vacation vendor weekend welcome workshop'
).split(' ');
const FIRST_NAMES = ['Ana', 'Bruno', 'Chen', 'Dana', 'Emeka', 'Fatima', 'Giulia', 'Hiro', 'Ines', 'Jonas', 'Kofi', 'Lena', 'Mateo', 'Nadia', 'Omar', 'Priya'];
const LAST_NAMES = ['Silva', 'Keller', 'Wang', 'Novak', 'Okafor', 'Haddad', 'Rossi', 'Tanaka', 'Garcia', 'Berg', 'Mensah', 'Weber'];
const DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'corp.example'];
const ENCODED_SUBJECTS = ['=?UTF-8?B?Q2Fmw6kgcsOpc2VydmF0aW9u?=', '=?UTF-8?Q?R=C3=A9union_=C3=A9quipe?=', '=?ISO-8859-1?Q?Gr=FC=DFe_aus_M=FCnchen?='];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** mulberry32: a small seeded PRNG (not for secrets; for repeatable data). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(next: () => number, list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;

function words(next: () => number, count: number): string {
  return Array.from({ length: count }, () => pick(next, WORDS)).join(' ');
}

/** Text wrapped at about 72 characters, `octets` long give or take a line. */
function paragraphs(next: () => number, octets: number): string {
  const lines: string[] = [];
  let total = 0;
  while (total < octets) {
    let line = '';
    while (line.length < 64) line += `${line === '' ? '' : ' '}${pick(next, WORDS)}`;
    if (next() < 0.15) line += '.';
    lines.push(line);
    total += line.length + 2;
    if (next() < 0.12) {
      lines.push('');
      total += 2;
    }
  }
  return lines.join('\r\n');
}

function base64Lines(next: () => number, octets: number): string {
  const raw = Buffer.alloc(Math.max(1, Math.floor((octets * 3) / 4)));
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(next() * 256);
  return (raw.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

/** RFC 5322 date-time, and the same instant as an IMAP date-time (RFC 9051 §9 date-time). */
function dates(ms: number): { header: string; internal: string } {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const month = MONTHS[d.getUTCMonth()] ?? 'Jan';
  return {
    header: `${d.toUTCString().slice(0, 16)} ${time} +0000`,
    internal: `${String(d.getUTCDate()).padStart(2, ' ')}-${month}-${d.getUTCFullYear()} ${time} +0000`,
  };
}

export interface BenchMessage {
  readonly octets: Buffer;
  readonly internalDate: string;
  readonly seen: boolean;
}

/** Message `index` (0-based) of user `user` (0-based): the same octets on every call. */
export function benchMessage(user: number, index: number, address: string): BenchMessage {
  const next = random(user * 1_000_003 + index * 7919 + 17);
  const target = Math.round(MIN_OCTETS * (MAX_OCTETS / MIN_OCTETS) ** next());
  const when = dates(FIRST_DATE + Math.floor(((index + next()) / MESSAGES_PER_USER) * DATE_SPAN_MS));
  const first = pick(next, FIRST_NAMES);
  const last = pick(next, LAST_NAMES);
  const from = `${first} ${last} <${first.toLowerCase()}.${last.toLowerCase()}@${pick(next, DOMAINS)}>`;
  const kind = next();
  const reply = next() < 0.2;
  const subjectText = next() < 0.05 ? pick(next, ENCODED_SUBJECTS) : words(next, 3 + Math.floor(next() * 6));
  const headers = [
    `Return-Path: <${first.toLowerCase()}@${pick(next, DOMAINS)}>`,
    `Received: from mx.${pick(next, DOMAINS)} (mx.example [192.0.2.${1 + Math.floor(next() * 250)}]) by bench.example; ${when.header}`,
    `From: ${from}`,
    `To: ${address}`,
    ...(next() < 0.3 ? [`Cc: ${pick(next, FIRST_NAMES)} <${pick(next, FIRST_NAMES).toLowerCase()}@${pick(next, DOMAINS)}>`] : []),
    `Subject: ${reply ? 'Re: ' : ''}${subjectText}`,
    `Date: ${when.header}`,
    `Message-ID: <${user}.${index}.${Math.floor(next() * 1e9)}@bench.example>`,
    ...(reply ? [`In-Reply-To: <${user}.${Math.max(0, index - 1 - Math.floor(next() * 20))}.0@bench.example>`] : []),
    'MIME-Version: 1.0',
  ];
  const headerOctets = headers.join('\r\n').length + 200;
  const bodyOctets = Math.max(256, target - headerOctets);
  let body: string[];
  if (kind < 0.6) {
    body = ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', paragraphs(next, bodyOctets)];
  } else if (kind < 0.85) {
    const boundary = `alt-${user}-${index}`;
    const text = paragraphs(next, bodyOctets * 0.4);
    const html = `<html><body><p>${paragraphs(next, bodyOctets * 0.5).replace(/\r\n\r\n/g, '</p>\r\n<p>')}</p></body></html>`;
    body = [
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      text,
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      '',
      html,
      `--${boundary}--`,
    ];
  } else {
    const boundary = `mixed-${user}-${index}`;
    const attachment = `${pick(next, WORDS)}-${index}.pdf`;
    body = [
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      paragraphs(next, Math.min(2000, bodyOctets * 0.2)),
      `--${boundary}`,
      `Content-Type: application/pdf; name="${attachment}"`,
      `Content-Disposition: attachment; filename="${attachment}"`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(next, bodyOctets * 0.8),
      `--${boundary}--`,
    ];
  }
  const text = `${[...headers, ...body].join('\r\n')}\r\n`;
  return { octets: Buffer.from(text, 'utf8'), internalDate: when.internal, seen: next() >= 0.3 };
}

export interface PopulateResult {
  readonly messages: number;
  readonly octets: number;
  readonly seconds: number;
  /** APPEND latencies in ms, unsorted. */
  readonly latencies: number[];
}

/** APPENDs every user's messages, one connection per user, all users at once. */
export async function populate(endpoint: Endpoint, users: readonly string[], password: string): Promise<PopulateResult> {
  const latencies: number[] = [];
  let octets = 0;
  const started = performance.now();
  await Promise.all(
    users.map(async (address, user) => {
      const { client } = await ImapClient.open(endpoint);
      try {
        ok(`LOGIN ${address}`, await client.run(`LOGIN ${address} ${password}`));
        for (let index = 0; index < MESSAGES_PER_USER; index++) {
          const message = benchMessage(user, index, address);
          const t0 = performance.now();
          const flags = message.seen ? '(\\Seen)' : '()';
          ok('APPEND', await client.run(`APPEND INBOX ${flags} "${message.internalDate}" {${message.octets.length}}`, { after: [message.octets, '\r\n'] }));
          latencies.push(performance.now() - t0);
          octets += message.octets.length;
        }
        ok('LOGOUT', await client.run('LOGOUT'));
      } finally {
        client.close();
      }
    }),
  );
  return { messages: latencies.length, octets, seconds: (performance.now() - started) / 1000, latencies };
}
