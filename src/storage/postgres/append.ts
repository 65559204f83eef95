// The PostgreSQL append in one statement: postwarden_append (migrations.ts) charges the quota,
// allocates the UID and MODSEQ, inserts the message row and the blob reference and sends the
// change NOTIFY (notify.ts's payload), all on the server. insertAppend's five statements were
// five round trips, each a wake-up of the server process on a shared machine; this is one, and
// a lone append (SMTP delivery to one mailbox, IMAP APPEND) needs no BEGIN or COMMIT either.

import type { Result } from '../../core/result.ts';
import type { AppendedMessage } from '../api.ts';
import type { MailError } from '../mail-error.ts';
import type { AppendStatement } from '../sql/context.ts';
import type { SqlQueries, SqlValue } from '../sql/driver.ts';
import { appended, appendRefused, type AppendRefusal, type PreparedAppend } from '../sql/messages-write.ts';
import type { PostgresDriver } from './driver.ts';
import { CHANNEL } from './notify.ts';

const APPEND = `SELECT r_outcome, r_uid, r_modseq, r_uid_validity FROM postwarden_append(
  ?::bigint, ?::bigint, ?::bigint, ?::text, ?::bytea, ?::integer, ?::text, ?::bigint, ?::bigint, ?::bytea, ?::text)`;

interface AppendRow {
  r_outcome: 'ok' | AppendRefusal;
  r_uid: number | null;
  r_modseq: number | null;
  r_uid_validity: number | null;
}

function parameters(prepared: PreparedAppend, now: number): SqlValue[] {
  const { item, staged } = prepared;
  return [
    item.accountId,
    item.mailboxId,
    staged.size,
    staged.id,
    staged.sealed,
    prepared.bits,
    prepared.keywords,
    item.internalDate?.getTime() ?? now,
    now,
    prepared.cache,
    CHANNEL,
  ];
}

function outcome(prepared: PreparedAppend, row: AppendRow | undefined): Result<AppendedMessage, MailError> {
  if (!row) throw new Error('postwarden_append returned no row');
  if (row.r_outcome !== 'ok') return appendRefused(row.r_outcome, prepared.item);
  return appended(prepared, { firstUid: Number(row.r_uid), modSeq: Number(row.r_modseq), uidValidity: Number(row.r_uid_validity) });
}

export class PostgresAppend implements AppendStatement {
  private readonly driver: PostgresDriver;

  constructor(driver: PostgresDriver) {
    this.driver = driver;
  }

  async run(q: SqlQueries, prepared: PreparedAppend, now: number): Promise<Result<AppendedMessage, MailError>> {
    return outcome(prepared, await q.get<AppendRow>(APPEND, parameters(prepared, now)));
  }

  async alone(prepared: PreparedAppend, now: number): Promise<Result<AppendedMessage, MailError>> {
    return outcome(prepared, await this.driver.single<AppendRow>(APPEND, parameters(prepared, now)));
  }
}
