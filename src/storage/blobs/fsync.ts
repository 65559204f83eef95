// fsync helpers for the durability protocol (house rule 7): a file is durable once its data
// is fsync'd and the directory entry that names it is fsync'd too (rename(2) and creat(2)
// change the directory, not the file).

import { closeSync, fsyncSync, openSync, constants } from 'node:fs';
import { close, fsync, openDirectory } from './fd-calls.ts';

export function fsyncDirectorySync(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function fsyncDirectory(dir: string): Promise<void> {
  const fd = await openDirectory(dir);
  try {
    await fsync(fd);
  } finally {
    await close(fd);
  }
}
