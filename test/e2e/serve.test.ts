// `postwarden serve` as an operator runs it: local mode's first start (listeners, admin URL,
// the postmaster password printed once), every protocol listener greeting, TLS 1.2 as the floor, certificate reload on SIGHUP, refusal to start on a
// taken port or a locked data directory, and graceful shutdown on SIGTERM.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as connectTcp, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { generateSelfSigned } from '../../src/tls/certificates.ts';
import { inTempDir, runCli } from '../helpers/cli.ts';
import { startServe } from '../helpers/serve.ts';

/** The first line the server sends; the connection is closed after it. */
function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    let data = '';
    const done = () => {
      socket.destroy();
      resolve(data.split('\r\n')[0] ?? '');
    };
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('\r\n')) done();
    });
    socket.on('close', done);
    socket.on('error', reject);
  });
}

function tlsSession(port: number, options: ConnectionOptions = {}): Promise<{ line: string; socket: TLSSocket; certificate: string }> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
    let data = '';
    let certificate = '';
    socket.once('secureConnect', () => (certificate = socket.getPeerX509Certificate()?.fingerprint256 ?? ''));
    const done = () => {
      socket.destroy();
      resolve({ line: data.split('\r\n')[0] ?? '', socket, certificate });
    };
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      if (data.includes('\r\n')) done();
    });
    socket.on('close', done);
    socket.on('error', reject);
  });
}

describe('serve', () => {
  it('starts in local mode: prints listeners, the admin URL and the postmaster password once', async () => {
    await inTempDir(async (cwd) => {
      const server = await startServe(cwd);
      try {
        for (const name of ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'http']) {
          assert.ok(server.ports.get(name), `${name} is listed`);
        }
        assert.match(server.stdout.join('\n'), /local mode; hostname localhost/);
        const password = /^Created postmaster@localhost with password: (\S+)$/m.exec(server.stdout.join('\n'))?.[1];
        assert.ok(password && password.length >= 16, 'a random password is printed');
        const status = (await (await fetch(`${server.adminUrl}api/v1/status`)).json()) as { hostname: string; listeners: unknown[] };
        assert.equal(status.hostname, 'localhost');
        assert.equal(status.listeners.length, 8);
        assert.equal((await fetch(`${server.adminUrl}no/such/page`)).status, 404);
        assert.match(await firstLine(server.ports.get('smtp') ?? 0), /^220 localhost ESMTP Postwarden$/);
        assert.match(await firstLine(server.ports.get('submission') ?? 0), /^220 /);
        assert.match(await firstLine(server.ports.get('imap') ?? 0), /^\* OK \[CAPABILITY IMAP4rev1 .*STARTTLS.*LOGINDISABLED.*\] Postwarden IMAP4rev2 ready$/);
        assert.equal(await firstLine(server.ports.get('pop3') ?? 0), '+OK Postwarden POP3 server ready');
        assert.match((await tlsSession(server.ports.get('imaps') ?? 0)).line, /^\* OK \[CAPABILITY IMAP4rev1 .*AUTH=PLAIN.*\] Postwarden IMAP4rev2 ready$/);
        assert.match((await tlsSession(server.ports.get('submissions') ?? 0)).line, /^220 /);
        assert.equal((await tlsSession(server.ports.get('pop3s') ?? 0)).line, '+OK Postwarden POP3 server ready');
        const users = await runCli(['user', 'list'], { cwd });
        assert.equal(users.stdout.trim(), 'postmaster@localhost\t0\tunlimited', 'the CLI works beside a running server');
      } finally {
        assert.equal(await server.stop(), 0, server.stderr());
      }
      const again = await startServe(cwd);
      try {
        assert.doesNotMatch(again.stdout.join('\n'), /password/, 'the password is shown only once');
      } finally {
        await again.stop();
      }
    });
  });

  it('logs JSON lines and stops gracefully on SIGTERM, closing sessions after the grace period', async () => {
    await inTempDir(async (cwd) => {
      const server = await startServe(cwd, { POSTWARDEN_SERVER_SHUTDOWN_GRACE_SECONDS: '1' });
      // An implicit-TLS connection that never handshakes stays open until the grace ends.
      const idle = connectTcp({ host: '127.0.0.1', port: server.ports.get('imaps') ?? 0 });
      idle.on('error', () => undefined);
      await new Promise((resolve) => idle.once('connect', resolve));
      const closed = new Promise((resolve) => idle.once('close', resolve));
      assert.equal(await server.stop('SIGTERM'), 0);
      await closed;
      const lines = server.stderr().trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
      assert.ok(lines.some((l) => l.msg === 'listening'));
      assert.ok(lines.some((l) => l.msg === 'stopping'));
      assert.equal(lines.at(-1)?.msg, 'stopped');
    });
  });

  it('accepts TLS 1.2 and 1.3, refuses older versions, and reloads the certificate on SIGHUP', async () => {
    await inTempDir(async (cwd) => {
      const first = await generateSelfSigned('first.example', join(cwd, 'first'));
      const second = await generateSelfSigned('second.example', join(cwd, 'second'));
      const cert = join(cwd, 'cert.pem');
      const key = join(cwd, 'key.pem');
      copyFileSync(first.cert, cert);
      copyFileSync(first.key, key);
      const server = await startServe(cwd, { POSTWARDEN_TLS_CERT: cert, POSTWARDEN_TLS_KEY: key });
      try {
        const port = server.ports.get('imaps') ?? 0;
        const fingerprint = (path: string) => new X509Certificate(readFileSync(path)).fingerprint256;
        assert.equal((await tlsSession(port, { maxVersion: 'TLSv1.2', minVersion: 'TLSv1.2' })).certificate, fingerprint(first.cert));
        assert.equal((await tlsSession(port, { minVersion: 'TLSv1.3' })).certificate, fingerprint(first.cert));
        await assert.rejects(tlsSession(port, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }));
        copyFileSync(second.cert, cert);
        copyFileSync(second.key, key);
        server.child.kill('SIGHUP');
        await waitFor(async () => (await tlsSession(port)).certificate === fingerprint(second.cert));
        writeFileSync(cert, 'not a certificate');
        server.child.kill('SIGHUP');
        await waitFor(async () => server.stderr().includes('TLS reload failed'));
        assert.equal((await tlsSession(port)).certificate, fingerprint(second.cert), 'a bad reload keeps the old certificate');
      } finally {
        assert.equal(await server.stop(), 0);
      }
    });
  });

  it('refuses to start when a port is taken or the data directory is locked', async () => {
    await inTempDir(async (cwd) => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as { port: number }).port;
      try {
        const taken = await runCli(['serve'], { cwd, env: { POSTWARDEN_LISTEN_SMTP: `127.0.0.1:${port}`, POSTWARDEN_LISTEN_HTTP: '' } });
        assert.equal(taken.status, 1);
        assert.match(taken.stderr.trim().split('\n').at(-1) ?? '', new RegExp(`^postwarden: listen\\.smtp \\(127\\.0\\.0\\.1:${port}\\): the port is in use`));
      } finally {
        blocker.close();
      }
      const server = await startServe(cwd);
      try {
        const locked = await runCli(['serve'], { cwd });
        assert.equal(locked.status, 1);
        assert.match(locked.stderr.trim().split('\n').at(-1) ?? '', /^postwarden: the data directory .* is in use by another Postwarden process \(pid \d+\)$/);
      } finally {
        await server.stop();
      }
    });
  });

  it('starts again after being killed with SIGKILL (no stale lock)', async () => {
    await inTempDir(async (cwd) => {
      const server = await startServe(cwd);
      await server.stop('SIGKILL');
      const again = await startServe(cwd);
      assert.equal(await again.stop(), 0);
    });
  });
});

/** Polls a condition with a bound, so a broken reload fails the test instead of hanging it. */
async function waitFor(condition: () => Promise<boolean>, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail('the condition did not become true');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
