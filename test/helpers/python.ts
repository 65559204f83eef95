// Runs a Python script from test/interop/python/ with JSON arguments and reads its JSON
// result: how the tests drive Python's standard clients (smtplib, imaplib, poplib).

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './cli.ts';

export async function runPython<T>(script: string, input: unknown): Promise<T> {
  const path = join(ROOT, 'test', 'interop', 'python', script);
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [path], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0) return reject(new Error(`${script} exited ${status}: ${stderr}`));
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`${script} printed no JSON: ${stdout}\n${stderr}`));
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}
