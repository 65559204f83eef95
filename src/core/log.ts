// Structured logging: JSON lines through pino, pretty-printed when stdout is a terminal.
// Every module takes a Logger; nothing writes to the console directly except the CLI's
// own user-facing output.

import { pino, type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  readonly level?: string;
  /** Pretty output for humans; defaults to the destination being a TTY. */
  readonly pretty?: boolean;
  /** File descriptor: 1 (stdout, the default) or 2 (stderr). */
  readonly fd?: 1 | 2;
}

export function createLogger(options: LogOptions = {}): Logger {
  const level = options.level ?? 'info';
  const fd = options.fd ?? 1;
  const pretty = options.pretty ?? (fd === 1 ? process.stdout : process.stderr).isTTY === true;
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: fd } },
    });
  }
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd, sync: true }));
}

/** A logger that drops everything; for tests and CLI commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
