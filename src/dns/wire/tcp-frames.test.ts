import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_MESSAGE_OCTETS, TcpFrameReader, frameMessage } from './tcp-frames.ts';

function readAll(parts: readonly Uint8Array[]): { frames: number[][]; pending: number } {
  const reader = new TcpFrameReader();
  const frames: number[][] = [];
  for (const part of parts) {
    reader.push(part);
    for (let frame = reader.next(); frame !== undefined; frame = reader.next()) frames.push([...frame]);
  }
  return { frames, pending: reader.pending() };
}

const oneByteAtATime = (bytes: Uint8Array) => Array.from(bytes, (b) => Uint8Array.of(b));

// [stream, frames, octets left pending]
const CASES: readonly [number[], number[][], number][] = [
  [[], [], 0],
  [[0], [], 1],
  [[0, 0], [[]], 0],
  [[0, 1, 7], [[7]], 0],
  [[0, 2, 7], [], 3],
  [[0, 2, 7, 8, 0, 1, 9], [[7, 8], [9]], 0],
  [[0, 3, 1, 2, 3, 0], [[1, 2, 3]], 1],
  [[1, 0, ...Array<number>(256).fill(5)], [Array<number>(256).fill(5)], 0],
  [[0xff, 0xff, 1], [], 3],
];

void describe('TcpFrameReader', () => {
  for (const [stream, frames, pending] of CASES) {
    const bytes = Uint8Array.from(stream);
    void it(`reads [${stream.slice(0, 8).join(',')}${stream.length > 8 ? ',…' : ''}] whole`, () => {
      assert.deepEqual(readAll([bytes]), { frames, pending });
    });
    void it(`reads [${stream.slice(0, 8).join(',')}${stream.length > 8 ? ',…' : ''}] one byte at a time`, () => {
      assert.deepEqual(readAll(oneByteAtATime(bytes)), { frames, pending });
    });
  }

  void it('gives the same frames however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), fc.array(fc.nat(2000), { maxLength: 10 }), (messages, cuts) => {
        const stream = Uint8Array.from(messages.flatMap((m) => [...(frameMessage(m) ?? [])]));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const parts: Uint8Array[] = [];
        let last = 0;
        for (const p of [...points, stream.length]) {
          parts.push(stream.subarray(last, p));
          last = p;
        }
        assert.deepEqual(readAll(parts), { frames: messages.map((m) => [...m]), pending: 0 });
      }),
    );
  });

  void it('never throws on arbitrary chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 10 }), (chunks) => {
        const { pending } = readAll(chunks);
        assert.ok(pending >= 0);
      }),
    );
  });
});

void describe('frameMessage', () => {
  void it('prefixes the length', () => assert.deepEqual([...(frameMessage(Uint8Array.of(1, 2, 3)) ?? [])], [0, 3, 1, 2, 3]));
  void it('frames the largest message', () => assert.equal(frameMessage(new Uint8Array(MAX_MESSAGE_OCTETS))?.length, MAX_MESSAGE_OCTETS + 2));
  void it('refuses a message over MAX_MESSAGE_OCTETS', () => assert.equal(frameMessage(new Uint8Array(MAX_MESSAGE_OCTETS + 1)), undefined));
});
