// The README's config reference is generated from the schema and must match it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { configReference, withReference } from './docs.ts';
import { environmentKeys } from './env.ts';

test('the README config reference is current (npm run docs:config)', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  assert.equal(withReference(readme), readme);
});

test('the reference names every key and its environment variable', () => {
  const reference = configReference();
  for (const key of environmentKeys()) {
    assert.ok(reference.includes(`Env: ${key.variable}.`), key.variable);
    assert.ok(reference.includes(`\n${key.path.at(-1)} = `), key.path.join('.'));
  }
  assert.match(reference, /\[pools\.NAME\]/);
});
