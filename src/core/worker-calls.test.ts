// Calls to a worker thread: answered by the thread, or here when it cannot answer; the octets
// handed over are a copy of exactly the caller's view, which the caller keeps.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { movableCopy, WorkerCalls } from './worker-calls.ts';

/** A thread module in a data: URL (no import of our code: the protocol is written out). */
function thread(body: string): URL {
  const source = `import { parentPort } from 'node:worker_threads'; parentPort.on('message', ({ id, payload }) => { ${body} });`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

describe('worker calls', () => {
  it('gives each concurrent call the answer to its own payload', async () => {
    const calls = new WorkerCalls<number, number>(thread('parentPort.postMessage({ id, value: payload * 2 })'));
    const values = await Promise.all(Array.from({ length: 50 }, (_, n) => calls.call(n, [], () => -1)));
    assert.deepEqual(values, Array.from({ length: 50 }, (_, n) => n * 2));
    assert.equal(calls.answeredHere, 0);
  });

  it('computes here what the thread answers with an error, and keeps the thread', async () => {
    const calls = new WorkerCalls<number, string>(thread("parentPort.postMessage(payload % 2 ? { id, error: 'odd' } : { id, value: 'thread' })"));
    assert.deepEqual(await Promise.all([1, 2, 3, 4].map((n) => calls.call(n, [], () => 'here'))), ['here', 'thread', 'here', 'thread']);
    assert.equal(calls.answeredHere, 2);
  });

  it('computes here when the thread dies, and rejects with what the local computation throws', async () => {
    const calls = new WorkerCalls<number, number>(thread('process.exit(3)'));
    assert.equal(await calls.call(1, [], () => 42), 42);
    await assert.rejects(
      calls.call(2, [], () => {
        throw new Error('local failure');
      }),
      /local failure/,
    );
  });

  it('computes here what cannot be posted', async () => {
    const calls = new WorkerCalls<unknown, string>(thread('parentPort.postMessage({ id, value: "thread" })'));
    assert.equal(await calls.call(() => 'a function cannot be cloned', [], () => 'here'), 'here');
  });
});

describe('octets for threads', () => {
  it('copies exactly the octets of a view, into a buffer that can be moved', () => {
    const whole = Uint8Array.of(9, 1, 2, 3, 9);
    const { bytes, transfer } = movableCopy(whole.subarray(1, 4));
    assert.deepEqual([...bytes], [1, 2, 3]);
    assert.equal(bytes.buffer.byteLength, 3);
    assert.deepEqual(transfer, [bytes.buffer]);
    bytes[0] = 7;
    assert.equal(whole[1], 1, 'the caller keeps its own octets');
  });
});
