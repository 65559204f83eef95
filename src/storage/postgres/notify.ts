// Change events across processes: NOTIFY inside the writing transaction (PostgreSQL delivers
// it to every listener only when that transaction commits), LISTEN on a dedicated connection
// in every process, this one included, so local and remote changes reach listeners one way.
// Payloads are parsed defensively: another process, or another program, may send garbage.

import pg from 'pg';
import type { ChangeEvent, ChangeKind } from '../api.ts';
import type { SqlTransaction } from '../sql/driver.ts';
import { Listeners, type ChangePublisher } from '../sql/events.ts';

export const CHANNEL = 'postwarden_changes';
const KINDS: ReadonlySet<string> = new Set<ChangeKind>(['append', 'flags', 'expunge', 'mailbox']);
/** Pause before the listener connection is opened again after it failed. */
export const RECONNECT_DELAY_MS = 1000;

export function parsePayload(payload: string | undefined): ChangeEvent | undefined {
  const parts = (payload ?? '').split(':');
  if (parts.length !== 4) return undefined;
  const [account, mailbox, modSeq, kind] = parts;
  const numbers = [account, mailbox, modSeq].map(Number);
  if (numbers.some((n) => !Number.isSafeInteger(n) || n < 0) || !KINDS.has(kind ?? '')) return undefined;
  return { accountId: numbers[0] ?? 0, mailboxId: numbers[1] ?? 0, modSeq: numbers[2] ?? 0, kind: kind as ChangeKind };
}

export class NotifyPublisher implements ChangePublisher {
  private readonly listeners = new Listeners();
  private readonly config: pg.ClientConfig;
  private client: pg.Client | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(config: pg.ClientConfig) {
    this.config = config;
  }

  async start(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('notification', (message) => {
      const event = message.channel === CHANNEL ? parsePayload(message.payload) : undefined;
      if (event) this.listeners.emit(event);
    });
    client.on('error', () => this.reconnect(client));
    client.on('end', () => this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  private reconnect(failed: pg.Client): void {
    if (this.closed || this.client !== failed || this.timer) return;
    this.client = undefined;
    failed.removeAllListeners();
    failed.on('error', () => undefined);
    void failed.end().catch(() => undefined);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) this.start().catch(() => this.reconnectLater());
    }, RECONNECT_DELAY_MS);
    this.timer.unref();
  }

  private reconnectLater(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) this.start().catch(() => this.reconnectLater());
    }, RECONNECT_DELAY_MS);
    this.timer.unref();
  }

  async publish(tx: SqlTransaction, event: ChangeEvent): Promise<void> {
    await tx.run('SELECT pg_notify(?, ?)', [CHANNEL, `${event.accountId}:${event.mailboxId}:${event.modSeq}:${event.kind}`]);
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}
