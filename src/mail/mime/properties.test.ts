// Properties of the message model (fast-check): on arbitrary octets and on mutated real messages
// the indexer and every function reading the index never throw, part offsets lie inside the
// message and nest properly, line counts match the octets, and the index cache round-trips.
// Generated MIME trees come back with the shape they were built with.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { binarySection, binarySize, bodyStructure, bodyText, decodedAddresses, envelope, headerValues, indexMessage, parseIndex, section, sentDate, serializeIndex } from './mime.ts';
import type { MimeIndex, MimePart } from './types.ts';

const CORPUS = join(import.meta.dirname, '..', '..', '..', 'test', 'interop', 'corpus');
const corpus = readdirSync(CORPUS)
  .filter((name) => name.endsWith('.eml'))
  .map((name) => new Uint8Array(readFileSync(join(CORPUS, name))))
  .filter((raw) => raw.length < 20_000);

function lineFeeds(raw: Uint8Array, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end; i++) if (raw[i] === 0x0a) count++;
  return count;
}

function checkInvariants(raw: Uint8Array, index: MimeIndex): void {
  assert.equal(index.size, raw.length);
  assert.equal(index.root.headerStart, 0);
  assert.equal(index.root.bodyEnd, raw.length);
  const stack: { part: MimePart; start: number; end: number }[] = [{ part: index.root, start: 0, end: raw.length }];
  while (stack.length > 0) {
    const { part, start, end } = stack.pop() as { part: MimePart; start: number; end: number };
    assert.ok(start <= part.headerStart && part.headerStart <= part.bodyStart && part.bodyStart <= part.bodyEnd && part.bodyEnd <= end);
    assert.equal(part.headerLines, lineFeeds(raw, part.headerStart, part.bodyStart));
    assert.equal(part.bodyLines, lineFeeds(raw, part.bodyStart, part.bodyEnd));
    if (part.kind === 'message') assert.equal(part.children.length, 1);
    let previous = part.bodyStart;
    for (const child of part.children) {
      assert.ok(child.headerStart >= previous);
      stack.push({ part: child, start: part.bodyStart, end: part.bodyEnd });
      previous = child.bodyEnd;
    }
  }
}

/** Everything FETCH and SEARCH read from a message; none of it may throw. */
function readEverything(raw: Uint8Array, index: MimeIndex): void {
  bodyStructure(raw, index, { extensible: true });
  bodyStructure(raw, index, { extensible: false });
  envelope(raw, index);
  for (const part of [[], [1], [1, 1], [2], [2, 1], [3]]) {
    section(raw, index, { part });
    section(raw, index, { part, text: part.length > 0 ? 'MIME' : 'HEADER' });
    section(raw, index, { part, text: 'HEADER.FIELDS', fields: ['From', '__proto__'] });
    section(raw, index, { part, text: 'HEADER.FIELDS.NOT', fields: ['Subject'] }, { offset: 3, length: 10 });
    section(raw, index, { part, text: 'TEXT' });
    binarySection(raw, index, part, { offset: 1, length: 5 });
    binarySize(raw, index, part);
  }
  headerValues(raw, index, 'Subject');
  decodedAddresses(raw, index, 'To');
  bodyText(raw, index);
  sentDate(raw, index);
}

/** Octet strings that steer mutations towards MIME structure. */
const TOKENS = ['\r\n', '\n', '--', '--b', '--b--', 'Content-Type: multipart/mixed; boundary=b\r\n', 'Content-Type: message/rfc822\r\n\r\n', 'MIME-Version: 1.0\r\n', ': ', '=?utf-8?q?x?=', '"', '(', ')', '<', '>', ',', ';', '@', '\0', '\r', 'Content-Transfer-Encoding: base64\r\n'].map((s) => new Uint8Array(Buffer.from(s, 'latin1')));

const mutation = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 20 }),
  insert: fc.oneof(fc.constantFrom(...TOKENS), fc.uint8Array({ maxLength: 8 })),
});

function mutate(raw: Uint8Array, steps: readonly { at: number; remove: number; insert: Uint8Array }[]): Uint8Array {
  let out = raw;
  for (const step of steps) {
    const at = out.length === 0 ? 0 : step.at % (out.length + 1);
    out = new Uint8Array(Buffer.concat([out.subarray(0, at), step.insert, out.subarray(Math.min(out.length, at + step.remove))]));
  }
  return out;
}

test('arbitrary octets: indexing and reading never throw, offsets nest, cache round-trips', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (raw) => {
      const index = indexMessage(raw);
      checkInvariants(raw, index);
      readEverything(raw, index);
      assert.deepEqual(parseIndex(serializeIndex(index)), index);
    }),
    { numRuns: 300 },
  );
});

test('mutated real messages: indexing and reading never throw, offsets nest, cache round-trips', () => {
  fc.assert(
    fc.property(fc.constantFrom(...corpus), fc.array(mutation, { minLength: 1, maxLength: 6 }), (message, steps) => {
      const raw = mutate(message, steps);
      const index = indexMessage(raw);
      checkInvariants(raw, index);
      readEverything(raw, index);
      assert.deepEqual(parseIndex(serializeIndex(index)), index);
    }),
    { numRuns: 300 },
  );
});

type Tree = { leaf: string } | { children: Tree[] };

const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ leaf: fc.stringMatching(/^[a-z ]{0,12}$/) }),
    fc.record({ children: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
  ),
})).node;

let boundaryCounter = 0;
function render(node: Tree, header: string): string {
  if ('leaf' in node) return `${header}Content-Type: text/plain\r\n\r\n${node.leaf}`;
  const boundary = `=_b${boundaryCounter++}_`;
  const parts = node.children.map((child) => `--${boundary}\r\n${render(child, '')}\r\n`).join('');
  return `${header}Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\npreamble\r\n${parts}--${boundary}--\r\nepilogue\r\n`;
}

function shapeOf(node: Tree): unknown {
  return 'leaf' in node ? 'leaf' : node.children.map(shapeOf);
}

function indexShape(part: MimePart): unknown {
  return part.kind === 'multipart' ? part.children.map(indexShape) : 'leaf';
}

test('generated MIME trees are indexed with their shape and leaf bodies', () => {
  fc.assert(
    fc.property(tree, (node) => {
      const raw = new Uint8Array(Buffer.from(render(node, 'MIME-Version: 1.0\r\n'), 'latin1'));
      const index = indexMessage(raw);
      assert.deepEqual(indexShape(index.root), shapeOf(node));
      checkInvariants(raw, index);
    }),
    { numRuns: 200 },
  );
});
