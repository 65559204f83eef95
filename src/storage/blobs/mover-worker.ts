// The blob mover's worker thread: writes sealed blobs to their content-addressed files and makes
// them durable (house rule 7: the file fsync'd, renamed into place, its directory fsync'd; new
// directories fsync'd up to the root), then reports which ones are done. It runs on its own
// thread so the file system work of a busy server never stalls the event loop; the database is
// touched only by the main thread. Input: messages from the main thread only.
//
// A file already under the final name is replaced, not trusted: a crash can leave a partial
// file there (writer.ts creates files under their final name), and only the rename of a
// file fsync'd first guarantees whole bytes.

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { ensureDirectory, fsyncPath, temporaryName, writeAll } from './file-ops.ts';

export interface MoveRequest {
  readonly root: string;
  readonly blobs: readonly { readonly owner: number; readonly id: string; readonly sealed: Uint8Array }[];
}

export interface MoveResult {
  readonly done: readonly { readonly owner: number; readonly id: string }[];
  readonly failed: readonly { readonly owner: number; readonly id: string; readonly error: string }[];
}

function writeFile(path: string, sealed: Uint8Array): void {
  const temporary = temporaryName(path);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeAll(fd, sealed);
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
    try {
      ensureDirectory(request.root, dir, dirsToSync);
      writeFile(join(dir, blob.id), blob.sealed);
      dirsToSync.add(dir);
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
