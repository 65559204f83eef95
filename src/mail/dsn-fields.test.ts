import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FOLD_WIDTH, MAX_DIAGNOSTIC_CHARS, MAX_VALUE_CHARS, MAX_WORD_CHARS, envelopeValue, foldField, hostValue, oneLine, perRecipientFields, rfc5322Date, statusCode, wrap, xtextEncode } from './dsn-fields.ts';

void test('rfc5322Date: RFC 5322 §3.3 in UTC', () => {
  assert.equal(rfc5322Date(new Date(Date.UTC(2026, 10, 28, 5, 8, 9))), 'Sat, 28 Nov 2026 05:08:09 +0000');
  assert.equal(rfc5322Date(new Date(Date.UTC(2000, 0, 1, 0, 0, 0))), 'Sat, 1 Jan 2000 00:00:00 +0000');
});

void test('oneLine: controls, line breaks, non-ASCII and length', () => {
  const cases: [string, boolean, number, string][] = [
    ['a\r\nb', false, 100, 'a b'],
    ['  a \t\t b  ', false, 100, 'a b'],
    ['a\0b\x7fc\x85d', false, 100, 'a b c d'],
    ['a\u2028b', true, 100, 'a b'],
    ['caf\u00e9 \u7528', false, 100, 'caf? ?'],
    ['caf\u00e9 \u7528', true, 100, 'caf\u00e9 \u7528'],
    ['\ud800x', true, 100, '\ufffdx'],
    ['\ud83d\ude00', false, 100, '?'],
    ['abcdefghij', false, 8, 'abcde...'],
    ['\r\n\r\n', false, 100, ''],
  ];
  for (const [input, utf8, max, output] of cases) assert.equal(oneLine(input, utf8, max), output, JSON.stringify(input));
});

void test('foldField: folds at spaces near FOLD_WIDTH, breaks overlong words at MAX_WORD_CHARS', () => {
  assert.equal(foldField('Action', 'failed'), 'Action: failed\r\n');
  const long = foldField('Diagnostic-Code', `smtp; ${'word '.repeat(40)}`.trim());
  const lines = long.split('\r\n').slice(0, -1);
  assert.ok(lines.length > 1);
  for (const line of lines) assert.ok(line.length <= FOLD_WIDTH, line);
  for (const line of lines.slice(1)) assert.match(line, /^ \S/);
  assert.equal(long.replace(/\r\n /g, ' '), `Diagnostic-Code: smtp; ${'word '.repeat(40).trim()}\r\n`);
  // A first word longer than the width stays on the first line (never an empty first line).
  assert.match(foldField('X', 'y'.repeat(100)), /^X: y{100}\r\n$/);
  const word = foldField('X', 'z'.repeat(MAX_WORD_CHARS * 2 + 5));
  assert.deepEqual(word.split('\r\n').map((l) => l.length), [3 + MAX_WORD_CHARS, 1 + MAX_WORD_CHARS, 6, 0]);
});

void test('wrap: word wrap with an indent', () => {
  assert.deepEqual(wrap('aaa bbb ccc', 7, 2), ['aaa bbb', '  ccc']);
  assert.deepEqual(wrap('', 10, 2), ['']);
  assert.deepEqual(wrap('x'.repeat(12), 10, 2), ['x'.repeat(12)]);
});

void test('xtextEncode and envelopeValue (RFC 3461 §4, §6.3)', () => {
  assert.equal(xtextEncode('a+b=c d'), 'a+2Bb+3Dc+20d');
  assert.equal(xtextEncode('\u00e9'), '+C3+A9');
  assert.equal(xtextEncode('\r\n'), '+0D+0A');
  assert.equal(envelopeValue('QQ+314159', false), 'QQ+314159');
  assert.equal(envelopeValue('id with space', false), 'id+20with+20space');
  assert.equal(envelopeValue('caf\u00e9', false), 'caf+C3+A9');
  assert.equal(envelopeValue('caf\u00e9', true), 'caf\u00e9');
  assert.equal(envelopeValue('x'.repeat(MAX_VALUE_CHARS + 10), false).length, MAX_VALUE_CHARS);
});

void test('statusCode and hostValue', () => {
  const statuses: [string, string, string][] = [
    ['5.1.1', 'failed', '5.1.1'],
    ['4.4.7', 'failed', '4.4.7'],
    ['2.0.0', 'delivered', '2.0.0'],
    ['5.123.456', 'failed', '5.123.456'],
    ['5.1234.1', 'failed', '5.0.0'],
    ['3.0.0', 'delayed', '4.0.0'],
    ['', 'delivered', '2.0.0'],
  ];
  for (const [status, action, output] of statuses) assert.equal(statusCode(status, action as 'failed'), output, status);
  assert.equal(hostValue('mx1.example.net'), 'mx1.example.net');
  assert.equal(hostValue('[IPv6:2001:db8::1]'), '[IPv6:2001:db8::1]');
  assert.equal(hostValue('evil;\r\nX: y'), 'evil??X:?y');
});

void test('property: per-recipient fields are one field per line pair, whatever the input', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), fc.string({ unit: 'binary', maxLength: 300 }), (diagnostic, address) => {
      const fields = perRecipientFields({ address, action: 'failed', status: '5.0.0', diagnostic, remoteMta: address }, false);
      assert.ok(fields.endsWith('\r\n'));
      for (const line of fields.slice(0, -2).split('\r\n')) {
        assert.ok(line.length <= 998);
        assert.match(line, /^([A-Za-z-]+:|[ ])[\x20-\x7e]*$/);
      }
      const diagnosticValue = /Diagnostic-Code: (.*(?:\r\n .*)*)/.exec(fields)?.[1] ?? '';
      assert.ok(diagnosticValue.replace(/\r\n /g, ' ').length <= MAX_DIAGNOSTIC_CHARS + 'X-Postwarden; '.length + 3);
    }),
  );
});
