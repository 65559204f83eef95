// The blob mover's worker thread: writes sealed blobs to their content-addressed files and makes
// them durable (house rule 7: the file fsync'd, renamed into place, its directory fsync'd; new
// directories fsync'd up to the root), then reports which ones are done. It runs on its own
// thread so the file system work of a busy server never stalls the event loop; the database is
// touched only by the main thread. Input: messages from the main thread only.

import { closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parentPort } from 'node:worker_threads';

export interface MoveRequest {
  readonly root: string;
  readonly blobs: readonly { readonly owner: number; readonly id: string; readonly sealed: Uint8Array }[];
}

export interface MoveResult {
  readonly done: readonly { readonly owner: number; readonly id: string }[];
  readonly failed: readonly { readonly owner: number; readonly id: string; readonly error: string }[];
}

function fsyncPath(path: string): void {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates a directory and makes every new level durable (the parent's entry must be synced). */
function ensureDirectory(root: string, dir: string, synced: Set<string>): void {
  if (existsSync(dir)) return;
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created === undefined) return;
  let child = resolve(dir);
  const first = resolve(created);
  while (child.length >= first.length && child !== resolve(root, '..')) {
    synced.add(dirname(child));
    child = dirname(child);
  }
}

function writeFile(path: string, sealed: Uint8Array): void {
  const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    for (let offset = 0; offset < sealed.byteLength; ) offset += writeSync(fd, sealed, offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temporary);
    throw error;
  }
  closeSync(fd);
  renameSync(temporary, path);
}

function move(request: MoveRequest): MoveResult {
  const done: { owner: number; id: string }[] = [];
  const failed: { owner: number; id: string; error: string }[] = [];
  const dirsToSync = new Set<string>();
  const written: { owner: number; id: string }[] = [];
  for (const blob of request.blobs) {
    const dir = join(request.root, String(blob.owner), blob.id.slice(0, 2));
    const path = join(dir, blob.id);
    try {
      ensureDirectory(request.root, dir, dirsToSync);
      // A file under this name is already durable: it was renamed into place only after its fsync.
      if (!existsSync(path)) {
        writeFile(path, blob.sealed);
        dirsToSync.add(dir);
      }
      written.push({ owner: blob.owner, id: blob.id });
    } catch (error) {
      failed.push({ owner: blob.owner, id: blob.id, error: (error as Error).message });
    }
  }
  // One fsync per directory covers every rename into it (group commit of directory syncs).
  try {
    for (const dir of dirsToSync) fsyncPath(dir);
    done.push(...written);
  } catch (error) {
    for (const blob of written) failed.push({ ...blob, error: (error as Error).message });
  }
  return { done, failed };
}

parentPort?.on('message', (request: MoveRequest) => {
  parentPort?.postMessage(move(request));
});
