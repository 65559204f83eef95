// Database rows and their mapping to the API's records. Column names are the same in both
// adapters; integers arrive as numbers (the PostgreSQL driver parses INT8 as Number).

import type { Account, DkimAlgorithm, Domain, Mailbox, MessageRecord, SpecialUse } from '../api.ts';
import { flagNames } from '../flags.ts';

export interface DomainRow {
  id: number;
  name: string;
  created_at: number;
}

export interface AccountRow {
  id: number;
  domain_id: number;
  address: string;
  password_hash: string;
  scram_sha256: string;
  quota_bytes: number | null;
  used_bytes: number;
  created_at: number;
}

export const ACCOUNT_COLUMNS = 'id, domain_id, address, password_hash, scram_sha256, quota_bytes, used_bytes, created_at';

export interface MailboxRow {
  id: number;
  account_id: number;
  name: string;
  special_use: string | null;
  uid_validity: number;
  uid_next: number;
  highest_modseq: number;
  created_at: number;
}

export const MAILBOX_COLUMNS = 'id, account_id, name, special_use, uid_validity, uid_next, highest_modseq, created_at';

export interface MessageRow {
  mailbox_id: number;
  uid: number;
  modseq: number;
  flags: number;
  keywords: string;
  internal_date: number;
  save_date: number;
  size: number;
  blob_id: string;
  cache?: Uint8Array | null;
}

export const MESSAGE_COLUMNS = 'mailbox_id, uid, modseq, flags, keywords, internal_date, save_date, size, blob_id';

export interface DkimRow {
  domain_id: number;
  selector: string;
  algorithm: string;
  private_key: Uint8Array;
  public_key: string;
  active: number;
  created_at: number;
}

export function toDomain(row: DomainRow): Domain {
  return { id: row.id, name: row.name, createdAt: new Date(row.created_at) };
}

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    domainId: row.domain_id,
    address: row.address,
    credentials: { passwordHash: row.password_hash, scramSha256: row.scram_sha256 },
    quotaBytes: row.quota_bytes,
    usedBytes: row.used_bytes,
    createdAt: new Date(row.created_at),
  };
}

export function toMailbox(row: MailboxRow): Mailbox {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    specialUse: row.special_use as SpecialUse | null,
    uidValidity: row.uid_validity,
    uidNext: row.uid_next,
    highestModSeq: row.highest_modseq,
    createdAt: new Date(row.created_at),
  };
}

/** RFC 8474 §5.1 EMAILID: derived from the content id, so copies share it. */
export function emailIdOf(blobId: string): string {
  return `M${blobId.slice(0, 24)}`;
}

export function toMessage(row: MessageRow, cache?: string | null): MessageRecord {
  const record: MessageRecord = {
    mailboxId: row.mailbox_id,
    uid: row.uid,
    modSeq: row.modseq,
    flags: flagNames(row.flags, row.keywords),
    internalDate: new Date(row.internal_date),
    saveDate: new Date(row.save_date),
    size: row.size,
    blobId: row.blob_id,
    emailId: emailIdOf(row.blob_id),
  };
  return cache === undefined ? record : { ...record, cache };
}

export function isDkimAlgorithm(value: string): value is DkimAlgorithm {
  return value === 'rsa-sha256' || value === 'ed25519-sha256';
}
