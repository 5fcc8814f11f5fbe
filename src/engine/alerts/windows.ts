/**
 * Time windows for anomaly rules: the latest window [now − w, now) and the N before it, each of the
 * same length, so a value is always compared with values measured the same way.
 */

/** The window layout at `now`. */
export interface WindowLayout {
  /** Window length in ms. */
  ms: number;
  /** How many history windows. */
  history: number;
  now: number;
}

/** Where the history starts (the oldest window's start). */
export function layoutStart(l: WindowLayout): number {
  return l.now - (l.history + 1) * l.ms;
}

/**
 * The window index of a time: 0 is the latest window, 1..history the earlier ones, null outside all
 * (in the future, or before the oldest).
 */
export function windowIndex(l: WindowLayout, at: number): number | null {
  if (at >= l.now || at < layoutStart(l)) return null;
  return Math.floor((l.now - 1 - at) / l.ms);
}

/** Items grouped by window: `[latest, ...history]` (history[0] is the window just before the latest). */
export function bucket<T>(l: WindowLayout, items: readonly T[], at: (item: T) => number): T[][] {
  const out: T[][] = Array.from({ length: l.history + 1 }, () => []);
  for (const item of items) {
    const i = windowIndex(l, at(item));
    if (i !== null) out[i].push(item);
  }
  return out;
}

/** The ISO start of window `i`. */
export function windowStartIso(l: WindowLayout, i: number): string {
  return new Date(l.now - (i + 1) * l.ms).toISOString();
}
