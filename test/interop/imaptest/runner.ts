// The imaptest scripted compliance suite, run by our own runner: finds the test scripts (the
// data lives in ../shared/imaptest/tests beside the repository, never copied into it; override
// with IMAPTEST_DIR), picks the groups to run (all, or IMAPTEST_GROUPS=fetch,store), runs them
// one after another against a server and sums up the way imaptest does ("N test groups:
// F failed, S skipped due to missing capabilities"; base and extension checks).
// Input: trusted test fixtures; the server is untrusted and only ever fails a group.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { escapeText } from './args.ts';
import { runTest, type Account, type RunOptions, type TestResult } from './executor.ts';
import type { Failure } from './group.ts';
import { readScript } from './script.ts';

/** ../shared/imaptest/tests next to the repository (or $IMAPTEST_DIR). */
export const IMAPTEST_DIR = process.env.IMAPTEST_DIR ?? join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'imaptest', 'tests');

/** Every test name in `dir` (files not ending in .mbox), in imaptest's (strcmp) order. */
export function listGroups(dir: string = IMAPTEST_DIR): string[] {
  if (!existsSync(dir)) throw new Error(`imaptest scripts not found at ${dir} (set IMAPTEST_DIR)`);
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.') && !name.endsWith('.mbox') && statSync(join(dir, name)).isFile())
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The groups named in IMAPTEST_GROUPS (comma or space separated), else all. */
export function selectedGroups(all: readonly string[], spec: string | undefined = process.env.IMAPTEST_GROUPS): string[] {
  const wanted = (spec ?? '').split(/[\s,]+/).filter((name) => name !== '');
  if (wanted.length === 0) return [...all];
  const unknown = wanted.filter((name) => !all.includes(name));
  if (unknown.length > 0) throw new Error(`unknown imaptest groups: ${unknown.join(', ')}`);
  return all.filter((name) => wanted.includes(name));
}

export interface SuiteOptions extends Omit<RunOptions, 'account'> {
  readonly dir?: string;
  readonly groups?: readonly string[];
  /** The account for a group (a fresh user per group, or one shared user as imaptest uses). */
  readonly account: Account | ((group: string) => Account | Promise<Account>);
  /** Called after each group (progress output). */
  readonly onResult?: (result: TestResult) => void;
}

export interface Summary {
  readonly groups: number;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly baseChecks: number;
  readonly baseFailures: number;
  readonly extensionChecks: number;
  readonly extensionFailures: number;
}

/** Runs the selected groups in order; a script that cannot be read is a failed group. */
export async function runSuite(options: SuiteOptions): Promise<TestResult[]> {
  const dir = options.dir ?? IMAPTEST_DIR;
  const results: TestResult[] = [];
  for (const name of options.groups ?? listGroups(dir)) {
    let result: TestResult;
    try {
      const test = readScript(join(dir, name), options.env ?? process.env);
      const account = typeof options.account === 'function' ? await options.account(name) : options.account;
      result = await runTest(test, { ...options, account });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result = { name, status: 'failed', missingCapabilities: [], base: true, checks: 0, failures: [{ line: 0, command: '', message: `runner error: ${message}` }] };
    }
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}

export function summarize(results: readonly TestResult[]): Summary {
  const sum = (pick: (r: TestResult) => number, base: boolean): number =>
    results.filter((r) => r.base === base).reduce((total, r) => total + pick(r), 0);
  return {
    groups: results.length,
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
    baseChecks: sum((r) => r.checks, true),
    baseFailures: sum((r) => r.failures.length, true),
    extensionChecks: sum((r) => r.checks, false),
    extensionFailures: sum((r) => r.failures.length, false),
  };
}

/** imaptest's closing lines. */
export function summaryLines(summary: Summary): string[] {
  return [
    `${summary.groups} test groups: ${summary.failed} failed, ${summary.skipped} skipped due to missing capabilities`,
    `base protocol: ${summary.baseFailures}/${summary.baseChecks} individual commands failed`,
    `extensions: ${summary.extensionFailures}/${summary.extensionChecks} individual commands failed`,
  ];
}

/** A failure as text: command, what was expected and what came. */
export function describeFailure(failure: Failure): string {
  const command = escapeText(failure.command);
  const lines = [`line ${failure.line}: ${command.length > 300 ? `${command.slice(0, 300)}...` : command}`, failure.message];
  if (failure.expected !== undefined) lines.push(`expected: ${failure.expected}`);
  if (failure.received && failure.received.length > 0) lines.push('received:', ...failure.received.map((r) => `  ${r}`));
  return lines.join('\n');
}

/** One line per group plus the first failure of each failed group. */
export function report(results: readonly TestResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    if (r.status === 'skipped') out.push(`SKIP ${r.name}: ${r.skipReason ?? ''}`);
    else if (r.status === 'passed') out.push(`ok   ${r.name} (${r.checks} checks)`);
    else {
      out.push(`FAIL ${r.name} (${r.failures.length} failures)`);
      const first = r.failures[0];
      if (first) out.push(...describeFailure(first).split('\n').map((line) => `     ${line}`));
    }
  }
  return [...out, ...summaryLines(summarize(results))].join('\n');
}
