import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { removeHeaderFields } from './header-edit.ts';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

void test('removes every field of the name with its continuation lines, nothing else', () => {
  const cases: [string, string][] = [
    ['X-Pool: bulk\r\nSubject: hi\r\n\r\nX-Pool: body stays\r\n', 'Subject: hi\r\n\r\nX-Pool: body stays\r\n'],
    ['Subject: hi\r\nx-pool: a\r\n  folded\r\nTo: b\r\nX-POOL : c\r\n\r\nbody', 'Subject: hi\r\nTo: b\r\n\r\nbody'],
    ['X-Pools: not it\r\nX-Pool-Name: nor this\r\n\r\n', 'X-Pools: not it\r\nX-Pool-Name: nor this\r\n\r\n'],
    ['Subject: lf only\nX-Pool: x\n\nbody\n', 'Subject: lf only\n\nbody\n'],
    ['X-Pool: no body and no blank line', ''],
  ];
  for (const [input, output] of cases) assert.equal(text(removeHeaderFields(Buffer.from(input, 'latin1'), 'X-Pool')), output, JSON.stringify(input));
  const untouched = Buffer.from('Subject: x\r\n\r\n');
  assert.equal(removeHeaderFields(untouched, 'X-Pool'), untouched, 'nothing to remove: the same bytes');
});

void test('property: the other fields and the body come out byte for byte', () => {
  const field = fc.tuple(fc.constantFrom('Subject', 'To', 'X-Pool', 'x-pool', 'X-Other'), fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, '')), fc.boolean());
  fc.assert(
    fc.property(fc.array(field, { maxLength: 8 }), fc.string({ maxLength: 40 }), (fields, body) => {
      const line = ([name, value, folded]: [string, string, boolean]): string => `${name}: ${value}\r\n${folded ? ' more\r\n' : ''}`;
      const input = `${fields.map(line).join('')}\r\n${body}`;
      const expected = `${fields.filter(([name]) => name.toLowerCase() !== 'x-pool').map(line).join('')}\r\n${body}`;
      assert.equal(text(removeHeaderFields(Buffer.from(input, 'latin1'), 'X-Pool')), Buffer.from(expected, 'latin1').toString('latin1'));
    }),
  );
});
