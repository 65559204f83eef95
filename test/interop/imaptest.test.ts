// Dovecot's imaptest scripted compliance suite (MIT; scripts and mbox files are data in
// ../shared/imaptest/tests, read from there, never copied) run by our own runner
// (test/interop/imaptest/) against a real Postwarden over real sockets: one `serve` for the file,
// a fresh user per group, one test per group. Groups needing a capability Postwarden does not
// advertise are not run: each says so in a diagnostic, and one test pins the exact set, so a
// capability advertised later fails that test until its group runs. The same runner is checked
// against a throwaway Dovecot 2.3 (Debian dovecot-imapd; the reference: every group it can run
// must pass there, or the runner is wrong). The search-intdate data assumes TZ=Europe/Helsinki,
// given to both servers. IMAPTEST_GROUPS=fetch,store runs only those groups.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DOVECOT_PACKAGES } from './dovecot.ts';
import { dovecotUnavailable, startImaptestDovecot } from './imaptest/dovecot-server.ts';
import { DEFAULT_TIME_ZONE, runTest, type TestResult } from './imaptest/executor.ts';
import { startImaptestPostwarden, type ImaptestPostwarden } from './imaptest/postwarden-server.ts';
import { describeFailure, IMAPTEST_DIR, listGroups, report, runSuite, selectedGroups, summarize, summaryLines } from './imaptest/runner.ts';
import { readScript } from './imaptest/script.ts';
import { join } from 'node:path';

const GROUPS = selectedGroups(listGroups());
const TIME_ZONE = DEFAULT_TIME_ZONE;
/** Longest wait for one server reply (a bound, not a timing assertion). */
const REPLY_LIMIT_MS = 10_000;

/**
 * Groups Postwarden does not run because it does not advertise a capability they require
 * (none of these is among the extensions the IMAP issue asks for).
 */
const NOT_ADVERTISED: ReadonlyMap<string, readonly string[]> = new Map([
  ['catenate', ['CATENATE']],
  ['catenate-multiappend', ['CATENATE']],
  ['notify', ['notify']],
  ['search-context-update', ['CONTEXT=SEARCH']],
  ['search-context-update2', ['CONTEXT=SEARCH']],
  ['search-context-update3', ['CONTEXT=SEARCH']],
  ['search-partial', ['CONTEXT=SEARCH']],
  ['sort-partial', ['CONTEXT=SORT']],
  ['urlauth', ['urlauth']],
  ['urlauth-binary', ['urlauth', 'urlauth=binary']],
  ['urlauth2', ['urlauth']],
]);

let postwarden: ImaptestPostwarden | undefined;
let startError: Error | undefined;
const results: TestResult[] = [];

before(async () => {
  try {
    postwarden = await startImaptestPostwarden(GROUPS, TIME_ZONE);
  } catch (error) {
    startError = error as Error;
  }
});

after(async () => {
  await postwarden?.stop();
});

function failureText(result: TestResult): string {
  const first = result.failures[0];
  const more = result.failures.length > 1 ? `\n(${result.failures.length - 1} more failures in this group)` : '';
  return `imaptest group ${result.name} failed:\n${first ? describeFailure(first) : ''}${more}`;
}

for (const name of GROUPS) {
  test(`imaptest ${name}`, { timeout: 300_000 }, async (t) => {
    if (startError) throw startError;
    const server = postwarden;
    if (!server) throw new Error('Postwarden did not start');
    const result = await runTest(readScript(join(IMAPTEST_DIR, name)), {
      target: { host: '127.0.0.1', port: server.port },
      account: server.account(name),
      user2: server.user2,
      timeZone: TIME_ZONE,
      replyLimitMs: REPLY_LIMIT_MS,
    });
    results.push(result);
    if (result.status === 'skipped') {
      t.diagnostic(`not run: ${result.skipReason ?? ''}`);
      return;
    }
    const exit = server.serve.child.exitCode ?? server.serve.child.signalCode;
    if (exit !== null) throw new Error(`postwarden serve exited (${exit}) during ${name}:\n${server.serve.stderr().slice(-4000)}`);
    for (const failure of result.failures.slice(1, 10)) t.diagnostic(describeFailure(failure));
    assert.equal(result.status, 'passed', failureText(result));
  });
}

test('imaptest groups not run for missing capabilities are exactly the expected ones', (t) => {
  if (startError) throw startError;
  const notRun = new Map(results.filter((r) => r.missingCapabilities.length > 0).map((r) => [r.name, [...r.missingCapabilities]]));
  const expected = new Map([...NOT_ADVERTISED].filter(([name]) => GROUPS.includes(name)).map(([name, caps]) => [name, [...caps]]));
  for (const line of summaryLines(summarize(results))) t.diagnostic(line);
  t.diagnostic(`not run (capability not advertised): ${[...notRun.keys()].join(', ') || 'none'}`);
  assert.deepEqual(notRun, expected);
});

test('the imaptest runner passes every group Dovecot 2.3 can run', { timeout: 600_000 }, async (t) => {
  const unavailable = dovecotUnavailable();
  if (unavailable) throw new Error(`Dovecot is needed for this test (Debian packages: ${DOVECOT_PACKAGES.join(' ')}): ${unavailable}`);
  const dovecot = await startImaptestDovecot(TIME_ZONE);
  let outcome: TestResult[];
  try {
    outcome = await runSuite({
      target: { host: '127.0.0.1', port: dovecot.port },
      account: dovecot.account,
      user2: dovecot.user2,
      timeZone: TIME_ZONE,
      replyLimitMs: REPLY_LIMIT_MS,
      groups: GROUPS,
    });
  } finally {
    await dovecot.stop();
  }
  for (const line of summaryLines(summarize(outcome))) t.diagnostic(line);
  t.diagnostic(`not run on Dovecot: ${outcome.filter((r) => r.status === 'skipped').map((r) => `${r.name} (${r.skipReason ?? ''})`).join(', ') || 'none'}`);
  assert.deepEqual(
    outcome.filter((r) => r.status === 'failed').map((r) => r.name),
    [],
    `groups failing against Dovecot (the runner must be wrong):\n${report(outcome.filter((r) => r.status === 'failed'))}`,
  );
});

test('the imaptest runner passes the urlauth group against Dovecot with URLAUTH', { timeout: 120_000 }, async () => {
  // Dovecot 2.3.19 itself panics in urlauth-binary (URLFETCH with BINARY and BODYPARTSTRUCTURE)
  // and urlauth2 (imap-urlauth-login); urlauth checks GENURLAUTH/URLFETCH and RESETKEY.
  if (!GROUPS.includes('urlauth')) return;
  const unavailable = dovecotUnavailable();
  if (unavailable) throw new Error(`Dovecot is needed for this test (Debian packages: ${DOVECOT_PACKAGES.join(' ')}): ${unavailable}`);
  const dovecot = await startImaptestDovecot(TIME_ZONE, { urlauth: true });
  try {
    const result = await runTest(readScript(join(IMAPTEST_DIR, 'urlauth')), {
      target: { host: '127.0.0.1', port: dovecot.port },
      account: dovecot.account,
      timeZone: TIME_ZONE,
      replyLimitMs: REPLY_LIMIT_MS,
    });
    assert.equal(result.status, 'passed', failureText(result));
  } finally {
    await dovecot.stop();
  }
});
