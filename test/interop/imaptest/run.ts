// Command line for the imaptest runner, for looking at one server by hand:
//   node test/interop/imaptest/run.ts dovecot [--urlauth] [group...]  a throwaway Dovecot 2.3
//   node test/interop/imaptest/run.ts postwarden [group...]   a throwaway Postwarden serve
//   node test/interop/imaptest/run.ts HOST:PORT USER PASSWORD [group...]
// Groups default to IMAPTEST_GROUPS, else all. --json prints the results as JSON, --all
// prints every failure of a group (not only the first). Exit status 1 when a group failed.

import { DEFAULT_TIME_ZONE, type Account, type TestResult } from './executor.ts';
import { startImaptestDovecot } from './dovecot-server.ts';
import { startImaptestPostwarden } from './postwarden-server.ts';
import type { ServerTarget } from './connection.ts';
import { describeFailure, listGroups, report, runSuite, selectedGroups } from './runner.ts';

interface Server {
  readonly target: ServerTarget;
  readonly account: Account | ((group: string) => Account);
  readonly user2?: Account;
  readonly groups: string[];
  stop(): Promise<void>;
}

async function open(kind: string, positional: string[], timeZone: string, urlauth: boolean): Promise<Server> {
  if (kind === 'dovecot') {
    const dovecot = await startImaptestDovecot(timeZone, { urlauth });
    const groups = selectedGroups(listGroups(), positional.join(',') || undefined);
    return { target: { host: '127.0.0.1', port: dovecot.port }, account: dovecot.account, user2: dovecot.user2, groups, stop: dovecot.stop };
  }
  if (kind === 'postwarden') {
    const groups = selectedGroups(listGroups(), positional.join(',') || undefined);
    const postwarden = await startImaptestPostwarden(groups, timeZone);
    return {
      target: { host: '127.0.0.1', port: postwarden.port },
      account: (group) => postwarden.account(group),
      user2: postwarden.user2,
      groups,
      stop: postwarden.stop,
    };
  }
  const [host = '127.0.0.1', port = '143'] = kind.split(':');
  const [user = '', password = '', ...rest] = positional;
  const groups = selectedGroups(listGroups(), rest.join(',') || undefined);
  return { target: { host, port: Number(port) }, account: { user, password }, groups, stop: async () => {} };
}

const argv = process.argv.slice(2);
const json = argv.includes('--json');
const every = argv.includes('--all');
const [kind, ...positional] = argv.filter((arg) => !arg.startsWith('--'));
if (!kind) {
  process.stderr.write('usage: run.ts dovecot|postwarden|HOST:PORT USER PASSWORD [group...]\n');
  process.exit(2);
}
const timeZone = process.env.IMAPTEST_TZ ?? DEFAULT_TIME_ZONE;
const server = await open(kind, positional, timeZone, argv.includes('--urlauth'));
let results: TestResult[];
try {
  results = await runSuite({
    target: server.target,
    account: server.account,
    ...(server.user2 ? { user2: server.user2 } : {}),
    timeZone,
    groups: server.groups,
    onResult: (r) => {
      if (!json) process.stderr.write(`${r.status.padEnd(7)} ${r.name}\n`);
    },
  });
} finally {
  await server.stop();
}
if (json) {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} else {
  process.stdout.write(`${report(results)}\n`);
  if (every) {
    for (const r of results.filter((x) => x.failures.length > 1)) {
      process.stdout.write(`\n== ${r.name}: all ${r.failures.length} failures\n${r.failures.map(describeFailure).join('\n\n')}\n`);
    }
  }
}
process.exit(results.some((r) => r.status === 'failed') ? 1 : 0);
