/**
 * Retention of reconciliations (decision 0009): a run and its differences go once it is older than the
 * flow's run retention, like runs and traces, in small batches. One kind stays whatever its age: the
 * newest finished reconciliation of a flow while it still has open differences, because those wait
 * for a person to apply or leave them. An older run's open differences are superseded by the newer
 * comparison and go with it.
 */
import type { Kysely } from 'kysely';
import type { SyncDatabase } from './kysely-sync-store.js';

/** Runs one statement in its own write transaction (the adapter's, so SQLite's writer queue is respected). */
export type SyncWriteTx = <T>(fn: (trx: Kysely<SyncDatabase>) => Promise<T>) => Promise<T>;

/** The cutoffs that apply (the run retention's) and the batch size. */
export interface ReconcileCutoffs {
  runsBefore: string;
  flowRunsBefore?: Record<string, string>;
  batchSize: number;
}

/** What one pass deleted; `complete` is false when the budget ran out first. */
export interface ReconcilePurge {
  runs: number;
  diffs: number;
  complete: boolean;
}

/**
 * Deletes old reconciliations with their differences and any snapshot rows a crashed run left,
 * `batchSize` rows per transaction; every transaction that deleted something spends one of `budget.left`.
 */
export async function purgeReconciliations(db: Kysely<SyncDatabase>, write: SyncWriteTx, c: ReconcileCutoffs, budget: { left: number }): Promise<ReconcilePurge> {
  const out: ReconcilePurge = { runs: 0, diffs: 0, complete: true };
  const flows = (await db.selectFrom('reconcile_runs').select('flow').distinct().execute()).map((r) => r.flow);
  for (const flow of flows) {
    const before = c.flowRunsBefore?.[flow] ?? c.runsBefore;
    const newest = await db.selectFrom('reconcile_runs').select('id').where('flow', '=', flow).where('status', '=', 'ready').orderBy('started_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    for (;;) {
      let q = db.selectFrom('reconcile_runs as r').select('r.id').where('r.flow', '=', flow).where('r.started_at', '<', before);
      if (newest) {
        const keep = newest.id;
        q = q.where((eb) =>
          eb.or([
            eb('r.id', '<>', keep),
            eb.not(eb.exists(eb.selectFrom('reconcile_diffs as d').select('d.seq').whereRef('d.run_id', '=', 'r.id').where('d.status', '=', 'open'))),
          ]),
        );
      }
      const ids = (await q.orderBy('r.started_at').limit(c.batchSize).execute()).map((r) => r.id);
      if (!ids.length) break;
      for (const id of ids) {
        if (!(await purgeRun(write, id, c.batchSize, budget, out))) return { ...out, complete: false };
      }
      if (ids.length < c.batchSize) break;
    }
  }
  return out;
}

/** Deletes one run's differences and snapshot rows batch by batch, then the run; false when the budget ran out first. */
async function purgeRun(write: SyncWriteTx, runId: string, batchSize: number, budget: { left: number }, out: ReconcilePurge): Promise<boolean> {
  for (;;) {
    if (budget.left <= 0) return false;
    // By range up to the batch's last number (an `IN (… LIMIT n)` runs as a subplan per row on PostgreSQL).
    const n = await write(async (trx) => {
      const edge = await trx.selectFrom('reconcile_diffs').select('seq').where('run_id', '=', runId).orderBy('seq').offset(batchSize - 1).limit(1).executeTakeFirst();
      let q = trx.deleteFrom('reconcile_diffs').where('run_id', '=', runId);
      if (edge) q = q.where('seq', '<=', edge.seq);
      const res = await q.executeTakeFirst();
      return Number(res.numDeletedRows);
    });
    if (n > 0) budget.left--;
    out.diffs += n;
    if (n < batchSize) break;
  }
  for (;;) {
    if (budget.left <= 0) return false;
    const n = await write(async (trx) => {
      const edge = await trx.selectFrom('reconcile_rows').select(['side', 'external_id']).where('run_id', '=', runId).orderBy('side').orderBy('external_id').offset(batchSize - 1).limit(1).executeTakeFirst();
      let q = trx.deleteFrom('reconcile_rows').where('run_id', '=', runId);
      if (edge) q = q.where((eb) => eb.or([eb('side', '<', edge.side), eb.and([eb('side', '=', edge.side), eb('external_id', '<=', edge.external_id)])]));
      const res = await q.executeTakeFirst();
      return Number(res.numDeletedRows);
    });
    if (n > 0) budget.left--;
    if (n < batchSize) break;
  }
  if (budget.left <= 0) return false;
  await write((trx) => trx.deleteFrom('reconcile_runs').where('id', '=', runId).execute());
  budget.left--;
  out.runs += 1;
  return true;
}
