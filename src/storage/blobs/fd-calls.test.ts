import assert from 'node:assert/strict';
import { closeSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createExclusiveDsync, writeAll } from './fd-calls.ts';

/** open(2)'s access-mode bits (O_ACCMODE, which node:fs does not export). */
const ACCESS_MODE = 0o3;

/** The open(2) flags of one of this process's descriptors, as Linux reports them (octal). */
function openFlags(fd: number): number {
  const line = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').find((l) => l.startsWith('flags:'));
  assert.ok(line, 'fdinfo has a flags line');
  return parseInt(line.slice('flags:'.length).trim(), 8);
}

test('createExclusiveDsync opens a new file for synchronous data writes, and refuses a name that exists', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-fd-calls-'));
  try {
    const path = join(dir, 'blob');
    const fd = await createExclusiveDsync(path, 0o600);
    try {
      assert.equal(openFlags(fd) & constants.O_DSYNC, constants.O_DSYNC);
      assert.equal(openFlags(fd) & ACCESS_MODE, constants.O_WRONLY);
      await writeAll(fd, Buffer.from('sealed bytes'));
    } finally {
      closeSync(fd);
    }
    assert.equal(readFileSync(path, 'utf8'), 'sealed bytes');
    await assert.rejects(createExclusiveDsync(path, 0o600), { code: 'EEXIST' });
    assert.equal(readFileSync(path, 'utf8'), 'sealed bytes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
