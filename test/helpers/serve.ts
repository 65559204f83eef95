// Starts `postwarden serve` as a child process on ephemeral loopback ports (every listener
// overridden to 127.0.0.1:0 unless the test says otherwise) and reads the listener summary it
// prints, up to its "Ready:" line, so tests connect to the real ports.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BIN, cleanEnv } from './cli.ts';

export const EPHEMERAL_LISTENERS: NodeJS.ProcessEnv = Object.fromEntries(
  ['SMTP', 'SUBMISSION', 'SUBMISSIONS', 'IMAP', 'IMAPS', 'POP3', 'POP3S', 'HTTP'].map((name) => [`POSTWARDEN_LISTEN_${name}`, '127.0.0.1:0']),
);

/** How long a server may take to become ready before the test gives up (not a timing assertion). */
const START_LIMIT_MS = 60_000;

export interface RunningServe {
  readonly child: ChildProcess;
  /** Listener name to port. */
  readonly ports: ReadonlyMap<string, number>;
  readonly stdout: readonly string[];
  readonly stderr: () => string;
  readonly adminUrl: string | undefined;
  readonly exited: Promise<number | null>;
  /** Sends the signal (SIGTERM by default) and resolves with the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startServe(cwd: string, env: NodeJS.ProcessEnv = {}, args: readonly string[] = []): Promise<RunningServe> {
  const child = spawn(BIN, ['serve', ...args], { cwd, env: cleanEnv({ ...EPHEMERAL_LISTENERS, ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ports = new Map<string, number>();
  let adminUrl: string | undefined;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve was not ready:\n${stdout.join('\n')}\n${stderr}`));
    }, START_LIMIT_MS);
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout.push(line);
      const listener = /^ {2}(\w+)\s+\[?([0-9a-f.:]+)\]?:(\d+)\s/.exec(line);
      if (listener) ports.set(listener[1] ?? '', Number(listener[3]));
      adminUrl ??= /^Admin: (\S+)/.exec(line)?.[1];
      if (line.startsWith('Ready: ')) {
        clearTimeout(timer);
        resolve({
          child,
          ports,
          stdout,
          stderr: () => stderr,
          adminUrl,
          exited,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before it was ready:\n${stdout.join('\n')}\n${stderr}`));
    });
  });
}
