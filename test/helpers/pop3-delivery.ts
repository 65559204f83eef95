// Support for the POP3 end-to-end tests (test/e2e/pop3*.test.ts): putting mail into a running
// server the way mail arrives (SMTP to the MX listener: DATA for text, BDAT with BINARYMIME for
// binary bodies), and reading what the store holds for an account. Not a test file itself; it
// belongs with test/helpers/ and sits here only because the POP3 work could not add files there.
// Input it does not trust: the server's replies (checked, bounded waits).

import assert from 'node:assert/strict';
import type { MailServer } from './mail-server.ts';
import { RawSmtp } from './smtp-client.ts';
import type { MessageRecord } from '../../src/storage/api.ts';
import { encodeData } from '../../src/protocols/smtp/wire/data-encoder.ts';

async function expectCode(client: RawSmtp, command: string | undefined, code: number): Promise<void> {
  const answer = command === undefined ? await client.reply() : await client.command(command);
  assert.equal(answer?.code, code, `${command ?? 'greeting'}: ${answer?.lines.join(' ') ?? 'closed'}`);
}

/**
 * Delivers `message` (CRLF lines) to each recipient over SMTP. With `binary`, it goes as one
 * BDAT chunk with BODY=BINARYMIME, so any bytes arrive as they are.
 */
export async function deliver(server: MailServer, recipients: readonly string[], message: Uint8Array, options: { binary?: boolean } = {}): Promise<void> {
  const client = await RawSmtp.connect(server.port('smtp'));
  try {
    await expectCode(client, undefined, 220);
    await expectCode(client, 'EHLO sender.example', 250);
    await expectCode(client, `MAIL FROM:<sender@remote.example>${options.binary ? ' BODY=BINARYMIME' : ''}`, 250);
    for (const recipient of recipients) await expectCode(client, `RCPT TO:<${recipient}>`, 250);
    if (options.binary) {
      client.send(Buffer.concat([Buffer.from(`BDAT ${message.length} LAST\r\n`), message]));
      await expectCode(client, undefined, 250);
    } else {
      await expectCode(client, 'DATA', 354);
      client.send(encodeData(message));
      await expectCode(client, undefined, 250);
    }
    await expectCode(client, 'QUIT', 221);
  } finally {
    client.close();
  }
}

/** The INBOX records of an account, in UID order, and its UIDVALIDITY. */
export async function inboxRecords(server: MailServer, address: string): Promise<{ records: MessageRecord[]; uidValidity: number }> {
  const account = await server.store.getAccount(address);
  assert.ok(account, `no account ${address}`);
  const inbox = await server.store.getMailbox(account.id, 'INBOX');
  assert.ok(inbox);
  const listed = await server.store.listMessages(account.id, inbox.id);
  assert.ok(listed.ok);
  return { records: listed.value, uidValidity: inbox.uidValidity };
}

/** Waits (bounded) until the server's log holds a line for which `match` is true; returns it. */
export async function logLine(server: MailServer, match: (entry: Record<string, unknown>) => boolean, limitMs = 10_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    for (const line of server.serve.stderr().split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (match(entry)) return entry;
    }
    if (Date.now() > deadline) assert.fail('the expected log line did not appear');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
