// The imaptest scripted tests for SEARCH, SORT, THREAD and ESEARCH (Dovecot's behaviour, the
// compliance bar), run against the engines through a small mailbox simulator. The scripts and
// their .mbox files are read from the imaptest checkout at test time (IMAPTEST_DIR, default
// /work/shared/imaptest/tests); the suite reports itself skipped when they are not there.
// search-intdate and search-date assume the server's zone is Europe/Helsinki, as imaptest does.
process.env.TZ = 'Europe/Helsinki';

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { runImaptest } from './testing/imaptest.ts';

const DIR = process.env.IMAPTEST_DIR ?? '/work/shared/imaptest/tests';
const available = existsSync(DIR);

/** Scripts every command of which runs here (the `bad` cases aside, which the wire parser decides). */
const SCRIPTS = [
  'search-addresses', 'search-body', 'search-date', 'search-flags', 'search-header', 'search-intdate',
  'search-partial', 'search-sets', 'search-size',
  'sort-addresses', 'sort-arrival', 'sort-date', 'sort-display-from', 'sort-display-to', 'sort-partial',
  'sort-size', 'sort-subject',
  'esearch', 'esearch-condstore', 'esort',
  'thread', 'thread2', 'thread3', 'thread4', 'thread5', 'thread6', 'thread7', 'thread8',
  'thread-orderedsubject', 'thread-orderedsubject2',
];

/**
 * Scripts not run here: RFC 5267 CONTEXT=SEARCH keeps a search result updated as flags change
 * and messages come and go, which only the live server can do (its own test runs these).
 */
const NOT_RUN = ['search-context-update', 'search-context-update2', 'search-context-update3'];

for (const name of SCRIPTS) {
  void test(`imaptest ${name}`, { skip: available ? false : `no imaptest scripts in ${DIR}` }, (t) => {
    const results = runImaptest(DIR, name);
    const failed = results.filter((r) => r.status === 'fail');
    const skipped = results.filter((r) => r.status === 'skip');
    for (const r of skipped) t.diagnostic(`not run: line ${r.line} "${r.command}": ${r.detail ?? ''}`);
    assert.deepEqual(failed, [], failed.map((r) => `line ${r.line} "${r.command}": ${r.detail ?? ''}`).join('\n'));
    // Only the BAD cases (PARTIAL syntax the wire parser refuses) are left out.
    assert.deepEqual(skipped.filter((r) => !r.detail?.startsWith('expects BAD')), []);
    assert.ok(results.some((r) => r.status === 'pass'));
  });
}

void test('imaptest scripts not run at this level', { skip: available ? false : `no imaptest scripts in ${DIR}` }, () => {
  assert.deepEqual(NOT_RUN.filter((name) => existsSync(`${DIR}/${name}`)), NOT_RUN);
});
