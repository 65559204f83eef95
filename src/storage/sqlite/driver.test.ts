// The SQLite driver's group commit: concurrent writes share one commit, a failing unit rolls
// back only itself, results and commit hooks come only after the commit, and readers never
// see a batch's uncommitted rows.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Checkpointer, type CheckpointSchedule } from './checkpointer.ts';
import { SqliteDriver } from './driver.ts';

async function withDriver(fn: (driver: SqliteDriver, path: string) => Promise<void>, checkpoint?: CheckpointSchedule): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'postwarden-driver-'));
  const path = join(dir, 'test.db');
  const driver = new SqliteDriver({ path, ...(checkpoint ? { checkpoint } : {}), migrate: (db) => db.exec('CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY, data BLOB)') });
  try {
    await fn(driver, path);
  } finally {
    await driver.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const count = (driver: SqliteDriver) => driver.read(async (q) => (await q.get<{ n: number }>('SELECT COUNT(*) AS n FROM t'))?.n);

describe('sqlite driver', () => {
  it('commits concurrent writers together; a failing unit rolls back alone', async () => {
    await withDriver(async (driver) => {
      const writes = Array.from({ length: 20 }, (_, n) =>
        driver.write(async (tx) => {
          await tx.run('INSERT INTO t (n) VALUES (?)', [n]);
          if (n === 7) throw new Error('unit 7 fails');
          return n;
        }),
      );
      const settled = await Promise.allSettled(writes);
      assert.equal(settled.filter((s) => s.status === 'rejected').length, 1);
      assert.equal((settled[7] as PromiseRejectedResult).reason.message, 'unit 7 fails');
      assert.equal(await count(driver), 19);
      const rows = await driver.read((q) => q.all<{ n: number }>('SELECT n FROM t ORDER BY n'));
      assert.ok(!rows.some((row) => row.n === 7));
    });
  });

  it('resolves and runs commit hooks only after the commit; never for a rolled-back unit', async () => {
    await withDriver(async (driver) => {
      const events: string[] = [];
      let seenInsideBeforeCommit: number | undefined;
      const ok = driver.write(async (tx) => {
        await tx.run('INSERT INTO t (n) VALUES (1)');
        seenInsideBeforeCommit = await count(driver);
        tx.afterCommit(() => events.push('commit-ok'));
        tx.finally(() => events.push('end-ok'));
        return 'ok';
      });
      const failed = driver.write(async (tx) => {
        tx.afterCommit(() => events.push('commit-failed'));
        tx.finally(() => events.push('end-failed'));
        throw new Error('no');
      });
      // The failing unit is rejected at once; the other waits for the WAL sync.
      const [value] = await Promise.all([ok, assert.rejects(failed)]);
      assert.equal(value, 'ok');
      assert.equal(seenInsideBeforeCommit, 0, 'the reader does not see uncommitted rows');
      assert.deepEqual(events, ['commit-ok', 'end-ok', 'end-failed']);
    });
  });

  it('rolls back a savepoint without losing the rest of the unit', async () => {
    await withDriver(async (driver) => {
      await driver.write(async (tx) => {
        await tx.run('INSERT INTO t (n) VALUES (1)');
        await assert.rejects(
          tx.savepoint(async () => {
            await tx.run('INSERT INTO t (n) VALUES (2)');
            throw new Error('inner');
          }),
        );
        await tx.run('INSERT INTO t (n) VALUES (3)');
      });
      const rows = await driver.read((q) => q.all<{ n: number }>('SELECT n FROM t ORDER BY n'));
      assert.deepEqual(rows.map((row) => row.n), [1, 3]);
    });
  });

  it('fails the whole batch when COMMIT fails, and every writer hears it', async () => {
    await withDriver(async (driver) => {
      // A deferred foreign-key violation is only detected at COMMIT.
      await driver.write(async (tx) => {
        await tx.run('CREATE TABLE parent (id INTEGER PRIMARY KEY)');
        await tx.run('CREATE TABLE child (p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)');
      });
      const hooks: string[] = [];
      const a = driver.write(async (tx) => {
        await tx.run('INSERT INTO t (n) VALUES (1)');
        tx.afterCommit(() => hooks.push('a'));
      });
      const b = driver.write(async (tx) => {
        await tx.run('INSERT INTO child (p) VALUES (42)');
      });
      await assert.rejects(a);
      await assert.rejects(b);
      assert.deepEqual(hooks, []);
      assert.equal(await count(driver), 0);
      await driver.write(async (tx) => tx.run('INSERT INTO t (n) VALUES (5)'));
      assert.equal(await count(driver), 1, 'the driver works after a failed commit');
    });
  });

  it('refuses work after close and closes only once', async () => {
    await withDriver(async (driver) => {
      await driver.close();
      await driver.close();
      await assert.rejects(driver.write(async () => 1), /closed/);
    });
  });

  for (const schedule of [
    { everyCommits: 10, intervalMs: 60_000 },
    { everyCommits: 1_000_000, intervalMs: 200 },
  ]) {
    it(`copies committed WAL frames into the database on its own thread (after ${schedule.everyCommits} commits or ${schedule.intervalMs} ms), and truncates the WAL on request`, async () => {
      await withDriver(async (driver, path) => {
        const rows = 300;
        const data = Buffer.alloc(16 * 1024, 1);
        // One commit each: the count of commits is what one of the two schedules waits for.
        for (let n = 0; n < rows; n++) await driver.write((tx) => tx.run('INSERT INTO t (n, data) VALUES (?, ?)', [n, data]));
        // The writer never checkpoints (a COMMIT would sync on the event loop); the checkpointer
        // thread does. Bounded wait: 200 × 50 ms.
        let databaseBytes = 0;
        for (let attempt = 0; attempt < 200 && databaseBytes < rows * data.length; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          databaseBytes = statSync(path).size;
        }
        assert.ok(databaseBytes >= rows * data.length, `the database file holds ${databaseBytes} bytes`);
        assert.ok(statSync(`${path}-wal`).size > 0);
        await driver.checkpoint();
        assert.equal(statSync(`${path}-wal`).size, 0);
        assert.equal(await count(driver), rows);
      }, schedule);
    });
  }

  it('hands checkpoints back to the writer if the thread dies, not when it is closed', async () => {
    const previous = process.listeners('warning');
    process.removeAllListeners('warning');
    try {
      let stopped = 0;
      // A database the thread cannot open: it fails at once.
      const failing = new Checkpointer(join(tmpdir(), 'postwarden-no-such-dir', 'x.db'), 100, () => stopped++);
      failing.committed();
      for (let attempt = 0; attempt < 200 && stopped === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.equal(stopped, 1);
      await failing.close();
      await withDriver(async (driver, path) => {
        let closedStops = 0;
        const healthy = new Checkpointer(path, 100, () => closedStops++);
        healthy.committed();
        await healthy.close();
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(closedStops, 0);
        assert.equal(await count(driver), 0);
      });
    } finally {
      for (const listener of previous) process.on('warning', listener);
    }
  });
});
