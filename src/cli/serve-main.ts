// `postwarden serve`: runs the server. It locks the data directory, opens storage, sets up
// local mode on first start, loads TLS, binds every listener (all or none), prints them, and
// then lives until SIGTERM or SIGINT: stop accepting, let sessions finish within
// server.shutdown_grace_seconds, close storage, release the lock. SIGHUP reloads the TLS
// certificate. Logs are JSON lines on stderr (pretty on a terminal); the listener summary and
// the first-start password go to stdout.

import { Authenticator } from '../auth/authenticator.ts';
import type { LoadedConfig } from '../config/load.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { lockDataDirectory } from '../server/data-lock.ts';
import { startServer, type RunningServer } from '../server/server.ts';
import { ensureDirectory } from '../storage/sqlite/open.ts';
import { TlsProvider } from '../tls/certificates.ts';
import { bootstrapLocalMode, LOCAL_POSTMASTER } from './local-mode.ts';
import { dataDirectory, openConfiguredStorage } from './open-storage.ts';
import { print } from './output.ts';
import { VERSION } from './version.ts';

/** The summary's last line: scripts wait for it before connecting. */
export const READY_LINE = 'Ready: accepting connections.';
/** A second SIGTERM/SIGINT during shutdown exits at once with this status. */
const FORCED_EXIT_STATUS = 130;

function printSummary(loaded: LoadedConfig, dataDir: string, server: RunningServer, password: string | undefined): void {
  const mode = loaded.localMode ? 'local mode' : `config ${loaded.file}`;
  print(`Postwarden ${VERSION} is running (${mode}; hostname ${loaded.config.hostname}; data in ${dataDir})`);
  for (const listener of server.listeners) {
    const host = listener.host.includes(':') ? `[${listener.host}]` : listener.host;
    print(`  ${listener.name.padEnd(12)} ${`${host}:${listener.port}`.padEnd(22)} ${listener.security}`);
  }
  if (server.adminUrl) print(`Admin: ${server.adminUrl}`);
  if (password !== undefined) {
    print(`Created ${LOCAL_POSTMASTER} with password: ${password}`);
    print(`  (shown only this once; change it with: postwarden user passwd ${LOCAL_POSTMASTER} --password-stdin)`);
  }
  print(READY_LINE);
}

function waitForStopSignal(logger: Logger, onReload: () => void): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.removeListener('SIGHUP', onReload);
      process.once('SIGTERM', () => process.exit(FORCED_EXIT_STATUS));
      process.once('SIGINT', () => process.exit(FORCED_EXIT_STATUS));
      logger.info({ signal }, 'stopping');
      resolve(signal);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', onReload);
  });
}

export async function serve(loaded: LoadedConfig): Promise<void> {
  const { config } = loaded;
  const logger = createLogger({ level: config.log.level, fd: 2 });
  const dataDir = dataDirectory(config);
  ensureDirectory(dataDir);
  const lock = lockDataDirectory(dataDir);
  try {
    const { storage, housekeeping, verpSecret } = await openConfiguredStorage(config);
    try {
      const password = loaded.localMode ? await bootstrapLocalMode(storage) : undefined;
      const tls = await TlsProvider.create({
        hostname: config.hostname,
        dataDir,
        cert: config.tls.cert,
        key: config.tls.key,
        minVersion: config.tls.min_version,
      });
      logger.info({ certificate: tls.current.summary }, 'TLS certificate loaded');
      const authenticator = new Authenticator({
        accounts: storage,
        throttle: {
          freeFailures: config.auth.throttle_free_failures,
          lockoutFailures: config.auth.lockout_failures,
          lockoutSeconds: config.auth.lockout_seconds,
        },
        cache: { ttlSeconds: config.auth.cache_ttl_seconds, size: config.auth.cache_size },
      });
      const server = await startServer({ config, storage, tls, authenticator, logger, version: VERSION, verpSecret });
      // Signal handlers go in before the summary: a script may send SIGTERM right after "Ready".
      const stopSignal = waitForStopSignal(logger, () => {
        try {
          logger.info({ certificate: tls.reload().summary }, 'TLS certificate reloaded');
        } catch (error) {
          logger.error({ err: error }, 'TLS reload failed; the previous certificate stays in use');
        }
      });
      logger.info({ listeners: server.listeners, admin: server.adminUrl, localMode: loaded.localMode }, 'listening');
      printSummary(loaded, dataDir, server, password);
      housekeeping().then(
        (removed) => removed > 0 && logger.info({ removed }, 'removed orphan blob files'),
        (error: unknown) => logger.warn({ err: error }, 'orphan blob sweep failed'),
      );
      await stopSignal;
      await server.stop(config.server.shutdown_grace_seconds * 1000);
    } finally {
      await storage.close();
    }
  } finally {
    lock.release();
  }
  logger.info('stopped');
}
