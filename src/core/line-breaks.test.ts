// The word-at-a-time scans agree with octet-by-octet definitions on any bytes at any alignment.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { crlfOnly, lineFeedOffsets } from './line-breaks.ts';

function crlfOnlyByOctet(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && (i === 0 || bytes[i - 1] !== 0x0d)) return false;
    if (bytes[i] === 0x0d && (i + 1 === bytes.length || bytes[i + 1] !== 0x0a)) return false;
  }
  return true;
}

function lineFeedsByOctet(bytes: Uint8Array): number[] {
  const offsets: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) offsets.push(i);
  return offsets;
}

// Mostly text octets, with CR, LF, CRLF and octets around 0x0E and 0x80 (the word test's edges).
const octets = fc.array(fc.oneof(fc.constantFrom(0x0d, 0x0a, 0x0d, 0x0a, 0x0d, 0x0e, 0x0c, 0x80, 0x8d, 0x8a, 0xff, 0x00), fc.integer({ min: 0x20, max: 0x7e })), { maxLength: 200 });
/** The bytes at every offset 0-3 inside a larger buffer, so every alignment is covered. */
const placed = fc.tuple(octets, fc.integer({ min: 0, max: 3 })).map(([values, offset]) => {
  const backing = new Uint8Array(values.length + offset + 3).fill(0x0a);
  backing.set(values, offset);
  return backing.subarray(offset, offset + values.length);
});

describe('line break scans', () => {
  it('crlfOnly agrees with the octet-by-octet rule', () => {
    fc.assert(fc.property(placed, (bytes) => assert.equal(crlfOnly(bytes), crlfOnlyByOctet(bytes))), { numRuns: 3000 });
  });

  it('crlfOnly: CRLF lines pass; a bare CR or LF anywhere, or a CR last, fails', () => {
    const lines = new TextEncoder().encode('Subject: x\r\n\r\nbody line\r\n'.repeat(20));
    assert.equal(crlfOnly(lines), true);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] !== 0x0d && lines[i] !== 0x0a) continue;
      const broken = lines.slice();
      broken[i] = 0x41;
      assert.equal(crlfOnly(broken), false, `octet ${i}`);
    }
    assert.equal(crlfOnly(lines.subarray(0, lines.length - 1)), false);
    assert.equal(crlfOnly(new Uint8Array(0)), true);
  });

  it('lineFeedOffsets finds every LF', () => {
    fc.assert(fc.property(placed, (bytes) => assert.deepEqual([...lineFeedOffsets(bytes)], lineFeedsByOctet(bytes))), { numRuns: 3000 });
  });
});
