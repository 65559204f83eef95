// A local SMTP sink (aiosmtpd, test/interop/python/smtp_sink.py) standing in for remote MTAs:
// it listens on loopback addresses, answers RCPT by rules the test can change while it runs,
// optionally offers STARTTLS, and records every message it receives byte for byte with the
// peer address it came from.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.ts';

export interface SinkRule {
  /** A substring of the recipient address. */
  readonly match: string;
  /** The n-th RCPT of a matching address gets replies[n]; the last one repeats. */
  readonly replies: readonly string[];
  /** Only for clients connecting from this address (a destination that blocks one sending IP). */
  readonly peer?: string;
}

export interface SinkMessage {
  readonly peer: string;
  readonly helo: string;
  readonly tls: boolean;
  readonly mailFrom: string;
  readonly mailOptions: readonly string[];
  readonly recipients: readonly string[];
  readonly data: Buffer;
}

interface SinkRecord {
  peer: string;
  helo: string;
  tls: boolean;
  mail_from: string;
  mail_options: string[];
  rcpt_tos: string[];
  data: string;
}

export interface SinkOptions {
  readonly listen: readonly (readonly [string, number])[];
  readonly rules?: readonly SinkRule[];
  readonly tls?: { readonly cert: string; readonly key: string };
}

export class SmtpSink {
  private readonly dir: string;
  private readonly child: ChildProcess;

  private constructor(dir: string, child: ChildProcess) {
    this.dir = dir;
    this.child = child;
  }

  static async start(options: SinkOptions): Promise<SmtpSink> {
    const dir = await mkdtemp(join(tmpdir(), 'postwarden-sink-'));
    await writeFile(join(dir, 'rules.json'), JSON.stringify(options.rules ?? []));
    await writeFile(join(dir, 'log.jsonl'), '');
    const args = { listen: options.listen, log: join(dir, 'log.jsonl'), rules: join(dir, 'rules.json'), ...(options.tls ? { tls: options.tls } : {}) };
    const child = spawn('/usr/bin/python3', [join(ROOT, 'test', 'interop', 'python', 'smtp_sink.py'), JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`smtp_sink.py exited ${code}: ${stderr}`)));
    });
    return new SmtpSink(dir, child);
  }

  async setRules(rules: readonly SinkRule[]): Promise<void> {
    await writeFile(join(this.dir, 'rules.json'), JSON.stringify(rules));
  }

  async messages(): Promise<SinkMessage[]> {
    const text = await readFile(join(this.dir, 'log.jsonl'), 'utf8');
    // Only whole lines: the sink may be writing the last one while it is read.
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as SinkRecord)
      .map((r) => ({ peer: r.peer, helo: r.helo, tls: r.tls, mailFrom: r.mail_from, mailOptions: r.mail_options, recipients: r.rcpt_tos, data: Buffer.from(r.data, 'base64') }));
  }

  /** Waits until at least `count` messages arrived (bounded: fails after `limitMs`). */
  async waitForMessages(count: number, limitMs = 60_000): Promise<SinkMessage[]> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const messages = await this.messages();
      if (messages.length >= count) return messages;
      if (Date.now() > deadline) throw new Error(`the sink received ${messages.length} of ${count} messages`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    await rm(this.dir, { recursive: true, force: true });
  }
}
