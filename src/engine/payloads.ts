/** The shapes of job payloads the engine writes and reads. */
import type { Fields } from '../core/json.js';

/** One source record to run through a flow (from a webhook, a poll, or a replay). */
export interface EventPayload {
  record: Fields;
  /** The record's id on the source system, when known. */
  id: string | null;
  /** Event type as the sender named it. */
  type?: string;
  /** When the change happened at the source (its stamp), for the end-to-end lag; absent: when it was queued. */
  at?: string;
  /** Set when the record is a changed row of this `source.refreshOn` child entity: the runner re-reads its parent. */
  via?: string;
}

/** Instructions for a job that reads the source (poll tick, schedule, manual run). */
export interface ReadPayload {
  read: 'changes' | 'all';
  /** Why it runs: `poll`, `schedule`, `manual by alice`. */
  reason: string;
  /** Who asked for it, when a person did (a manual run): the run is theirs in the console; `system` for automatic ones. */
  requestedBy?: string;
}

/** Instructions for a job that reconciles a two-way pair (compare and report; nothing applied). */
export interface ReconcilePayload {
  reconcile: true;
  reason: string;
}

/** True when a payload asks for a reconciliation. */
export function isReconcilePayload(p: unknown): p is ReconcilePayload {
  return typeof p === 'object' && p !== null && (p as { reconcile?: unknown }).reconcile === true && !('record' in p);
}

/** True when a payload is a read instruction rather than a record. */
export function isReadPayload(p: unknown): p is ReadPayload {
  return typeof p === 'object' && p !== null && 'read' in p && !('record' in p);
}

/** Accepts a stored payload as an event; a bare object (e.g. edited in the console) is taken as the record itself. */
export function asEventPayload(p: unknown): EventPayload {
  if (typeof p === 'object' && p !== null && 'record' in p) {
    const e = p as EventPayload;
    return { record: (e.record ?? {}) as Fields, id: e.id ?? null, type: e.type, ...(e.via ? { via: e.via } : {}) };
  }
  return { record: (p ?? {}) as Fields, id: null };
}
