// The PostgreSQL append in one statement: postwarden_append (migrations.ts) charges the quota,
// allocates the UID and MODSEQ, inserts the message row and the blob reference and sends the
// change NOTIFY (notify.ts's payload), all on the server. insertAppend's five statements were
// five round trips, each a wake-up of a server process on a shared machine; this is one.
//
// Lone appends (an SMTP delivery to one mailbox, an IMAP APPEND) need no BEGIN or COMMIT, and
// they are group-committed: an append starts at once while fewer than MAX_STATEMENTS_IN_FLIGHT
// statements run; otherwise it waits with the others that arrive meanwhile, and they all go
// in the next statement (one round trip, one transaction, one WAL flush). Refusals
// (quota, a missing mailbox) are per append, as values. If the statement itself fails with a
// database error, nothing of it was committed and each append is tried alone, so one bad
// append cannot fail the others; a broken connection fails the group (the outcome is unknown,
// and the caller's retry is the only safe one).

import type { Result } from '../../core/result.ts';
import type { AppendedMessage } from '../api.ts';
import type { MailError } from '../mail-error.ts';
import type { AppendStatement } from '../sql/context.ts';
import type { SqlQueries, SqlValue } from '../sql/driver.ts';
import { appended, appendRefused, type AppendRefusal, type PreparedAppend } from '../sql/messages-write.ts';
import type { PostgresDriver } from './driver.ts';
import { CHANNEL } from './notify.ts';

/** Most appends in one statement (11 parameters each, far below PostgreSQL's 65,535). */
export const MAX_APPENDS_PER_STATEMENT = 64;
/** Statements running at once; appends that arrive meanwhile gather for the next. */
export const MAX_STATEMENTS_IN_FLIGHT = 2;

const ARGUMENTS = '?::bigint, ?::bigint, ?::bigint, ?::text, ?::bytea, ?::integer, ?::text, ?::bigint, ?::bigint, ?::bytea, ?::text';
const COLUMNS = 'r_outcome, r_uid, r_modseq, r_uid_validity';
const ONE = `SELECT 0 AS n, ${COLUMNS} FROM postwarden_append(${ARGUMENTS})`;

const groupStatements: string[] = [];

/** The statement for `count` appends: postwarden_append once per VALUES row, in row order. */
function groupStatement(count: number): string {
  let sql = groupStatements[count];
  if (sql === undefined) {
    const rows = Array.from({ length: count }, (_, n) => `(${n}, ${ARGUMENTS})`).join(', ');
    sql = `SELECT t.n, a.${COLUMNS.split(', ').join(', a.')}
      FROM (VALUES ${rows}) AS t(n, account, mailbox, size, blob_id, sealed, flags, keywords, internal_date, now, cache, channel)
      CROSS JOIN LATERAL postwarden_append(t.account, t.mailbox, t.size, t.blob_id, t.sealed, t.flags, t.keywords, t.internal_date, t.now, t.cache, t.channel) AS a`;
    groupStatements[count] = sql;
  }
  return sql;
}

interface AppendRow {
  n: number;
  r_outcome: 'ok' | AppendRefusal;
  r_uid: number | null;
  r_modseq: number | null;
  r_uid_validity: number | null;
}

interface Waiting {
  readonly prepared: PreparedAppend;
  readonly now: number;
  readonly resolve: (result: Result<AppendedMessage, MailError>) => void;
  readonly reject: (error: unknown) => void;
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

/** A database error (SQLSTATE): the statement was rolled back. */
function rolledBack(error: unknown): boolean {
  return typeof (error as { code?: unknown }).code === 'string';
}

export class PostgresAppend implements AppendStatement {
  private readonly driver: PostgresDriver;
  private waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(driver: PostgresDriver) {
    this.driver = driver;
  }

  async run(q: SqlQueries, prepared: PreparedAppend, now: number): Promise<Result<AppendedMessage, MailError>> {
    return outcome(prepared, await q.get<AppendRow>(ONE, parameters(prepared, now)));
  }

  alone(prepared: PreparedAppend, now: number): Promise<Result<AppendedMessage, MailError>> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ prepared, now, resolve, reject });
      this.startGroups();
    });
  }

  private startGroups(): void {
    while (this.waiting.length > 0 && this.inFlight < MAX_STATEMENTS_IN_FLIGHT) {
      const group = this.waiting.splice(0, MAX_APPENDS_PER_STATEMENT);
      this.inFlight++;
      void this.runGroup(group).finally(() => {
        this.inFlight--;
        this.startGroups();
      });
    }
  }

  private async runGroup(group: readonly Waiting[]): Promise<void> {
    if (group.length === 1) return this.runOne(group[0] as Waiting);
    // One lock order for every group: accounts, then mailboxes, ascending.
    const sorted = [...group].sort((a, b) => a.prepared.item.accountId - b.prepared.item.accountId || a.prepared.item.mailboxId - b.prepared.item.mailboxId);
    let rows: AppendRow[];
    try {
      rows = await this.driver.single<AppendRow>(groupStatement(sorted.length), sorted.flatMap((entry) => parameters(entry.prepared, entry.now)));
    } catch (error) {
      if (!rolledBack(error)) {
        for (const entry of sorted) entry.reject(error);
        return;
      }
      await Promise.all(sorted.map((entry) => this.runOne(entry)));
      return;
    }
    const byIndex = new Map(rows.map((row) => [Number(row.n), row]));
    for (const [index, entry] of sorted.entries()) {
      try {
        entry.resolve(outcome(entry.prepared, byIndex.get(index)));
      } catch (error) {
        entry.reject(error);
      }
    }
  }

  private async runOne(entry: Waiting): Promise<void> {
    try {
      const [row] = await this.driver.single<AppendRow>(ONE, parameters(entry.prepared, entry.now));
      entry.resolve(outcome(entry.prepared, row));
    } catch (error) {
      entry.reject(error);
    }
  }
}
