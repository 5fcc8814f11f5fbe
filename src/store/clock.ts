/**
 * Timestamps are stored as fixed-width ISO 8601 UTC text (`2026-01-02T03:04:05.678Z`) on both
 * databases, so string order is time order and one schema serves both dialects.
 */
import type { Iso } from './types.js';

/** The current time as stored. */
export function isoNow(): Iso {
  return new Date().toISOString();
}

/** `ms` from now, as stored. */
export function isoIn(ms: number): Iso {
  return new Date(Date.now() + ms).toISOString();
}

/** Normalises any ISO 8601 input to the stored fixed-width form; rejects unparseable text. */
export function normIso(value: Iso): Iso {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new RangeError(`not an ISO 8601 timestamp: ${JSON.stringify(value)}`);
  return new Date(t).toISOString();
}
