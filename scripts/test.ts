// `npm test`: typecheck, lint, then every test (unit tests beside the code, the storage
// contract on SQLite and, with POSTWARDEN_TEST_PG_URL, on PostgreSQL, and whole-server tests in
// test/) with Node's built-in runner. Stops at the first failing stage.
// `--only-tests` skips typecheck and lint; extra arguments are test files or globs.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const args = process.argv.slice(2);
const onlyTests = args.includes('--only-tests');
const files = args.filter((arg) => !arg.startsWith('--'));
/** Tests mostly wait on sockets, disks and child processes; run a few files at once. */
const CONCURRENCY = 4;
/** A test that hangs fails after this long instead of stalling the run (a bound, not a timing check). */
const TEST_TIMEOUT_MS = 600_000;

function run(label: string, command: string, commandArgs: string[]): void {
  process.stdout.write(`\n== ${label}\n`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stdout.write(`\n${label} failed (exit ${result.status ?? result.signal})\n`);
    process.exit(result.status ?? 1);
  }
}

if (!onlyTests) {
  run('typecheck (tsc --noEmit)', bin('tsc'), ['--noEmit', '-p', '.']);
  run('lint (eslint)', bin('eslint'), ['--max-warnings', '0', '.']);
}
if (!process.env.POSTWARDEN_TEST_PG_URL) {
  process.stdout.write('\nnote: POSTWARDEN_TEST_PG_URL is not set; the PostgreSQL contract suite reports itself skipped\n');
}
run('tests (node --test)', process.execPath, [
  '--disable-warning=ExperimentalWarning',
  '--test',
  `--test-concurrency=${CONCURRENCY}`,
  `--test-timeout=${TEST_TIMEOUT_MS}`,
  ...(files.length > 0 ? files : ['src/**/*.test.ts', 'test/**/*.test.ts']),
]);
