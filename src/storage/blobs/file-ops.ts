// Synchronous file steps of the blob durability protocol (house rule 7), for the blob mover's
// worker thread (mover-worker.ts), never for the event loop: new
// directories made durable up to the root, whole writes, fsync of files and directories.
// Input: paths built by the blob store from an owner number and a hex content id.

import { closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function fsyncPath(path: string): void {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates a directory; every level it created goes into `toSync` (the parent's entry must be
 * synced too, so a crash cannot lose the directory that names a durable file).
 */
export function ensureDirectory(root: string, dir: string, toSync: Set<string>): void {
  if (existsSync(dir)) return;
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created === undefined) return;
  let child = resolve(dir);
  const first = resolve(created);
  while (child.length >= first.length && child !== resolve(root, '..')) {
    toSync.add(dirname(child));
    child = dirname(child);
  }
}

export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.byteLength; ) offset += writeSync(fd, bytes, offset);
}

/** A unique temporary name beside `path`; the orphan sweep recognizes ".tmp-". */
export function temporaryName(path: string): string {
  return `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
}
