/**
 * Adaptive polling: a flow whose poll trigger sets `minEvery` polls that often while its reads find
 * changes and backs off (doubling) toward `every` while they find none; when the source connection
 * has spent most of its daily API budget it polls at `every` only. The pace (the next poll's time and
 * the interval) is stored like a watermark, under its own key, so every process's scheduler reads
 * the same pace and the tick's delivery id (`tick:<next poll time>`) makes one read however many
 * schedulers see it.
 */
import type { Watermark } from '../core/connector.js';
import type { PollTriggerDef } from '../core/flow.js';
import { parseDuration } from './durations.js';

/** Share of the daily budget past which polls go at the idle interval only. */
export const BUDGET_BRAKE = 0.8;

/** Where a flow's adaptive polling stands. */
export interface Pace {
  /** When the next poll is due (epoch ms). */
  nextAt: number;
  /** The interval that produced it. */
  intervalMs: number;
}

/** The poll trigger's bounds, or null when the flow polls at a fixed interval. */
export function paceBounds(trig: PollTriggerDef): { minMs: number; maxMs: number } | null {
  if (!trig.minEvery) return null;
  const maxMs = parseDuration(trig.every);
  return { minMs: Math.min(parseDuration(trig.minEvery), maxMs), maxMs };
}

/** The watermark key of a flow's pace. */
export function paceKey(watermarkKey: string): string {
  return `${watermarkKey}#pace`;
}

/**
 * The pace after a read: the shortest interval when it found records, else twice the last one (up
 * to `every`); `every` when the connection's budget is nearly spent.
 */
export function paceAfterRead(prev: Pace | null, found: number, bounds: { minMs: number; maxMs: number }, now: number, budget?: { used: number; limit: number | null } | null): Pace {
  let intervalMs = found > 0 ? bounds.minMs : Math.min(bounds.maxMs, Math.max(bounds.minMs, (prev?.intervalMs ?? bounds.minMs) * 2));
  if (budget?.limit && budget.used >= budget.limit * BUDGET_BRAKE) intervalMs = bounds.maxMs;
  return { nextAt: now + intervalMs, intervalMs };
}

/** A pace stored as a watermark (`at`: the next poll; `extra.intervalMs`). */
export function paceToMark(p: Pace): Watermark {
  return { at: new Date(p.nextAt).toISOString(), extra: { intervalMs: p.intervalMs } };
}

/** A pace read back from its watermark, or null. */
export function paceFromMark(w: Watermark | null): Pace | null {
  if (!w) return null;
  const nextAt = Date.parse(w.at);
  const intervalMs = Number(w.extra?.intervalMs);
  return Number.isFinite(nextAt) && Number.isFinite(intervalMs) ? { nextAt, intervalMs } : null;
}
