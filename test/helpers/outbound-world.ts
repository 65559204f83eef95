// The internet as outbound delivery tests see it, all on loopback: a DNS server (dns2) that
// publishes MX and A records for remote test domains, and SMTP sinks (aiosmtpd) standing in for
// their MX hosts on one port across several 127.0.0.0/8 addresses (delivery.port is one port for
// every destination). `env` points a Postwarden at them.

import { newQueueId } from '../../src/ingest/accept.ts';
import type { Storage } from '../../src/storage/api.ts';
import type { ZoneInput, ZoneRecord } from '../../src/dns/zone.test-support.ts';
import { TestDnsServer } from './dns-server.ts';
import { freePort } from './free-port.ts';
import { runPython } from './python.ts';
import { SmtpSink, type SinkRule } from './smtp-sink.ts';

/** MX and A records for a remote domain whose one MX host answers at `address`. */
export function remoteDomain(domain: string, address: string): Record<string, ZoneRecord[]> {
  return {
    [domain]: [{ type: 'MX', preference: 10, exchange: `mx.${domain}` }],
    [`mx.${domain}`]: [{ type: 'A', address }],
  };
}

export interface OutboundWorld {
  readonly dns: TestDnsServer;
  readonly sink: SmtpSink;
  readonly port: number;
  /** Settings for a Postwarden delivering into this world. */
  readonly env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export interface OutboundWorldOptions {
  readonly zone: ZoneInput;
  /** Loopback addresses the sink listens on. */
  readonly sinkAddresses: readonly string[];
  readonly rules?: readonly SinkRule[];
  readonly tls?: { readonly cert: string; readonly key: string };
}

export async function startOutboundWorld(options: OutboundWorldOptions): Promise<OutboundWorld> {
  const port = await freePort();
  const dns = await TestDnsServer.start({ zone: options.zone });
  const sink = await SmtpSink.start({ listen: options.sinkAddresses.map((address) => [address, port] as const), rules: options.rules ?? [], ...(options.tls ? { tls: options.tls } : {}) });
  return {
    dns,
    sink,
    port,
    env: {
      POSTWARDEN_DNS_SERVERS: dns.address,
      POSTWARDEN_DELIVERY_PORT: String(port),
      POSTWARDEN_DELIVERY_RELAY: '',
      POSTWARDEN_DELIVERY_DANE: 'false',
      POSTWARDEN_DELIVERY_RETRY_MIN_SECONDS: '1',
      POSTWARDEN_DELIVERY_RETRY_MAX_SECONDS: '2',
    },
    async close() {
      await sink.close();
      await dns.close();
    },
  };
}

export interface DkimCheck {
  readonly valid: boolean;
  readonly domain: string | null;
  readonly selector: string | null;
  readonly error: string | null;
}

/** The DKIM TXT records of one of our domains as `domain dns` publishes them, by DNS name. */
export async function dkimRecords(store: Storage, domain: string): Promise<Record<string, string>> {
  const found = await store.getDomain(domain);
  if (!found) throw new Error(`no domain ${domain}`);
  const records: Record<string, string> = {};
  for (const key of await store.listDkimKeys(found.id)) {
    const kind = key.algorithm === 'ed25519-sha256' ? 'ed25519' : 'rsa';
    records[`${key.selector}._domainkey.${domain}`] = `v=DKIM1; k=${kind}; p=${key.publicKey}`;
  }
  return records;
}

/** Verifies every DKIM-Signature of each message with dkimpy, an independent checker. */
export async function verifyDkim(messages: readonly Buffer[], records: Record<string, string>): Promise<DkimCheck[][]> {
  const output = await runPython<{ results: { dkim: DkimCheck[] }[] }>('dkim_verify.py', {
    messages: messages.map((message) => message.toString('base64')),
    records,
    arc: false,
  });
  return output.results.map((result) => result.dkim);
}

/** Polls until `check` returns a value (bounded: throws after `limitMs`; not a timing assertion). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, limitMs = 60_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Queues `count` one-recipient messages from `sender` straight into the store (as submission would). */
export async function queueMessages(store: Storage, count: number, recipientFor: (index: number) => string, sender = 'alice@example.com'): Promise<string[]> {
  const recipients: string[] = [];
  for (let i = 0; i < count; i++) {
    const recipient = recipientFor(i);
    const raw = Buffer.from(`From: ${sender}\r\nTo: ${recipient}\r\nSubject: message ${i}\r\nMessage-ID: <m${i}.${Date.now()}@example.com>\r\n\r\nBody ${i}.\r\n`);
    const stored = await store.deliver({
      queueId: newQueueId(),
      local: [],
      outbound: { raw, envelope: { sender, body: '7BIT', smtputf8: false, requireTls: false, accountId: null }, recipients: [{ address: recipient }] },
    });
    if (!stored.ok) throw new Error(stored.error.message);
    recipients.push(recipient);
  }
  return recipients;
}

/** How many times each recipient arrived at the sink. */
export function arrivals(messages: readonly { readonly recipients: readonly string[] }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of messages) for (const recipient of message.recipients) counts.set(recipient, (counts.get(recipient) ?? 0) + 1);
  return counts;
}
