/**
 * Adaptive polling: a flow whose poll trigger sets `minEvery` polls that often while its reads find
 * changes and backs off (doubling) toward `every` while they find none. It stays within the source
 * connection's daily API budget: polls go at `every` only once the connection has spent most of the
 * budget (BUDGET_BRAKE), or while it spends faster than an even pace through its budget day would
 * allow (BUDGET_PACE_SLACK ahead of the share of the day gone), so fast polls early in the day do not
 * leave the writes of the afternoon without calls. The budget itself (engine/daily-budget.ts) refuses
 * any call past the limit. The pace (the next poll's time and
 * the interval) is stored like a watermark, under its own key, so every process's scheduler reads
 * the same pace and the tick's delivery id (`tick:<next poll time>`) makes one read however many
 * schedulers see it.
 */
import type { Watermark } from '../core/connector.js';
import type { PollTriggerDef } from '../core/flow.js';
import { parseDuration } from './durations.js';

/** Share of the daily budget past which polls go at the idle interval only. */
export const BUDGET_BRAKE = 0.8;
/** Share of the daily budget the spending may run ahead of an even pace through the day before polls go at the idle interval. */
export const BUDGET_PACE_SLACK = 0.1;
const DAY_MS = 86_400_000;

/** A connection's spending today, as ConnectionPool.budgets() gives it. */
export interface BudgetUse {
  used: number;
  limit: number | null;
  /** When the vendor's budget day ends (epoch ms), if it says; else the UTC day ends at midnight. */
  resetAt?: number | null;
}

/** True when adaptive polls must not speed up: the budget is nearly spent, or spent faster than the day goes by. */
export function budgetTight(budget: BudgetUse | null | undefined, now: number): boolean {
  if (!budget?.limit) return false;
  const share = budget.used / budget.limit;
  if (share >= BUDGET_BRAKE) return true;
  const dayEnd = budget.resetAt && budget.resetAt > now ? budget.resetAt : now - (now % DAY_MS) + DAY_MS;
  const dayGone = Math.min(1, Math.max(0, 1 - (dayEnd - now) / DAY_MS));
  return share >= dayGone + BUDGET_PACE_SLACK;
}

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
 * to `every`); `every` when the connection's budget is tight (budgetTight).
 */
export function paceAfterRead(prev: Pace | null, found: number, bounds: { minMs: number; maxMs: number }, now: number, budget?: BudgetUse | null): Pace {
  let intervalMs = found > 0 ? bounds.minMs : Math.min(bounds.maxMs, Math.max(bounds.minMs, (prev?.intervalMs ?? bounds.minMs) * 2));
  if (budgetTight(budget, now)) intervalMs = bounds.maxMs;
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
