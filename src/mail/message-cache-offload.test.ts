// Large messages get their parse cache from the worker thread, the same text the main thread
// would build; small ones are built at once; a thread that dies costs no cache.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildMessageCache } from './message-cache.ts';
import { CacheThread, OFFLOAD_MIN_OCTETS, messageCacheOf } from './message-cache-offload.ts';

function message(n: number, bodyOctets: number): Uint8Array {
  const head =
    `From: "Sender ${n}" <s${n}@example.org>\r\nTo: r@example.com\r\nSubject: offload ${n}\r\nMIME-Version: 1.0\r\n` +
    `Content-Type: multipart/mixed; boundary="b${n}"\r\n\r\n--b${n}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n`;
  const line = `line of message ${n} `.padEnd(76, 'x') + '\r\n';
  const body = line.repeat(Math.ceil(bodyOctets / line.length));
  return new TextEncoder().encode(`${head}${body}\r\n--b${n}\r\nContent-Type: text/html\r\n\r\n<p>${n}</p>\r\n--b${n}--\r\n`);
}

describe('message cache offload', () => {
  it('builds small messages at once, on this thread', () => {
    const raw = message(1, 1000);
    assert.ok(raw.byteLength < OFFLOAD_MIN_OCTETS);
    assert.equal(messageCacheOf(raw), buildMessageCache(raw));
  });

  it('gives each of many concurrent large messages its own cache, equal to a local build', async () => {
    const raws = Array.from({ length: 20 }, (_, n) => message(n, OFFLOAD_MIN_OCTETS + n * 997));
    const pending = raws.map((raw) => messageCacheOf(raw));
    assert.ok(pending.every((value) => value instanceof Promise));
    const texts = await Promise.all(pending);
    texts.forEach((text, n) => assert.equal(text, buildMessageCache(raws[n] ?? new Uint8Array())));
    // Distinct messages, distinct caches: no answer went to the wrong request.
    assert.equal(new Set(texts).size, raws.length);
  });

  it('has the thread answer: nothing falls back to this thread', async () => {
    const thread = new CacheThread();
    const raw = message(3, OFFLOAD_MIN_OCTETS * 2);
    assert.equal(await thread.build(raw), buildMessageCache(raw));
    assert.equal(thread.answeredHere, 0);
  });

  it('leaves the caller its message: the thread gets a copy', async () => {
    const raw = message(7, OFFLOAD_MIN_OCTETS * 2);
    const before = Buffer.from(raw);
    await messageCacheOf(raw);
    assert.equal(raw.byteLength, before.byteLength);
    assert.ok(Buffer.from(raw).equals(before));
  });

  it('builds the cache here when the thread dies', async () => {
    const thread = new CacheThread(new URL('data:text/javascript,process.exit(3)'));
    const raw = message(9, OFFLOAD_MIN_OCTETS);
    assert.equal(await thread.build(raw), buildMessageCache(raw));
    // And again: a new thread is started (and dies) for the next message; still answered.
    assert.equal(await thread.build(raw), buildMessageCache(raw));
    assert.equal(thread.answeredHere, 2);
  });
});
