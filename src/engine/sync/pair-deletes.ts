/**
 * Deletes, inactivation and merges in a two-way pair. A record reported gone (deleted, inactive by the
 * side's `inactive` status, or merged away) is tombstoned so a late update never brings it back; its
 * partner gets the side's `onDelete` action; a merge re-points the pair and the cross-reference to the
 * surviving record instead of deleting anything.
 */
import { SyncError } from '../../core/errors.js';
import type { Fields, JsonValue } from '../../core/json.js';
import { otherSide, sideName, type SideKey, type SyncSideDef } from '../../core/sync.js';
import type { SyncPair, TombstoneReason } from '../../store/sync/types.js';
import type { TraceInput } from '../../store/types.js';
import type { PairRun } from './pair-runner.js';
import { settlePair } from './pair-runner.js';
import { same } from './settle.js';

/** True when the record carries the side's inactive status (ERP inactivation counts as a delete). */
export function isInactive(side: SyncSideDef, data: Fields): boolean {
  return side.inactive !== undefined && same(data[side.inactive.field], side.inactive.value);
}

/** The surviving record's id when `data` is a merged-away record (`mergedInto: MasterRecordId`). */
function survivor(side: SyncSideDef, data: Fields, id: string): string | null {
  if (!side.mergedInto) return null;
  const v = data[side.mergedInto];
  return typeof v === 'string' && v !== '' && v !== id ? v : null;
}

/** Settles record `id` of side `s` being gone: tombstone, partner action, or merge re-pointing. */
export async function handleGone(run: PairRun, s: SideKey, id: string, data: Fields, pair: SyncPair | null, reason: Exclude<TombstoneReason, 'merged'>): Promise<void> {
  const { sync, deps, result, flow } = run;
  const store = deps.store.sync;
  const t = otherSide(s);
  const S = sync[s];
  const T = sync[t];
  const master = survivor(S, data, id);
  const gone: TraceInput = { step: `${master ? 'merge' : reason === 'inactive' ? 'inactive' : 'delete'}:${sideName(sync, s)}`, status: 'ok', connection: S.connection, entity: S.entity, externalId: id, keys: [id.toLowerCase()] };
  const tId = pair ? (t === 'a' ? pair.aId : pair.bId) : await deps.store.xrefFind(run.ref(s, id), T.connection, T.entity);

  if (master) {
    await store.tombstone({ ref: run.ref(s, id), flow: flow.name, reason: 'merged', mergedInto: master });
    await store.unlinkXref(run.ref(s, id));
    const masterPair = await store.pairBy(flow.name, s, master);
    if (pair && !masterPair && tId) {
      // The survivor takes over the loser's partner: same pair row, same partner, new id on side s.
      await store.savePair({ ...pair, aId: s === 'a' ? master : pair.aId, bId: s === 'b' ? master : pair.bId });
      result.xref.push(s === 'a' ? { a: run.ref('a', master), b: run.ref('b', tId) } : { a: run.ref('a', tId), b: run.ref('b', master) });
      await deps.store.link([result.xref.at(-1)!]);
      result.traces.push({ ...gone, after: { mergedInto: master, partner: tId, note: `the pair now follows the surviving ${S.entity}` } });
      // The survivor carries the partner's key as the loser did (Account.Sage100_Customer_No__c).
      const key = Object.fromEntries(sync.match.filter((m) => m[t] === 'id' && m[s] !== 'id').map((m) => [m[s], tId]));
      if (Object.keys(key).length) {
        const step: TraceInput = { step: `writeback:${sideName(sync, s)}`, status: 'ok', connection: S.connection, entity: S.entity, externalId: master, after: key };
        try {
          await (await run.side(s)).connector.write(S.entity, { verb: 'update', id: master, data: key });
        } catch (err) {
          return run.fail(err, step);
        }
        result.traces.push(step);
      }
      await settlePair(run, s, master, { record: {} });
      return;
    }
    if (pair) await store.dropPair(pair.id);
    const note = masterPair && tId
      ? `the surviving ${S.entity} ${master} is already paired with ${T.entity} ${t === 'a' ? masterPair.aId : masterPair.bId}; ${T.entity} ${tId} is left as it is for a person to merge`
      : 'merged away; it had no partner';
    result.traces.push({ ...gone, after: { mergedInto: master, note } });
    return;
  }

  await store.tombstone({ ref: run.ref(s, id), flow: flow.name, reason, mergedInto: null });
  if (!tId) {
    result.traces.push({ ...gone, after: { note: 'it had no partner' } });
    return;
  }
  // The partner is dead to the pair too: its later changes must not create a new record here.
  await store.tombstone({ ref: run.ref(t, tId), flow: flow.name, reason: 'deleted', mergedInto: null });
  if (pair) await store.dropPair(pair.id);
  result.traces.push({ ...gone, after: { partner: tId } });
  const action = T.onDelete ?? 'ignore';
  const step: TraceInput = { step: `${action}:${sideName(sync, t)}`, status: 'ok', connection: T.connection, entity: T.entity, externalId: tId, keys: [tId.toLowerCase()] };
  if (action === 'ignore') {
    result.traces.push({ ...step, status: 'skipped', after: { note: `the flow ignores deletes toward ${sideName(sync, t)}` } });
    return;
  }
  const h = await run.side(t);
  const set = action === 'deactivate' ? T.inactive! : action === 'mark' ? T.mark! : null;
  step.after = set ? ({ [set.field]: set.value } as JsonValue) : { deleted: true };
  try {
    if (set) await h.connector.write(T.entity, { verb: 'update', id: tId, data: { [set.field]: set.value } });
    else await h.connector.write(T.entity, { verb: 'delete', id: tId, data: {} });
  } catch (err) {
    // Already gone there is what a delete wanted.
    if (!(action === 'delete' && err instanceof SyncError && err.kind === 'not_found')) return run.fail(err, step);
  }
  result.traces.push(step);
}
