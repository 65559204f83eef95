// The configuration schema: the single source of the config's types, defaults and
// documentation (the README's reference is generated from it by scripts/config-docs.ts).
// Input is untrusted: a TOML file and POSTWARDEN_* environment variables.

import { isIP } from 'node:net';
import { z } from 'zod';

/** `host:port`, `[ipv6]:port`, or the empty string that disables a listener. */
export const LISTENER_FORMAT = '"host:port", "[ipv6]:port" or "" to disable';

export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(value);
  if (!match) return undefined;
  const host = match[1] ?? match[2] ?? '';
  if (match[1] !== undefined && isIP(host) !== 6) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host, port };
}

const listener = (fallback: string, doc: string) =>
  z
    .string()
    .refine((v) => v === '' || parseHostPort(v) !== undefined, { message: `expected ${LISTENER_FORMAT}` })
    .default(fallback)
    .describe(doc);

const pool = z
  .object({
    addresses: z.array(z.string().refine((v) => isIP(v) !== 0, { message: 'expected an IP address' })).default([])
      .describe('Source addresses this pool sends from.'),
    helo: z.string().default('').describe('EHLO name for connections from this pool (default: hostname).'),
    dedicated_to: z.array(z.string()).default([])
      .describe('Sender domains that own this pool; empty means the pool is shared.'),
  })
  .strict();

export const configSchema = z
  .object({
    hostname: z.string().min(1).default('localhost')
      .describe('The name this server uses for itself: SMTP greeting, EHLO, Received headers, certificates.'),
    data_dir: z.string().min(1).default('data')
      .describe('Directory for the database, message blobs, keys and certificates (relative to the working directory).'),
    listen: z
      .object({
        smtp: listener('0.0.0.0:25', 'SMTP for incoming mail (MX).'),
        submission: listener('0.0.0.0:587', 'Message submission with STARTTLS (RFC 6409).'),
        submissions: listener('0.0.0.0:465', 'Message submission over implicit TLS (RFC 8314).'),
        imap: listener('0.0.0.0:143', 'IMAP with STARTTLS.'),
        imaps: listener('0.0.0.0:993', 'IMAP over implicit TLS.'),
        pop3: listener('0.0.0.0:110', 'POP3 with STLS.'),
        pop3s: listener('0.0.0.0:995', 'POP3 over implicit TLS.'),
        http: listener('127.0.0.1:8025', 'Admin web interface and HTTP API.'),
      })
      .strict()
      .prefault({})
      .describe('Listeners. Each is "host:port"; an empty string disables it.'),
    tls: z
      .object({
        cert: z.string().default('').describe('PEM certificate chain file; empty: a self-signed certificate in data_dir.'),
        key: z.string().default('').describe('PEM private key file for cert.'),
        min_version: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2').describe('Oldest TLS version accepted.'),
      })
      .strict()
      .prefault({})
      .describe('TLS certificate. Reloaded on SIGHUP.'),
    storage: z
      .object({
        driver: z.enum(['sqlite', 'postgres']).default('sqlite').describe('Metadata store: "sqlite" (one process) or "postgres" (shared by several).'),
        url: z.string().default('').describe('PostgreSQL connection URL (driver = "postgres").'),
        encryption: z.boolean().default(true).describe('Encrypt message blobs at rest (AES-256-GCM, one key per account).'),
        master_key: z.string().default('')
          .describe('Master key (64 hex digits) that wraps account keys; empty: data_dir/master.key, created on first start.'),
      })
      .strict()
      .prefault({})
      .describe('Where mail and metadata live.'),
    dns: z
      .object({
        servers: z.array(z.string().refine((v) => isIP(v) !== 0 || isIP(parseHostPort(v)?.host ?? '') !== 0, { message: 'expected "ip" or "ip:port"' })).default([])
          .describe('DNS resolvers ("ip" or "ip:port"); empty: the system resolver.'),
      })
      .strict()
      .prefault({})
      .describe('Name resolution.'),
    delivery: z
      .object({
        port: z.number().int().min(1).max(65535).default(25).describe('Destination port for outbound SMTP (tests override it).'),
        relay: z.string().refine((v) => v === '' || parseHostPort(v) !== undefined, { message: 'expected "host:port" or ""' }).default('')
          .describe('Smarthost "host:port" for all outbound mail; empty: deliver directly to MX hosts.'),
        relay_username: z.string().default('').describe('AUTH user name for the smarthost (sent only over TLS); empty: no AUTH.'),
        relay_password: z.string().default('').describe('AUTH password for the smarthost.'),
        retry_min_seconds: z.number().int().min(1).default(300).describe('First retry delay after a temporary failure; each later one doubles it (RFC 5321 §4.5.4.1: at least 30 minutes is usual, 5 minutes for the first).'),
        retry_max_seconds: z.number().int().min(1).default(14_400).describe('Longest delay between two attempts.'),
        max_queue_days: z.number().min(0.0001).default(5).describe('How long a message is retried before it bounces as expired (RFC 5321 §4.5.4.1: 4-5 days).'),
        delay_warning_hours: z.number().min(0).default(4).describe('Send one delay notice (RFC 3464 "delayed") to senders that asked for it (NOTIFY=DELAY) once a recipient has waited this long; 0: never.'),
        concurrency: z.number().int().min(1).default(100).describe('Most outbound SMTP connections at once.'),
        concurrency_per_domain: z.number().int().min(1).default(20).describe('Most connections at once to one destination domain.'),
        concurrency_per_mx: z.number().int().min(1).default(20).describe('Most connections at once to one MX host address.'),
        rate_per_domain: z.number().int().min(0).default(0).describe('Most messages per minute to one destination domain; 0: no limit.'),
        messages_per_connection: z.number().int().min(1).default(100).describe('Messages sent over one connection before it is closed.'),
        connect_timeout_seconds: z.number().min(1).default(30).describe('How long to wait for a TCP connection and the greeting.'),
        pool_header: z.string().default('X-Postwarden-Pool')
          .describe('Header an authenticated sender sets to choose its IP pool by name; removed before sending.'),
        rest_minutes: z.number().min(0).default(60).describe('How long a pool address a destination blocked is rested for that destination.'),
        mta_sts: z.boolean().default(true).describe('Fetch and enforce MTA-STS policies (RFC 8461).'),
        mta_sts_port: z.number().int().min(1).max(65535).default(443).describe('HTTPS port MTA-STS policies are fetched from (tests override it).'),
        ca_file: z.string().default('')
          .describe('PEM file of extra certificate authorities trusted for MTA-STS fetches and verified SMTP TLS (private relays, tests); empty: the system roots only.'),
        dane: z.boolean().default(true).describe('Use DANE TLSA records (RFC 7672) when the resolver validates DNSSEC.'),
      })
      .strict()
      .prefault({})
      .describe('Outbound delivery.'),
    pools: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), pool).default({})
      .describe('Sending IP pools, one [pools.NAME] table each.'),
    smtp: z
      .object({
        max_message_size: z.number().int().min(1024).default(52_428_800).describe('Largest message accepted, in octets (advertised as SIZE, RFC 1870).'),
        max_recipients: z.number().int().min(100).default(100).describe('Most recipients per message (RFC 5321 §4.5.3.1.8 requires at least 100).'),
        max_errors: z.number().int().min(1).default(10).describe('Errors a session may make before it is disconnected.'),
        max_connections_per_ip: z.number().int().min(1).default(20).describe('Simultaneous SMTP connections from one IP address (IPv6: one /64).'),
        greeting_delay_ms: z.number().int().min(0).max(30_000).default(100)
          .describe('Pause before the greeting; a client that talks during it is refused (RFC 5321 §4.3.1, like postscreen).'),
        command_timeout_seconds: z.number().min(1).default(300).describe('How long a command may take to arrive (RFC 5321 §4.5.3.2.7).'),
        data_timeout_seconds: z.number().min(1).default(180).describe('Longest pause inside DATA or a BDAT chunk (RFC 5321 §4.5.3.2.6).'),
        session_timeout_seconds: z.number().min(1).default(3600).describe('Longest whole session; a client that dribbles is cut off after it.'),
        bare_line_endings: z.enum(['reject', 'normalize']).default('reject')
          .describe('A bare CR or LF inside DATA: refuse the message, or convert it to CRLF. Never an end of data.'),
      })
      .strict()
      .prefault({})
      .describe('SMTP server (MX and submission).'),
    imap: z
      .object({
        plaintext_localhost: z.boolean().default(false)
          .describe('Allow LOGIN and AUTHENTICATE before TLS for clients on loopback addresses (otherwise LOGINDISABLED, RFC 9051 §6.2.3).'),
        append_limit: z.number().int().min(1024).default(52_428_800).describe('Largest message APPEND accepts, in octets (RFC 7889 APPENDLIMIT).'),
        autologout_seconds: z.number().min(60).default(1800).describe('Inactivity timer after login (RFC 9051 §5.4: at least 30 minutes).'),
        preauth_timeout_seconds: z.number().min(1).default(60).describe('Inactivity timer before login.'),
        max_connections_per_ip: z.number().int().min(1).default(50).describe('Simultaneous IMAP connections from one IP address (IPv6: one /64).'),
        max_connections: z.number().int().min(1).default(5000)
          .describe('Simultaneous IMAP connections in all; more are refused with BYE [UNAVAILABLE]. A selected session holds about 0.5 MiB per 1,000 messages of its mailbox: raise it with the V8 heap (NODE_OPTIONS=--max-old-space-size).'),
      })
      .strict()
      .prefault({})
      .describe('IMAP server.'),
    pop3: z
      .object({
        plaintext_localhost: z.boolean().default(false)
          .describe('Allow USER/PASS and AUTH before TLS for clients on loopback addresses (RFC 2595 §2.1: off by default).'),
        expire: z.enum(['never', '0']).default('never')
          .describe('EXPIRE policy advertised in CAPA (RFC 2449 §6.7): "never", or "0" to delete messages once retrieved.'),
        login_delay_seconds: z.number().int().min(0).default(0).describe('Minimum time between two logins of one user (RFC 2449 LOGIN-DELAY); 0 for none.'),
        idle_timeout_seconds: z.number().min(1).default(600).describe('Inactivity autologout timer (RFC 1939 §3: at least 10 minutes).'),
        max_connections_per_ip: z.number().int().min(1).default(20).describe('Simultaneous POP3 connections from one IP address (IPv6: one /64).'),
      })
      .strict()
      .prefault({})
      .describe('POP3 server.'),
    auth: z
      .object({
        cache_ttl_seconds: z.number().int().min(0).default(3600).describe('How long a verified login stays cached (0 disables the cache).'),
        cache_size: z.number().int().min(1).default(10000).describe('Most logins kept in the authentication cache.'),
        throttle_free_failures: z.number().int().min(0).default(3).describe('Failed logins (per IP and per account) before delays start.'),
        lockout_failures: z.number().int().min(1).default(10).describe('Failed logins after which the IP or account is locked out.'),
        lockout_seconds: z.number().int().min(1).default(900).describe('How long a lockout lasts, and how long failures are remembered.'),
      })
      .strict()
      .prefault({})
      .describe('Authentication cache and login throttling.'),
    server: z
      .object({
        shutdown_grace_seconds: z.number().min(0).default(30).describe('On SIGTERM, how long open sessions may finish before they are closed.'),
      })
      .strict()
      .prefault({})
      .describe('Process life.'),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info').describe('Log level.'),
      })
      .strict()
      .prefault({})
      .describe('Logging (JSON lines; pretty on a terminal).'),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ListenerName = keyof Config['listen'];
export const LISTENER_NAMES = Object.keys(configSchema.shape.listen.unwrap().shape) as ListenerName[];
