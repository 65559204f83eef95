// Support for the IMAP real-client tests (test/e2e/imap-clients*.test.ts): running an outside
// program (mbsync, fetchmail) with a bound on how long it may take, reading what the store holds
// for a mailbox (records and raw bytes), and bounded waiting for a condition.
// Input it does not trust: the programs' output and exit status (reported, never parsed for
// control flow beyond the status).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { MailServer } from './mail-server.ts';
import type { Mailbox, MessageRecord } from '../../src/storage/api.ts';

/** How long an outside client may run before the test kills it (a bound, not a timing assertion). */
export const TOOL_LIMIT_MS = 120_000;

export interface ToolResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved as they arrived. */
  readonly output: string;
  readonly killed: boolean;
}

/** Runs `command` to completion (killed after `limitMs`), collecting its output. */
export function runTool(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; limitMs?: number } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    });
    let output = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, options.limitMs ?? TOOL_LIMIT_MS);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, output, killed });
    });
  });
}

export interface BackgroundTool {
  /** Everything the program printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit status once the program ended. */
  readonly exited: Promise<number | null>;
  /** Sends SIGTERM (SIGKILL if it has not ended after a bound) and waits for the end. */
  stop(): Promise<void>;
}

/** Starts a long-running program (fetchmail --idle ...), killed after `limitMs` at the latest. */
export function startTool(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; limitMs?: number } = {}): BackgroundTool {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const limit = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? TOOL_LIMIT_MS);
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (error) => {
      output += `\nspawn failed: ${error.message}`;
      resolve(null);
    });
    child.on('close', (status) => {
      clearTimeout(limit);
      resolve(status);
    });
  });
  return {
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    },
  };
}

export interface MailboxContents {
  readonly mailbox: Mailbox;
  readonly records: MessageRecord[];
  /** Raw bytes of each record, same order (UID order). */
  readonly raws: Buffer[];
}

/** A mailbox of an account as the store holds it, or undefined when it does not exist. */
export async function mailboxContents(server: MailServer, address: string, name = 'INBOX'): Promise<MailboxContents | undefined> {
  const account = await server.store.getAccount(address);
  assert.ok(account, `no account ${address}`);
  const mailbox = await server.store.getMailbox(account.id, name);
  if (!mailbox) return undefined;
  const listed = await server.store.listMessages(account.id, mailbox.id);
  assert.ok(listed.ok, `listMessages ${name}`);
  const records: MessageRecord[] = [];
  const raws: Buffer[] = [];
  for (const record of listed.value) {
    // A client may expunge the message between the listing and the read: then it is gone.
    const raw = await server.store.readMessage(account.id, record.blobId);
    if (!raw.ok && raw.error.code === 'nonexistent') continue;
    assert.ok(raw.ok, `readMessage ${record.blobId}`);
    records.push(record);
    raws.push(Buffer.from(raw.value));
  }
  return { mailbox, records, raws };
}

/** Like mailboxContents, failing the test when the mailbox does not exist. */
export async function mustMailbox(server: MailServer, address: string, name = 'INBOX'): Promise<MailboxContents> {
  const contents = await mailboxContents(server, address, name);
  assert.ok(contents, `${address} has no mailbox ${name}`);
  return contents;
}

/** The names of an account's mailboxes, sorted. */
export async function mailboxNames(server: MailServer, address: string): Promise<string[]> {
  const account = await server.store.getAccount(address);
  assert.ok(account, `no account ${address}`);
  return (await server.store.listMailboxes(account.id)).map((box) => box.name).sort();
}

/** The record whose raw message contains `marker` (a Subject, a Message-ID ...). */
export function recordWith(contents: MailboxContents, marker: string): { record: MessageRecord; raw: Buffer } | undefined {
  const index = contents.raws.findIndex((raw) => raw.includes(marker));
  const record = contents.records[index];
  const raw = contents.raws[index];
  return record && raw ? { record, raw } : undefined;
}

/** Waits (bounded) until `check` holds; fails the test with `what` otherwise. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A promise for the first time `emitter` emits `event` with a payload `match` accepts (bounded). */
export function nextEvent<T>(emitter: NodeJS.EventEmitter, event: string, match: (payload: T) => boolean = () => true, limitMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (payload: T): void => {
      if (!match(payload)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no "${event}" event within ${limitMs} ms`));
    }, limitMs);
    emitter.on(event, listener);
  });
}
