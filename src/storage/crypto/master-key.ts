// The master key wraps every account's data key and the DKIM private keys. It comes from the
// config (storage.master_key, or POSTWARDEN_STORAGE_MASTER_KEY) or from data_dir/master.key,
// created on first start with mode 0600 and fsync'd. Its fingerprint is recorded in the
// database so a wrong key is refused at start instead of producing unreadable mail.

import { createHash, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/user-error.ts';
import { fsyncDirectorySync } from '../blobs/fsync.ts';
import { KEY_BYTES } from './seal.ts';

export const MASTER_KEY_FILE = 'master.key';

export interface MasterKey {
  readonly key: KeyObject;
  /** SHA-256 of the key, hex; safe to store. */
  readonly fingerprint: string;
}

export function masterKeyFromHex(hex: string): MasterKey {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new UserError('the master key must be 64 hexadecimal digits');
  const raw = Buffer.from(hex, 'hex');
  return { key: createSecretKey(raw), fingerprint: fingerprintOf(raw) };
}

/**
 * A secret for one purpose (e.g. "verp"), derived from the master key with HKDF-SHA256
 * (RFC 5869), so every process sharing the master key shares it and nothing new is stored.
 */
export function deriveSecret(master: MasterKey, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master.key.export(), Buffer.alloc(0), `postwarden ${purpose}`, KEY_BYTES));
}

function fingerprintOf(key: Uint8Array): string {
  return createHash('sha256').update('postwarden-master-key\0').update(key).digest('hex');
}

/** Reads data_dir/master.key, creating it (exclusively, durably) when it does not exist. */
export function loadOrCreateMasterKey(dataDir: string): MasterKey {
  const path = join(dataDir, MASTER_KEY_FILE);
  try {
    return masterKeyFromHex(readFileSync(path, 'utf8').trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (error instanceof UserError) throw new UserError(`${path}: ${error.message}`);
      throw new UserError(`cannot read the master key ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  const hex = randomBytes(KEY_BYTES).toString('hex');
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateMasterKey(dataDir);
    throw error;
  }
  try {
    writeSync(fd, `${hex}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncDirectorySync(dataDir);
  return masterKeyFromHex(hex);
}
