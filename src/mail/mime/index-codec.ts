// The part index as a compact JSON string and back, so it is stored with each message at
// delivery and FETCH never reparses. The text is produced by us but read back from storage, so
// parseIndex() validates everything (offsets inside the message and nested in their parent,
// depth and part count within the indexer's bounds) and answers undefined instead of throwing;
// the caller then reindexes from the message octets.

import { MAX_MIME_DEPTH, MAX_MIME_PARTS } from './limits.ts';
import type { ContentDisposition, ContentType, MimeIndex, MimeParam, MimePart, PartKind } from './types.ts';

/** Bumped whenever the encoding or the indexer's output changes: old entries are reindexed. */
export const INDEX_FORMAT_VERSION = 1;

const KINDS: readonly PartKind[] = ['text', 'basic', 'multipart', 'message'];
const MIME_FLAG = 4;
const OVERFLOW_FLAG = 8;

type Encoded = (number | string | Encoded)[];

function params(list: readonly MimeParam[]): string[] {
  return list.flatMap(([name, value]) => [name, value]);
}

function encodePart(part: MimePart): Encoded {
  const flags = KINDS.indexOf(part.kind) | (part.mime ? MIME_FLAG : 0) | (part.overflow ? OVERFLOW_FLAG : 0);
  const out: Encoded = [
    part.headerStart, part.bodyStart, part.bodyEnd, part.headerLines, part.bodyLines, flags,
    part.children.length > 0 ? part.children.map(encodePart) : 0,
    part.contentType ? [part.contentType.type, part.contentType.subtype, params(part.contentType.params)] : 0,
    part.encoding ?? 0, part.id ?? 0, part.description ?? 0, part.md5 ?? 0,
    part.disposition ? [part.disposition.value, params(part.disposition.params)] : 0,
    part.language ? [...part.language] : 0,
    part.location ?? 0,
  ];
  while (out.length > 7 && out[out.length - 1] === 0) out.pop();
  return out;
}

export function serializeIndex(index: MimeIndex): string {
  return JSON.stringify([INDEX_FORMAT_VERSION, index.size, encodePart(index.root)]);
}

class Invalid extends Error {}

function check(condition: boolean): asserts condition {
  if (!condition) throw new Invalid();
}

function int(value: unknown): number {
  check(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0);
  return value;
}

function optString(value: unknown): string | undefined {
  if (value === 0 || value === undefined) return undefined;
  check(typeof value === 'string');
  return value;
}

function decodeParams(value: unknown): MimeParam[] {
  check(Array.isArray(value) && value.length % 2 === 0);
  const out: MimeParam[] = [];
  for (let i = 0; i < value.length; i += 2) {
    const name: unknown = value[i];
    const val: unknown = value[i + 1];
    check(typeof name === 'string' && typeof val === 'string');
    out.push([name, val]);
  }
  return out;
}

interface Bounds {
  readonly start: number;
  readonly end: number;
}

function decodePart(value: unknown, bounds: Bounds, depth: number, counter: { parts: number }): MimePart {
  check(Array.isArray(value) && value.length >= 7 && depth < MAX_MIME_DEPTH + 1);
  check(++counter.parts <= MAX_MIME_PARTS);
  const [hs, bs, be, hl, bl, fl, kids, ct, enc, id, desc, md5, disp, lang, loc] = value as unknown[];
  const headerStart = int(hs);
  const bodyStart = int(bs);
  const bodyEnd = int(be);
  check(bounds.start <= headerStart && headerStart <= bodyStart && bodyStart <= bodyEnd && bodyEnd <= bounds.end);
  const flags = int(fl);
  const kind = KINDS[flags & 3] as PartKind;
  const children: MimePart[] = [];
  if (kids !== 0) {
    check(Array.isArray(kids));
    let start = bodyStart;
    for (const kid of kids) {
      const child = decodePart(kid, { start, end: bodyEnd }, depth + 1, counter);
      children.push(child);
      start = child.bodyEnd;
    }
  }
  const part: Record<string, unknown> = {
    headerStart, bodyStart, bodyEnd, headerLines: int(hl), bodyLines: int(bl), kind,
    mime: (flags & MIME_FLAG) !== 0, overflow: (flags & OVERFLOW_FLAG) !== 0,
  };
  if (ct !== 0 && ct !== undefined) {
    check(Array.isArray(ct) && ct.length === 3 && typeof ct[0] === 'string' && typeof ct[1] === 'string');
    part.contentType = { type: ct[0], subtype: ct[1], params: decodeParams(ct[2]) } satisfies ContentType;
  }
  const strings = { encoding: enc, id, description: desc, md5, location: loc };
  for (const [key, raw] of Object.entries(strings)) {
    const text = optString(raw);
    if (text !== undefined) part[key] = text;
  }
  if (disp !== 0 && disp !== undefined) {
    check(Array.isArray(disp) && disp.length === 2 && typeof disp[0] === 'string');
    part.disposition = { value: disp[0], params: decodeParams(disp[1]) } satisfies ContentDisposition;
  }
  if (lang !== 0 && lang !== undefined) {
    check(Array.isArray(lang) && lang.length > 0 && lang.every((item) => typeof item === 'string'));
    part.language = lang as string[];
  }
  part.children = children;
  return part as unknown as MimePart;
}

/** The index stored by serializeIndex(), or undefined when the text is not a valid index. */
export function parseIndex(text: string): MimeIndex | undefined {
  try {
    const value: unknown = JSON.parse(text);
    check(Array.isArray(value) && value.length === 3 && value[0] === INDEX_FORMAT_VERSION);
    const size = int(value[1]);
    const root = decodePart(value[2], { start: 0, end: size }, 0, { parts: 0 });
    check(root.headerStart === 0 && root.bodyEnd === size);
    return { size, root };
  } catch {
    return undefined;
  }
}
