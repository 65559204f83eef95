// Named leases with an owner and an expiry: a lock that frees itself when its holder dies
// (POP3 maildrop locks, RFC 1939 §8 "exclusive-access lock"; later the queue's workers). One
// conditional upsert decides, so two processes sharing PostgreSQL cannot both hold a lease.

import type { StoreContext } from './context.ts';

export async function acquireLease(ctx: StoreContext, name: string, owner: string, ttlMs: number): Promise<boolean> {
  const now = ctx.clock.now();
  const row = await ctx.driver.write((tx) =>
    tx.get<{ owner: string }>(
      `INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE leases.expires_at <= ? OR leases.owner = excluded.owner
       RETURNING owner`,
      [name, owner, now + ttlMs, now],
    ),
  );
  return row?.owner === owner;
}

export async function releaseLease(ctx: StoreContext, name: string, owner: string): Promise<void> {
  await ctx.driver.write((tx) => tx.run('DELETE FROM leases WHERE name = ? AND owner = ?', [name, owner]));
}
