// `postwarden queue list|show|retry|remove`: the outbound queue for an operator, in the manner
// of Postfix's postqueue -p (list), postcat -q (show), postqueue -i / postsuper -r (retry) and
// postsuper -d (remove). The commands change only queue rows; a running server sees a retry
// at its next look at the queue (within POLL_MS) and skips removed messages. Queue ids are
// untrusted input, used only as a bound query parameter.

import type { Command } from 'commander';
import { UsageError, UserError } from '../core/user-error.ts';
import type { QueuedMessage, Storage } from '../storage/api.ts';
import { configFor } from './load.ts';
import { withStorage } from './open-storage.ts';
import { print } from './output.ts';
import { countLine, detailLines, isPending, listingLines, messageJson, plural } from './queue-format.ts';

async function queued(storage: Storage, id: string): Promise<QueuedMessage> {
  const message = await storage.getQueued(id);
  if (!message) throw new UserError(`there is no queued message ${id}`);
  return message;
}

/** Exactly one of a queue id and --all (else bad usage, exit 2). */
function target(id: string | undefined, all: boolean | undefined, verb: string): string | undefined {
  if ((id === undefined) === (all !== true)) throw new UsageError(`queue ${verb}: give exactly one of a queue id or --all`);
  return id;
}

/** How soon a running server sees a retry (loaded only when needed: the scheduler is big). */
async function pickup(): Promise<string> {
  const { POLL_MS } = await import('../delivery/scheduler.ts');
  return `a running server picks them up within ${POLL_MS / 1000} seconds`;
}

async function submitter(storage: Storage, message: QueuedMessage): Promise<string | undefined> {
  const id = message.envelope.accountId;
  if (id === null) return undefined;
  const account = await storage.getAccountById(id);
  return account ? account.address : `account ${id} (since removed)`;
}

async function showRaw(storage: Storage, message: QueuedMessage): Promise<void> {
  if (message.finishedAt !== null) throw new UserError(`the queued message ${message.id} is finished; its content is no longer kept`);
  const raw = await storage.readQueuedMessage(message.id);
  if (!raw.ok) throw new UserError(raw.error.message);
  process.stdout.write(raw.value);
}

export function registerQueueCommands(program: Command): void {
  const queue = program.command('queue').description('inspect and manage the outbound mail queue');

  queue
    .command('list')
    .description('list messages waiting for delivery, each with its pending recipients (state, attempts, next attempt, last reply)')
    .option('--all', 'also finished messages, and every recipient whatever its state')
    .option('--json', 'one JSON object per message, no summary line')
    .action(async (options: { all?: boolean; json?: boolean }, command: Command) => {
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        const all = options.all === true;
        const messages = await storage.listQueue({ pending: !all });
        for (const message of messages) {
          const recipients = all ? message.recipients : message.recipients.filter(isPending);
          if (options.json === true) print(messageJson(message, recipients));
          else for (const line of listingLines(message, recipients)) print(line);
        }
        if (options.json === true) return;
        print(messages.length === 0 ? 'queue is empty' : countLine(messages));
      });
    });

  queue
    .command('show <id>')
    .description("show a queued message's envelope and every recipient")
    .option('--raw', 'write the message itself, byte for byte, to standard output')
    .action(async (id: string, options: { raw?: boolean }, command: Command) => {
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        const message = await queued(storage, id);
        if (options.raw === true) return showRaw(storage, message);
        for (const line of detailLines(message, await submitter(storage, message))) print(line);
      });
    });

  queue
    .command('retry [id]')
    .description('make the pending recipients of a message (or --all) due now, like postqueue -i / -f')
    .option('--all', 'every pending recipient in the queue')
    .action(async (id: string | undefined, options: { all?: boolean }, command: Command) => {
      const one = target(id, options.all, 'retry');
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        if (one !== undefined) await queued(storage, one);
        const count = await storage.retryQueue(one);
        if (count === 0) {
          print(one === undefined ? 'nothing to retry: no recipient is pending' : `nothing to retry: ${one} has no pending recipient`);
          return;
        }
        print(`${plural(count, 'recipient')}${one === undefined ? '' : ` of ${one}`} due now; ${await pickup()}`);
      });
    });

  queue
    .command('remove [id]')
    .description('delete a queued message (or --all pending ones) without sending any delivery notice')
    .option('--all', 'every pending message')
    .action(async (id: string | undefined, options: { all?: boolean }, command: Command) => {
      const one = target(id, options.all, 'remove');
      const { config } = configFor(command);
      await withStorage(config, async (storage) => {
        if (one !== undefined) {
          const removed = await storage.removeQueued(one);
          if (!removed.ok) throw new UserError(removed.error.message);
          print(`removed ${one}`);
          return;
        }
        let count = 0;
        for (const message of await storage.listQueue({ pending: true })) {
          // A message a running server finished and purged meanwhile is gone already: not counted.
          if ((await storage.removeQueued(message.id)).ok) count++;
        }
        print(`removed ${plural(count, 'message')}`);
      });
    });
}
