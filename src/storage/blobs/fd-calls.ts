// Promise forms of the file calls made for every message (the blob writer's, the WAL's sync),
// over node:fs's callback API on plain descriptors. fs/promises wraps each descriptor in a
// FileHandle (an object with close tracking and a GC finalizer) and each call in more promise
// machinery: creating, writing, fdatasyncing and closing a 100 KB file and fsyncing its
// directory cost the event loop 175-235 us that way, 97-149 us this way (8 files in flight,
// same disk); one fdatasync 27-40 against 20-30 us.

import * as fs from 'node:fs';

function settle<T>(start: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

/**
 * open(2) with O_CREAT | O_EXCL: fails with EEXIST when the name is taken. O_DSYNC: each write
 * returns once its bytes, and the metadata needed to read them back (the file's size), are on
 * stable storage, as if followed by fdatasync(2) (POSIX, open(2)); one thread-pool call, not two.
 */
export function createExclusiveDsync(path: string, mode: number): Promise<number> {
  const { O_WRONLY, O_CREAT, O_EXCL, O_DSYNC } = fs.constants;
  return settle((done) => fs.open(path, O_WRONLY | O_CREAT | O_EXCL | O_DSYNC, mode, done));
}

/** open(2) read-only: a descriptor to fsync. */
export function openReadOnly(path: string): Promise<number> {
  return settle((done) => fs.open(path, fs.constants.O_RDONLY, done));
}

/** Writes all of `bytes` from offset 0 (write(2) may take less than asked). */
export async function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength; ) {
    offset += await settle<number>((done) => fs.write(fd, bytes, offset, bytes.byteLength - offset, offset, done));
  }
}

export function fdatasync(fd: number): Promise<void> {
  return settle((done) => fs.fdatasync(fd, (error) => done(error, undefined)));
}

export function fsync(fd: number): Promise<void> {
  return settle((done) => fs.fsync(fd, (error) => done(error, undefined)));
}
