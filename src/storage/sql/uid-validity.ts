// UIDVALIDITY for new mailboxes (RFC 9051 §2.3.1.1): strictly increasing across the whole
// store, so a mailbox deleted and created again under the same name never repeats a value.
// It starts from the current time in seconds (fits 32 bits until 2106) and is kept in
// settings, updated under the row's lock.

import type { SqlTransaction } from './driver.ts';

export async function nextUidValidity(tx: SqlTransaction, nowMs: number): Promise<number> {
  const seconds = Math.floor(nowMs / 1000);
  const row = await tx.get<{ value: string }>(
    `INSERT INTO settings (name, value) VALUES ('last_uid_validity', ?)
     ON CONFLICT (name) DO UPDATE SET value = CAST(
       CASE WHEN CAST(settings.value AS BIGINT) + 1 > ? THEN CAST(settings.value AS BIGINT) + 1 ELSE ? END AS TEXT)
     RETURNING value`,
    [String(seconds), seconds, seconds],
  );
  return Number(row?.value);
}
