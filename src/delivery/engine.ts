// Builds outbound delivery from the configuration: the resolver ([dns] servers; our DNSSEC-aware
// client when DANE is on), MTA-STS discovery (policies cached in memory), the destinations,
// pools, traffic shaper, TLS-RPT recorder, DKIM signer, message preparer and the scheduler that
// runs them.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname as machineName } from 'node:os';
import { parseHostPort, type Config } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { UserError } from '../core/user-error.ts';
import { createResolver } from '../dns/create-resolver.ts';
import { MemoryStsPolicyCache } from '../mailauth/mta-sts.ts';
import { httpsPolicyFetcher } from '../mailauth/mta-sts-fetch.ts';
import { MemoryTlsRptStore } from '../mailauth/tls-rpt.ts';
import type { Storage } from '../storage/api.ts';
import { Destinations } from './destination.ts';
import { PoolRouter } from './pools.ts';
import { MessagePreparer } from './prepare.ts';
import { DkimSigner } from './signer.ts';
import { DeliveryScheduler } from './scheduler.ts';
import { TrafficShaper } from './shaper.ts';
import type { TransmitContext } from './transmit.ts';

export interface DeliveryEngine {
  readonly scheduler: DeliveryScheduler;
  /** TLS session outcomes per policy domain (RFC 8460), for reports. */
  readonly tlsReports: MemoryTlsRptStore;
  /** Signs mail as it is queued (the SMTP service hands it to ingest). */
  readonly signer: DkimSigner;
}

export interface DeliveryDependencies {
  readonly config: Config;
  readonly storage: Storage;
  readonly verpSecret: Uint8Array;
  readonly logger: Logger;
  readonly clock: Clock;
}

function readCa(path: string): string | undefined {
  if (path === '') return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`delivery.ca_file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

export function createDeliveryEngine(deps: DeliveryDependencies): DeliveryEngine {
  const { config, storage, clock } = deps;
  const delivery = config.delivery;
  const logger = deps.logger.child({ component: 'delivery' });
  const resolver = createResolver({ servers: config.dns.servers, dnssec: delivery.dane });
  if (!resolver.ok) throw new UserError(`dns.servers: ${resolver.error}`);
  const ca = readCa(delivery.ca_file);
  const tlsReports = new MemoryTlsRptStore();
  const relay = delivery.relay === '' ? undefined : parseHostPort(delivery.relay);
  const destinations = new Destinations(
    resolver.value,
    {
      port: delivery.port,
      relay,
      mtaSts: delivery.mta_sts,
      dane: delivery.dane,
      localHostnames: [config.hostname, ...Object.values(config.pools).map((p) => p.helo).filter((h) => h !== '')],
    },
    {
      resolver: resolver.value,
      fetcher: httpsPolicyFetcher({ resolver: resolver.value, port: delivery.mta_sts_port, ...(ca ? { extraCa: ca } : {}) }),
      cache: new MemoryStsPolicyCache(),
      clock,
    },
    clock,
  );
  const pools = new PoolRouter(config.pools, config.hostname, delivery.rest_minutes * 60_000, clock);
  const shaper = new TrafficShaper(
    { total: delivery.concurrency, perDomain: delivery.concurrency_per_domain, perMx: delivery.concurrency_per_mx, ratePerDomain: delivery.rate_per_domain },
    clock,
  );
  const transmit: TransmitContext = {
    destinations,
    pools,
    shaper,
    tlsReports,
    clock,
    logger,
    timeouts: { connect: delivery.connect_timeout_seconds * 1000 },
    ca,
    relayAuth: relay && delivery.relay_username !== '' ? { user: delivery.relay_username, password: delivery.relay_password } : undefined,
  };
  const owner = `${machineName()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  const signer = new DkimSigner(storage, delivery.pool_header, clock, logger);
  const preparer = new MessagePreparer(storage, signer, { hostname: config.hostname }, resolver.value, clock, logger);
  const scheduler = new DeliveryScheduler(
    {
      storage,
      preparer,
      pools,
      shaper,
      transmit,
      settle: {
        storage,
        owner,
        backoff: { minMs: delivery.retry_min_seconds * 1000, maxMs: delivery.retry_max_seconds * 1000, lifetimeMs: delivery.max_queue_days * 86_400_000 },
        delayWarningMs: delivery.delay_warning_hours * 3_600_000,
        notices: { storage, hostname: config.hostname, clock, logger },
        clock,
        logger,
      },
      clock,
      logger,
    },
    {
      owner,
      hostname: config.hostname,
      verpSecret: deps.verpSecret,
      messagesPerConnection: delivery.messages_per_connection,
      maxInFlight: Math.min(delivery.concurrency * delivery.messages_per_connection, 5000),
    },
  );
  return { scheduler, tlsReports, signer };
}
