/** `$xref(...)`: lookups through the id cross-reference, answered by the engine through the mapping context. */
import type { MappingContext } from '../types.js';

/** Thrown inside the synchronous fast path when a value can only be had asynchronously; the record is then mapped again on the async path. */
export const NEEDS_ASYNC: { readonly reason: 'needs-async' } = Object.freeze({ reason: 'needs-async' as const });

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

const USAGE = '$xref needs (connection, entity, id, targetConnection, targetEntity)';

/** Checks and normalises `$xref` arguments; undefined when the id is missing (the lookup then gives null). */
export function xrefArgs(args: unknown[]): [string, string, string, string, string] | undefined {
  const connection = text(args[0]);
  const entity = text(args[1]);
  const id = text(args[2]);
  const targetConnection = text(args[3]);
  const targetEntity = text(args[4]);
  if (!connection || !entity || !targetConnection || !targetEntity) throw new Error(USAGE);
  if (!id) return undefined;
  return [connection, entity, id, targetConnection, targetEntity];
}

/**
 * The asynchronous `$xref` bound to one mapping run: the target-side id, or null when the record is not linked.
 * `$xref("sf", "Account", AccountId, "sage100", "AR_Customer")` → `"01-ABF"`.
 */
export function makeXref(ctx: MappingContext): (...args: unknown[]) => Promise<string | null> {
  return async (...args) => {
    const a = xrefArgs(args);
    if (!a) return null;
    if (ctx.xrefCached) {
      const hit = ctx.xrefCached(...a);
      if (hit !== undefined) return hit;
    }
    if (!ctx.xref) throw new Error('$xref is not available here (no cross-reference in this context)');
    return ctx.xref(...a);
  };
}

/**
 * The synchronous `$xref` of the fast path: answers from `ctx.xrefCached`, else throws NEEDS_ASYNC. The same
 * checks as xrefArgs, with the five arguments passed as they are: it runs once per record, and the two arrays
 * of the array form were a measurable share of a mapping's allocations.
 */
export function xrefSync(ctx: MappingContext, connection: unknown, entity: unknown, id: unknown, targetConnection: unknown, targetEntity: unknown): string | null {
  const c = text(connection);
  const e = text(entity);
  const i = text(id);
  const tc = text(targetConnection);
  const te = text(targetEntity);
  if (!c || !e || !tc || !te) throw new Error(USAGE);
  if (!i) return null;
  const hit = ctx.xrefCached ? ctx.xrefCached(c, e, i, tc, te) : undefined;
  if (hit === undefined) throw NEEDS_ASYNC;
  return hit;
}
