// bench/outbound-queue: fills a stopped Postwarden's outbound queue for bench/outbound, through
// the storage API as the submission port would: ingest's accept() with the Received field an
// authenticated ESMTPSA submission gets, the submitting account on the envelope, DKIM-signed as
// it is queued (the submission port's signer), one durable
// commit per message (blob fsync'd, group-committed with the concurrent writers). SQLite
// only: the data directory is the instance's ./data (local mode), its master key in there.
// Also reads a domain's DKIM keys, so the Postfix side can sign with the very same keys.

import { join } from 'node:path';
import { systemClock } from '../src/core/clock.ts';
import { silentLogger } from '../src/core/log.ts';
import { DkimSigner } from '../src/delivery/signer.ts';
import { accept, newQueueId } from '../src/ingest/accept.ts';
import { receivedField } from '../src/protocols/smtp/server/received.ts';
import type { Storage } from '../src/storage/api.ts';
import { loadOrCreateMasterKey } from '../src/storage/crypto/master-key.ts';
import { openSqliteStorage } from '../src/storage/sqlite/open.ts';
import { message } from './smtp-load.ts';

/** Messages being committed at once while filling (the submission port's connections, in effect). */
export const FILL_CONCURRENCY = 32;

export interface BenchDkimKey {
  readonly selector: string;
  readonly algorithm: 'rsa-sha256' | 'ed25519-sha256';
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** The p= value of its DNS record. */
  readonly publicKey: string;
}

async function withInstanceStorage<T>(dir: string, fn: (storage: Storage) => Promise<T>): Promise<T> {
  const dataDir = join(dir, 'data');
  const storage = await openSqliteStorage({ dataDir, master: loadOrCreateMasterKey(dataDir), encrypt: true });
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

/** The active DKIM keys `domain add` made for the domain. */
export function dkimKeys(dir: string, domain: string): Promise<BenchDkimKey[]> {
  return withInstanceStorage(dir, async (storage) => {
    const found = await storage.getDomain(domain);
    if (!found) throw new Error(`bench/outbound: no domain ${domain} in ${dir}`);
    return (await storage.listDkimKeys(found.id))
      .filter((key) => key.active)
      .map((key) => ({ selector: key.selector, algorithm: key.algorithm, privateKeyPem: key.privateKeyPem, publicKey: key.publicKey }));
  });
}

export interface FillOptions {
  readonly sender: string;
  /** One message per recipient, in this order. */
  readonly recipients: readonly string[];
  readonly size: number;
  readonly tag: string;
}

/** Queues one message per recipient; resolves with the seconds it took. */
export function fillQueue(dir: string, options: FillOptions): Promise<number> {
  return withInstanceStorage(dir, async (storage) => {
    const account = await storage.getAccount(options.sender);
    if (!account) throw new Error(`bench/outbound: no account ${options.sender}`);
    // Signed as it is queued, as the submission port does (the default pool header).
    const signer = new DkimSigner(storage, 'X-Postwarden-Pool', systemClock, silentLogger());
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      for (let n = next++; n < options.recipients.length; n = next++) {
        const recipient = options.recipients[n] as string;
        const queueId = newQueueId();
        const trace = receivedField({
          helo: 'loadgen.bench.test',
          remoteAddress: '127.0.0.1',
          hostname: 'localhost',
          queueId,
          esmtp: true,
          authenticated: true,
          tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
          smtputf8: false,
          recipient,
          date: new Date(),
        });
        const result = await accept(storage, {
          queueId,
          message: message(n, recipient, options.sender, options.size, options.tag),
          trace: [trace],
          envelope: { sender: options.sender, body: '7BIT', smtputf8: false, requireTls: false, accountId: account.id },
          local: [],
          remote: [{ address: recipient }],
        }, signer);
        if (!result.ok) throw new Error(`bench/outbound: queueing message ${n} failed: ${result.error.message}`);
      }
    };
    await Promise.all(Array.from({ length: FILL_CONCURRENCY }, worker));
    return (performance.now() - started) / 1000;
  });
}
