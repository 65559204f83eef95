// The file blob store: durable writes into content-addressed paths, reference counting in the
// same transaction as the rows, the guard that keeps a re-staged blob from being unlinked, and
// the orphan sweep.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteDriver } from '../sqlite/driver.ts';
import { FileBlobStore, ORPHAN_MIN_AGE_MS } from './files.ts';

async function setup(fn: (store: FileBlobStore, driver: SqliteDriver, root: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'postwarden-blobs-'));
  const driver = new SqliteDriver({
    path: join(dir, 'db'),
    migrate: (db) => db.exec('CREATE TABLE IF NOT EXISTS blobs (account_id INTEGER, id TEXT, refs INTEGER, size INTEGER, PRIMARY KEY (account_id, id))'),
  });
  const root = join(dir, 'blobs');
  await mkdir(root);
  try {
    await fn(new FileBlobStore(root), driver, root);
  } finally {
    await driver.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const ID = 'ab'.repeat(32);
const bytes = Buffer.from('sealed bytes');

describe('file blob store', () => {
  it('stages durably, counts references, and unlinks after the last reference is committed away', async () => {
    await setup(async (store, driver, root) => {
      const staged = await store.stage(1, ID, 5, bytes);
      const path = join(root, '1', 'ab', ID);
      assert.ok(existsSync(path), 'the file exists before the transaction');
      assert.deepEqual((await readdir(join(root, '1', 'ab'))).filter((n) => n.startsWith('.tmp')), [], 'no temporary file is left');
      await driver.write(async (tx) => store.addStaged(tx, staged));
      store.unstage(staged);
      await driver.write(async (tx) => store.addRefs(tx, 1, ID, 2));
      await driver.write(async (tx) => store.dropRefs(tx, 1, ID, 2));
      assert.deepEqual(await store.read(await driver.read(async (q) => q), 1, ID), bytes);
      await driver.write(async (tx) => store.dropRefs(tx, 1, ID, 1));
      await waitUntil(() => !existsSync(path));
      assert.equal(await store.read(await driver.read(async (q) => q), 1, ID), undefined);
    });
  });

  it('keeps a file that another transaction staged again before the unlink', async () => {
    await setup(async (store, driver, root) => {
      const first = await store.stage(1, ID, 5, bytes);
      await driver.write(async (tx) => store.addStaged(tx, first));
      store.unstage(first);
      const again = await store.stage(1, ID, 5, bytes);
      await driver.write(async (tx) => store.dropRefs(tx, 1, ID, 1));
      await driver.write(async (tx) => store.addStaged(tx, again));
      store.unstage(again);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(existsSync(join(root, '1', 'ab', ID)), 'the re-referenced blob survives');
    });
  });

  it('refuses a reference to a blob that is not there', async () => {
    await setup(async (store, driver) => {
      await assert.rejects(driver.write(async (tx) => store.addRefs(tx, 1, ID, 1)), /missing/);
    });
  });

  it('sweeps old unreferenced files and temporary leftovers, and nothing else', async () => {
    await setup(async (store, driver, root) => {
      const kept = await store.stage(1, ID, 5, bytes);
      await driver.write(async (tx) => store.addStaged(tx, kept));
      store.unstage(kept);
      const orphan = 'cd'.repeat(32);
      await store.stage(1, orphan, 5, bytes).then((s) => store.unstage(s));
      const fresh = 'ef'.repeat(32);
      await store.stage(1, fresh, 5, bytes).then((s) => store.unstage(s));
      const leftover = join(root, '1', 'cd', `.tmp-${orphan}-123`);
      await writeFile(leftover, 'partial');
      const old = new Date(Date.now() - 2 * ORPHAN_MIN_AGE_MS);
      for (const path of [join(root, '1', 'ab', ID), join(root, '1', 'cd', orphan), leftover]) await utimes(path, old, old);
      const referenced = async (owner: number, id: string) =>
        driver.read(async (q) => (await q.get('SELECT 1 AS one FROM blobs WHERE account_id = ? AND id = ?', [owner, id])) !== undefined);
      assert.equal(await store.sweepOrphans(referenced), 2);
      assert.ok(existsSync(join(root, '1', 'ab', ID)), 'a referenced file stays');
      assert.ok(existsSync(join(root, '1', 'ef', fresh)), 'a young file stays (its transaction may still commit)');
      assert.ok(!existsSync(join(root, '1', 'cd', orphan)));
      assert.ok(!existsSync(leftover));
    });
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), 'the condition did not become true');
}
