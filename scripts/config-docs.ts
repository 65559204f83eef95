// Writes the config reference (generated from src/config/schema.ts) into README.md:
// `npm run docs:config`. With --check it only reports whether the README is current.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withReference } from '../src/config/docs.ts';

const path = join(import.meta.dirname, '..', 'README.md');
const current = readFileSync(path, 'utf8');
const updated = withReference(current);
if (process.argv.includes('--check')) {
  if (updated !== current) {
    process.stderr.write('README.md: the config reference is out of date; run npm run docs:config\n');
    process.exit(1);
  }
} else if (updated !== current) {
  writeFileSync(path, updated);
  process.stdout.write('README.md: config reference updated\n');
}
