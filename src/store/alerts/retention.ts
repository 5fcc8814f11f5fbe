/**
 * Retention of alerts (decision 0016): a resolved alert and its deliveries go once it was resolved
 * before the run retention's cutoff, in small batches. Open, acknowledged and silenced alerts stay
 * whatever their age: they still describe something happening now.
 */
import type { Kysely } from 'kysely';
import type { AlertDatabase } from './kysely-alert-store.js';

/** Runs one statement in its own write transaction (the adapter's, so SQLite's writer queue is respected). */
export type AlertWriteTx = <T>(fn: (trx: Kysely<AlertDatabase>) => Promise<T>) => Promise<T>;

/**
 * Deletes alerts resolved before `resolvedBefore` with their deliveries, `batchSize` alerts per
 * transaction; every transaction that deleted something spends one of `budget.left`.
 */
export async function purgeResolvedAlerts(write: AlertWriteTx, resolvedBefore: string, batchSize: number, budget: { left: number }): Promise<{ alerts: number; complete: boolean }> {
  let alerts = 0;
  for (;;) {
    if (budget.left <= 0) return { alerts, complete: false };
    const n = await write(async (trx) => {
      const ids = (await trx.selectFrom('alerts').select('id').where('status', '=', 'resolved').where('resolved_at', '<', resolvedBefore).limit(batchSize).execute()).map((r) => r.id);
      if (ids.length === 0) return 0;
      await trx.deleteFrom('alert_deliveries').where('alert_id', 'in', ids).execute();
      await trx.deleteFrom('alerts').where('id', 'in', ids).execute();
      return ids.length;
    });
    if (n > 0) budget.left--;
    alerts += n;
    if (n < batchSize) return { alerts, complete: true };
  }
}
