// Test support: SearchableMessage views built from raw test messages with a deliberately small
// parser (header unfolding, RFC 2047 encoded words, RFC 5322 addresses with groups and comments,
// RFC 5322 dates). The real server builds its views on the MIME module; this one only has to be
// right for the imaptest fixtures and the unit tests. Input: test fixtures (trusted).
// Standards: RFC 5322 §2.2.3 (unfolding), §3.3 (dates), §3.4 (addresses); RFC 2047 §4-§6.

import type { AddressEntry, SearchableMessage } from '../message.ts';

export interface HeaderLine {
  readonly name: string;
  readonly value: string; // unfolded, RFC 2047 decoded, trimmed
}

/** RFC 2047: decodes encoded words; whitespace between two encoded words disappears (§6.2). */
export function decodeWords(text: string): string {
  const word = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
  return text
    .replace(/(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)/g, '$1')
    .replace(word, (whole, charset: string, encoding: string, data: string) => {
      let bytes: Uint8Array;
      if (encoding.toUpperCase() === 'B') {
        bytes = Buffer.from(data, 'base64');
      } else {
        const binary = data.replace(/_/g, ' ').replace(/=([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
        bytes = Buffer.from(binary, 'latin1');
      }
      try {
        return new TextDecoder(charset.replace(/\*.*$/, '')).decode(bytes);
      } catch {
        return whole;
      }
    });
}

/** Splits a CRLF message into unfolded, decoded header lines and the body. */
export function splitMessage(raw: string): { readonly headers: HeaderLine[]; readonly body: string } {
  const end = raw.startsWith('\r\n') ? -2 : raw.indexOf('\r\n\r\n');
  const headerText = end === -2 ? '' : end < 0 ? raw : raw.slice(0, end);
  const body = end === -2 ? raw.slice(2) : end < 0 ? '' : raw.slice(end + 4);
  const headers: HeaderLine[] = [];
  for (const line of headerText.split('\r\n')) {
    const last = headers[headers.length - 1];
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      headers[headers.length - 1] = { name: last.name, value: `${last.value}${line}` };
    } else {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1) });
    }
  }
  return { headers: headers.map((h) => ({ name: h.name, value: decodeWords(h.value.trim()) })), body };
}

type Token = { readonly kind: 'word' | 'quoted' | 'comment'; readonly text: string } | { readonly kind: 'special'; readonly text: string };

function tokenize(value: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < value.length) {
    const ch = value[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(') {
      let depth = 0;
      let text = '';
      for (; i < value.length; i++) {
        const c = value[i] ?? '';
        if (c === '(' && depth++ === 0) continue;
        if (c === ')' && --depth === 0) break;
        text += c;
      }
      i++;
      tokens.push({ kind: 'comment', text });
    } else if (ch === '"') {
      let text = '';
      for (i++; i < value.length && value[i] !== '"'; i++) {
        if (value[i] === '\\') i++;
        text += value[i] ?? '';
      }
      i++;
      tokens.push({ kind: 'quoted', text });
    } else if ('<>@,;:'.includes(ch)) {
      tokens.push({ kind: 'special', text: ch });
      i++;
    } else {
      let text = '';
      while (i < value.length && !/[\s()"<>@,;:]/.test(value[i] ?? '')) text += value[i++];
      tokens.push({ kind: 'word', text });
    }
  }
  return tokens;
}

const isSpecial = (t: Token | undefined, ch: string) => t !== undefined && t.kind === 'special' && t.text === ch;

function addrSpec(tokens: readonly Token[]): { mailbox: string | null; host: string } {
  const words = tokens.filter((t) => t.kind !== 'comment');
  const at = words.findLastIndex((t) => isSpecial(t, '@'));
  if (at < 0) return { mailbox: words.map((t) => t.text).join('') || null, host: '' };
  return { mailbox: words.slice(0, at).map((t) => t.text).join(''), host: words.slice(at + 1).map((t) => t.text).join('') };
}

/** RFC 5322 §3.4 address-list into ENVELOPE-style entries (see message.ts for the convention). */
export function parseAddresses(value: string): AddressEntry[] {
  const tokens = tokenize(value);
  const entries: AddressEntry[] = [];
  let pos = 0;
  const mailbox = (): void => {
    const collected: Token[] = [];
    while (pos < tokens.length && !isSpecial(tokens[pos], ',') && !isSpecial(tokens[pos], ';') && !isSpecial(tokens[pos], '<')) {
      collected.push(tokens[pos] as Token);
      pos++;
    }
    if (isSpecial(tokens[pos], '<')) {
      pos++;
      const inside: Token[] = [];
      while (pos < tokens.length && !isSpecial(tokens[pos], '>')) inside.push(tokens[pos++] as Token);
      pos++;
      const phrase = collected.filter((t) => t.kind === 'word' || t.kind === 'quoted').map((t) => t.text).join(' ');
      const spec = addrSpec(inside);
      entries.push({ name: phrase === '' ? null : decodeWords(phrase), mailbox: spec.mailbox, host: spec.host });
      while (pos < tokens.length && !isSpecial(tokens[pos], ',') && !isSpecial(tokens[pos], ';')) pos++;
    } else if (collected.some((t) => t.kind !== 'comment')) {
      const spec = addrSpec(collected);
      const comment = collected.filter((t) => t.kind === 'comment').pop();
      entries.push({ name: comment === undefined ? null : decodeWords(comment.text), mailbox: spec.mailbox, host: spec.host });
    }
  };
  while (pos < tokens.length) {
    if (isSpecial(tokens[pos], ',')) {
      pos++;
      continue;
    }
    let look = pos;
    while (look < tokens.length && (tokens[look]?.kind === 'word' || tokens[look]?.kind === 'quoted' || tokens[look]?.kind === 'comment')) look++;
    if (isSpecial(tokens[look], ':')) {
      const name = tokens.slice(pos, look).filter((t) => t.kind !== 'comment').map((t) => t.text).join(' ');
      entries.push({ name: null, mailbox: decodeWords(name), host: null });
      pos = look + 1;
      while (pos < tokens.length && !isSpecial(tokens[pos], ';')) {
        if (isSpecial(tokens[pos], ',')) pos++;
        else mailbox();
      }
      pos++;
      entries.push({ name: null, mailbox: null, host: null });
    } else {
      mailbox();
      if (isSpecial(tokens[pos], ';')) pos++;
    }
  }
  return entries;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES = new Map([['ut', 0], ['gmt', 0], ['z', 0], ['edt', -240], ['est', -300], ['cdt', -300], ['cst', -360], ['mdt', -360], ['mst', -420], ['pdt', -420], ['pst', -480]]);

/** RFC 5322 §3.3 date-time into an instant, or null. */
export function parseDate(value: string): Date | null {
  const m = /^\s*(?:[a-z]+\s*,\s*)?(\d{1,2})\s+([a-z]{3})\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[a-z]+)?/i.exec(value);
  if (!m) return null;
  const month = MONTHS.indexOf((m[2] ?? '').toLowerCase());
  if (month < 0) return null;
  let year = Number(m[3]);
  if ((m[3] ?? '').length === 2) year += year < 50 ? 2000 : 1900;
  const zone = m[7] ?? '+0000';
  const sign = zone.startsWith('-') ? -1 : 1;
  const offset = /^[+-]\d{4}$/.test(zone) ? sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) : (ZONES.get(zone.toLowerCase()) ?? 0);
  const utc = Date.UTC(year, month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return new Date(utc - offset * 60_000);
}

export interface MessageState {
  readonly seq: number;
  readonly uid: number;
  readonly modSeq?: number;
  readonly flags?: readonly string[];
  readonly recent?: boolean;
  readonly internalDate?: Date;
  readonly saveDate?: Date | null;
  readonly emailId?: string;
  readonly threadId?: string | null;
}

/** A SearchableMessage over `raw` (CRLF text); the state fields default to plain values. */
export function fakeMessage(raw: string, state: MessageState): SearchableMessage {
  const { headers, body } = splitMessage(raw);
  const values = (name: string) => headers.filter((h) => h.name.toLowerCase() === name.toLowerCase()).map((h) => h.value);
  const rawValues = (name: string) => {
    const { headers: undecoded } = splitMessage(raw.replace(/=\?/g, '=\u0000?'));
    return undecoded.filter((h) => h.name.toLowerCase() === name).map((h) => h.value.replace(/=\u0000\?/g, '=?'));
  };
  return {
    seq: state.seq,
    uid: state.uid,
    modSeq: state.modSeq ?? 1,
    flags: state.flags ?? [],
    recent: state.recent ?? false,
    internalDate: state.internalDate ?? new Date(0),
    saveDate: state.saveDate ?? null,
    size: Buffer.byteLength(raw),
    emailId: state.emailId ?? `E${state.uid}`,
    threadId: state.threadId ?? null,
    header: values,
    addresses: (field) => rawValues(field).flatMap(parseAddresses),
    bodyText: () => body,
    fullText: () => `${headers.map((h) => `${h.name}: ${h.value}`).join('\r\n')}\r\n\r\n${body}`,
    sentDate: () => {
      const date = values('date')[0];
      return date === undefined ? null : parseDate(date);
    },
  };
}

/** A message from header lines and a body (test tables). */
export function testMessage(headerLines: readonly string[], body: string, state: MessageState): SearchableMessage {
  return fakeMessage(`${headerLines.map((l) => `${l}\r\n`).join('')}\r\n${body}`, state);
}
