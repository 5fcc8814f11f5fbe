/** The job payload of a two-way pair: which side's record to settle, and optionally which fields only. */
import type { SideKey } from '../../core/sync.js';
import type { EventPayload } from '../payloads.js';

/** A record event of a `sync:` flow. */
export interface PairEvent extends EventPayload {
  /** The side the record is on (default a). */
  side?: SideKey;
  /** Settle only these fields (side a names): a reconciliation applying a selection. */
  only?: string[];
  /** Why it was queued when not by a read (`reconcile <run>`, `review <id>`). */
  reason?: string;
}

/** Reads a stored payload as a pair event. */
export function asPairEvent(p: unknown): PairEvent {
  const e = (p ?? {}) as Partial<PairEvent>;
  return {
    record: (e.record ?? {}) as PairEvent['record'],
    id: e.id ?? null,
    type: e.type,
    side: e.side === 'b' ? 'b' : 'a',
    ...(Array.isArray(e.only) ? { only: e.only.map(String) } : {}),
    ...(e.reason ? { reason: e.reason } : {}),
  };
}
