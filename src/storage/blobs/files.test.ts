// The file blob store: small blobs live in their row and are durable with the commit; large ones
// are written to their content-addressed files before the transaction, which only references
// them; reference counting removes files when the last reference goes, never while a blob is
// staged again; the orphan sweep removes only what nothing needs.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteDriver } from '../sqlite/driver.ts';
import { FILE_MIN_OCTETS, FileBlobStore, ORPHAN_MIN_AGE_MS } from './files.ts';

const SCHEMA = 'CREATE TABLE IF NOT EXISTS blobs (account_id INTEGER, id TEXT, refs INTEGER, size INTEGER, inline BLOB, PRIMARY KEY (account_id, id))';

async function setup(fn: (store: FileBlobStore, driver: SqliteDriver, root: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'postwarden-blobs-'));
  const driver = new SqliteDriver({ path: join(dir, 'db'), migrate: (db) => db.exec(SCHEMA) });
  const root = join(dir, 'blobs');
  await mkdir(root);
  const store = new FileBlobStore(root);
  try {
    await fn(store, driver, root);
  } finally {
    await store.close();
    await driver.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const ID = 'ab'.repeat(32);
const bytes = Buffer.from('sealed bytes');
const inlineOf = (driver: SqliteDriver) =>
  driver.read(async (q) => (await q.get<{ inline: Uint8Array | null }>('SELECT inline FROM blobs WHERE account_id = 1 AND id = ?', [ID]))?.inline);

const large = () => Buffer.alloc(FILE_MIN_OCTETS, 7);
const pathOf = (root: string) => join(root, '1', 'ab', ID);

describe('file blob store', () => {
  it('writes a large blob to its file before the transaction, which only references it', async () => {
    await setup(async (store, driver, root) => {
      const staged = await store.stage(1, ID, 5, large());
      assert.ok(staged.inFile && existsSync(pathOf(root)), 'the file is durable before the commit');
      await driver.write(async (tx) => store.addStaged(tx, staged));
      store.unstage(staged);
      assert.equal(await inlineOf(driver), null, 'no inline copy');
      assert.deepEqual(Buffer.from((await store.read(await driver.read(async (q) => q), 1, ID)) ?? []), large());
    });
  });

  it('removes a file it created for transactions that all rolled back, and keeps one a row references', async () => {
    await setup(async (store, driver, root) => {
      const lost = await store.stage(1, ID, 5, large());
      await assert.rejects(driver.write(async (tx) => {
        await store.addStaged(tx, lost);
        throw new Error('rolled back');
      }));
      store.unstage(lost);
      await waitUntil(() => !existsSync(pathOf(root)));
      const kept = await store.stage(1, ID, 5, large());
      await driver.write(async (tx) => store.addStaged(tx, kept));
      store.unstage(kept);
      const again = await store.stage(1, ID, 5, large());
      await assert.rejects(driver.write(async () => Promise.reject(new Error('rolled back'))));
      store.unstage(again);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(existsSync(pathOf(root)), 'the referenced file stays');
    });
  });

  it('never loses a file when the last reference goes while the same content is written again', async () => {
    await setup(async (store, driver, root) => {
      for (let round = 0; round < 20; round++) {
        const first = await store.stage(1, ID, 5, large());
        await driver.write(async (tx) => store.addStaged(tx, first));
        store.unstage(first);
        const dropped = driver.write(async (tx) => store.dropRefs(tx, 1, ID, 1));
        // Staged before, during or after the drop's commit and unlink, depending on the round.
        const second = new Promise((resolve) => setTimeout(resolve, round % 4)).then(async () => {
          const staged = await store.stage(1, ID, 5, large());
          await driver.write(async (tx) => store.addStaged(tx, staged));
          store.unstage(staged);
        });
        await Promise.all([dropped, second]);
        await new Promise((resolve) => setTimeout(resolve, 5));
        assert.ok(existsSync(pathOf(root)), `round ${round}: the file of the new reference exists`);
        await driver.write(async (tx) => store.dropRefs(tx, 1, ID, 1));
        await waitUntil(() => !existsSync(pathOf(root)));
      }
    });
  });

  it('keeps a small blob in its row, with no file, and readable at once', async () => {
    await setup(async (store, driver, root) => {
      const staged = await store.stage(1, ID, 5, bytes);
      assert.ok(!staged.inFile);
      await driver.write(async (tx) => store.addStaged(tx, staged));
      store.unstage(staged);
      assert.deepEqual(Buffer.from((await store.read(await driver.read(async (q) => q), 1, ID)) ?? []), bytes);
      assert.deepEqual(Buffer.from((await inlineOf(driver)) ?? []), bytes, 'the bytes are in the row');
      assert.ok(!existsSync(pathOf(root)), 'no file');
    });
  });

  it('counts references and removes the file after the last one is committed away', async () => {
    await setup(async (store, driver, root) => {
      const staged = await store.stage(1, ID, 5, large());
      await driver.write(async (tx) => store.addStaged(tx, staged));
      store.unstage(staged);
      await driver.write(async (tx) => store.addRefs(tx, 1, ID, 2));
      await driver.write(async (tx) => store.dropRefs(tx, 1, ID, 2));
      assert.ok(existsSync(pathOf(root)));
      await driver.write(async (tx) => store.dropRefs(tx, 1, ID, 1));
      await waitUntil(() => !existsSync(pathOf(root)));
      assert.equal(await store.read(await driver.read(async (q) => q), 1, ID), undefined);
      await assert.rejects(driver.write(async (tx) => store.addRefs(tx, 1, ID, 1)), /missing/);
    });
  });

  it('reads a large blob an earlier version left in its row, and deletes its row with the last reference', async () => {
    await setup(async (store, driver) => {
      await driver.write((tx) => tx.run('INSERT INTO blobs (account_id, id, refs, size, inline) VALUES (1, ?, 1, 5, ?)', [ID, large()]));
      assert.deepEqual(Buffer.from((await store.read(await driver.read(async (q) => q), 1, ID)) ?? []), large());
      await driver.write(async (tx) => store.dropRefs(tx, 1, ID, 1));
      assert.equal(await store.read(await driver.read(async (q) => q), 1, ID), undefined);
    });
  });

  it('sweeps old unreferenced files and temporary leftovers, and nothing else', async () => {
    await setup(async (store, driver, root) => {
      const kept = await store.stage(1, ID, 5, large());
      await driver.write(async (tx) => store.addStaged(tx, kept));
      store.unstage(kept);
      const orphan = 'cd'.repeat(32);
      const fresh = 'ef'.repeat(32);
      await mkdir(join(root, '1', 'cd'), { recursive: true });
      await mkdir(join(root, '1', 'ef'), { recursive: true });
      await writeFile(join(root, '1', 'cd', orphan), 'orphan');
      await writeFile(join(root, '1', 'ef', fresh), 'fresh');
      const leftover = join(root, '1', 'cd', `${orphan}.tmp-123-x`);
      await writeFile(leftover, 'partial');
      const old = new Date(Date.now() - 2 * ORPHAN_MIN_AGE_MS);
      for (const path of [join(root, '1', 'ab', ID), join(root, '1', 'cd', orphan), leftover]) await utimes(path, old, old);
      const referenced = async (owner: number, id: string) =>
        driver.read(async (q) => (await q.get('SELECT 1 AS one FROM blobs WHERE account_id = ? AND id = ?', [owner, id])) !== undefined);
      assert.equal(await store.sweepOrphans(referenced), 2);
      assert.ok(existsSync(join(root, '1', 'ab', ID)), 'a referenced file stays');
      assert.ok(existsSync(join(root, '1', 'ef', fresh)), 'a young file stays');
      assert.ok(!existsSync(join(root, '1', 'cd', orphan)));
      assert.ok(!existsSync(leftover));
    });
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), 'the condition did not become true');
}
