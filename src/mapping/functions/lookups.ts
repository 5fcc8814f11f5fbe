/** `$xref(...)`: lookups through the id cross-reference, answered by the engine through the mapping context. */
import type { MappingContext } from '../types.js';

/** Thrown inside the synchronous fast path when a value can only be had asynchronously; the record is then mapped again on the async path. */
export const NEEDS_ASYNC: { readonly reason: 'needs-async' } = Object.freeze({ reason: 'needs-async' as const });

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Checks and normalises `$xref` arguments; undefined when the id is missing (the lookup then gives null). */
export function xrefArgs(args: unknown[]): [string, string, string, string, string] | undefined {
  const connection = text(args[0]);
  const entity = text(args[1]);
  const id = text(args[2]);
  const targetConnection = text(args[3]);
  const targetEntity = text(args[4]);
  if (!connection || !entity || !targetConnection || !targetEntity) {
    throw new Error('$xref needs (connection, entity, id, targetConnection, targetEntity)');
  }
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

/** The synchronous `$xref` of the fast path: answers from `ctx.xrefCached`, else throws NEEDS_ASYNC. */
export function xrefSync(ctx: MappingContext, args: unknown[]): string | null {
  const a = xrefArgs(args);
  if (!a) return null;
  const hit = ctx.xrefCached ? ctx.xrefCached(...a) : undefined;
  if (hit === undefined) throw NEEDS_ASYNC;
  return hit;
}
