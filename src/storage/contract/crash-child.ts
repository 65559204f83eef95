// A writer for the crash test (contract/crash.ts), run as a child process and killed with
// SIGKILL at a random moment. It appends messages whose bytes follow from a token, several at
// a time, and prints "ack <uid> <token>" only after each append has resolved (durable).
// Usage: crash-child.ts sqlite <data-dir> | postgres <url>

import { masterKeyFromHex } from '../crypto/master-key.ts';
import { openPostgresStorage } from '../postgres/open.ts';
import { openSqliteStorage } from '../sqlite/open.ts';
import { crashMessage, CRASH_ACCOUNT, TEST_MASTER_KEY_HEX_FOR_CHILD } from './crash-message.ts';

const [driver, location, seed] = process.argv.slice(2);
const master = masterKeyFromHex(TEST_MASTER_KEY_HEX_FOR_CHILD);
const storage =
  driver === 'postgres'
    ? await openPostgresStorage({ url: location ?? '', master, poolSize: 4 })
    : await openSqliteStorage({ dataDir: location ?? '', master });
const account = await storage.getAccount(CRASH_ACCOUNT);
const inbox = account && (await storage.getMailbox(account.id, 'INBOX'));
if (!account || !inbox) throw new Error('the crash test account is missing');

let next = 0;
async function writer(): Promise<void> {
  for (;;) {
    const token = `${seed}-${next++}`;
    const [result] = await storage.appendMessages([{ accountId: account!.id, mailboxId: inbox!.id, raw: crashMessage(token) }]);
    if (!result?.ok) throw new Error(`append failed: ${JSON.stringify(result)}`);
    process.stdout.write(`ack ${result.value.uid} ${token}\n`);
  }
}
process.stdout.write('ready\n');
await Promise.all([writer(), writer(), writer(), writer()]);
