// SQLite schema migrations, applied in order at open inside one transaction each. The
// PostgreSQL adapter has the same tables (postgres/migrations.ts); keep them in step.
// Timestamps are integer milliseconds since the epoch; booleans are 0/1. Ids use AUTOINCREMENT
// so a deleted account's or mailbox's id is never given to a new one.

import type { DatabaseSync } from 'node:sqlite';

export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE domains (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE dkim_keys (
    domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    selector TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    private_key BLOB NOT NULL,
    public_key TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (domain_id, selector)
  );
  CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain_id INTEGER NOT NULL REFERENCES domains(id),
    address TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    scram_sha256 TEXT NOT NULL,
    wrapped_key BLOB NOT NULL,
    quota_bytes INTEGER,
    used_bytes INTEGER NOT NULL DEFAULT 0,
    message_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX accounts_domain ON accounts(domain_id);
  CREATE TABLE aliases (
    address TEXT NOT NULL,
    domain_id INTEGER NOT NULL REFERENCES domains(id),
    target TEXT NOT NULL,
    PRIMARY KEY (address, target)
  );
  CREATE INDEX aliases_domain ON aliases(domain_id);
  CREATE TABLE mailboxes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    special_use TEXT,
    uid_validity INTEGER NOT NULL,
    uid_next INTEGER NOT NULL DEFAULT 1,
    highest_modseq INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, name)
  );
  CREATE TABLE subscriptions (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
  );
  CREATE TABLE messages (
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    modseq INTEGER NOT NULL,
    flags INTEGER NOT NULL DEFAULT 0,
    keywords TEXT NOT NULL DEFAULT '',
    internal_date INTEGER NOT NULL,
    save_date INTEGER NOT NULL,
    size INTEGER NOT NULL,
    blob_id TEXT NOT NULL,
    cache BLOB,
    PRIMARY KEY (mailbox_id, uid)
  ) WITHOUT ROWID;
  CREATE INDEX messages_modseq ON messages(mailbox_id, modseq);
  CREATE TABLE expunged (
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid INTEGER NOT NULL,
    modseq INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
  ) WITHOUT ROWID;
  CREATE TABLE blobs (
    account_id INTEGER NOT NULL,
    id TEXT NOT NULL,
    refs INTEGER NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (account_id, id)
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE queue_messages (
    id TEXT PRIMARY KEY,
    blob_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    sender TEXT NOT NULL,
    envid TEXT,
    ret TEXT,
    body TEXT NOT NULL,
    smtputf8 INTEGER NOT NULL,
    requiretls INTEGER NOT NULL,
    account_id INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE queue_recipients (
    message_id TEXT NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    orcpt TEXT,
    notify TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_reply TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, recipient)
  );
  CREATE INDEX queue_due ON queue_recipients(state, next_attempt_at);
  `,
  `
  CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
  `
  ALTER TABLE mailboxes ADD COLUMN first_recent_uid INTEGER NOT NULL DEFAULT 1;
  `,
  `
  ALTER TABLE blobs ADD COLUMN inline BLOB;
  `,
  `
  ALTER TABLE queue_recipients ADD COLUMN claimed_by TEXT;
  ALTER TABLE queue_recipients ADD COLUMN claim_until INTEGER;
  ALTER TABLE queue_recipients ADD COLUMN delay_notified INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE queue_messages ADD COLUMN finished_at INTEGER;
  CREATE INDEX queue_finished ON queue_messages(finished_at);
  `,
  `
  ALTER TABLE queue_messages ADD COLUMN prepared INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE queue_messages ADD COLUMN requested_pool TEXT;
  `,
];

/** Applies the migrations the database has not seen yet. */
export function migrateSqlite(db: DatabaseSync): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  db.exec('BEGIN IMMEDIATE');
  try {
    const row = db.prepare('SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations').get() as { version: number };
    for (let version = row.version + 1; version <= SQLITE_MIGRATIONS.length; version++) {
      db.exec(SQLITE_MIGRATIONS[version - 1] ?? '');
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
