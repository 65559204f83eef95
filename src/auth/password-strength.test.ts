import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkPasswordStrength } from './password-strength.ts';

void test('weak or unusable passwords get a one-line reason', () => {
  const weak: [string, string, RegExp][] = [
    ['', 'alice@example.com', /empty/],
    ['short1!', 'alice@example.com', /shorter than 10/],
    ['aaaaaaaaaaaaaaaa', 'alice@example.com', /fewer than 5 different/],
    ['abababcabcabc', 'alice@example.com', /fewer than 5 different/],
    ['my-alice-password', 'alice@example.com', /user name/],
    ['MY-ALICE-PASSWORD', 'Alice@example.com', /user name/],
    ['password123', 'bob@example.com', /most common/],
    ['QwertyUiop', 'bob@example.com', /most common/],
    ['1234567890', 'bob@example.com', /most common/],
    ['with\u0007bell-chars', 'bob@example.com', /prohibited/],
    ['x'.repeat(200) + 'abcdefgh'.repeat(10), 'bob@example.com', /longer than 255/],
  ];
  for (const [password, address, reason] of weak) {
    const answer = checkPasswordStrength(password, address);
    assert.ok(answer !== undefined, password);
    assert.match(answer, reason, password);
    assert.ok(!answer.includes('\n'));
    assert.ok(!answer.includes(password) || password === '', 'the reason never echoes the password');
  }
});

void test('reasonable passwords pass', () => {
  const fine: [string, string][] = [
    ['correct horse battery staple', 'alice@example.com'],
    ['Tr0ub4dor&3x', 'alice@example.com'],
    ['al-is-short-9Z', 'al@example.com'], // local parts under 3 characters are not searched
    ['ñandú-über-çava', 'bob@example.com'],
  ];
  for (const [password, address] of fine) assert.equal(checkPasswordStrength(password, address), undefined, password);
});

void test('property: never throws', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 30 }), (password, address) => {
      const answer = checkPasswordStrength(password, address);
      assert.ok(answer === undefined || typeof answer === 'string');
    }),
  );
});
