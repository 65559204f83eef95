// The parse cache stored with every message at delivery (storage's `cache` column, sealed with
// the account's key): the MIME part index, the ENVELOPE, BODYSTRUCTURE and BODY value trees, and
// the top-level header octets. FETCH of structure and envelope, and SEARCH and SORT on header
// fields, then need neither the blob nor a reparse (issue: "cached at delivery so FETCH does not
// reparse"). Input it does not trust: the stored text (a bad or old cache is rebuilt from the raw
// message by the reader).

import { bodyStructure, envelope, indexMessage, parseIndex, serializeIndex, type ImapValue, type MimeIndex } from './mime/mime.ts';

/** Bumped whenever the cache format or the values it holds change. */
export const MESSAGE_CACHE_VERSION = 1;

export interface MessageCache {
  readonly index: MimeIndex;
  readonly envelope: ImapValue;
  readonly bodyStructure: ImapValue;
  readonly body: ImapValue;
  /** The message's own header section (octets 0 .. first body octet). */
  readonly header: Uint8Array;
}

type Json = string | number | null | { readonly b: string } | readonly Json[];

function toJson(value: ImapValue): Json {
  if (value instanceof Uint8Array) return { b: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(toJson);
  return value as string | number | null;
}

function fromJson(value: unknown): ImapValue {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map(fromJson);
  if (typeof value === 'object' && typeof (value as { b?: unknown }).b === 'string') return new Uint8Array(Buffer.from((value as { b: string }).b, 'base64'));
  throw new Error('bad cache value');
}

export function computeMessageCache(raw: Uint8Array): MessageCache {
  const index = indexMessage(raw);
  return {
    index,
    envelope: envelope(raw, index),
    bodyStructure: bodyStructure(raw, index, { extensible: true }),
    body: bodyStructure(raw, index, { extensible: false }),
    header: raw.subarray(0, index.root.bodyStart),
  };
}

export function serializeMessageCache(cache: MessageCache): string {
  return JSON.stringify({
    v: MESSAGE_CACHE_VERSION,
    i: serializeIndex(cache.index),
    e: toJson(cache.envelope),
    s: toJson(cache.bodyStructure),
    b: toJson(cache.body),
    h: Buffer.from(cache.header).toString('latin1'),
  });
}

/** The cache text for a raw message: what delivery stores. */
export function buildMessageCache(raw: Uint8Array): string {
  return serializeMessageCache(computeMessageCache(raw));
}

/** Reads a stored cache; undefined when it is missing, corrupt or of another version. */
export function parseMessageCache(text: string | null | undefined): MessageCache | undefined {
  if (!text) return undefined;
  try {
    const data = JSON.parse(text) as { v?: unknown; i?: unknown; e?: unknown; s?: unknown; b?: unknown; h?: unknown };
    if (data.v !== MESSAGE_CACHE_VERSION || typeof data.i !== 'string' || typeof data.h !== 'string') return undefined;
    const index = parseIndex(data.i);
    if (!index) return undefined;
    return {
      index,
      envelope: fromJson(data.e),
      bodyStructure: fromJson(data.s),
      body: fromJson(data.b),
      header: new Uint8Array(Buffer.from(data.h, 'latin1')),
    };
  } catch {
    return undefined;
  }
}
