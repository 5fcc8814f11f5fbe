/** Date-times as Pardot v5 writes them: ISO 8601, whole seconds, the account's UTC offset (`2025-05-16T11:27:08-07:00`). */

/** Parses `+HH:MM` / `-HH:MM` into minutes east of UTC. */
export function offsetMinutes(offset: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!m) throw new Error(`invalid UTC offset "${offset}" (expected ±HH:MM)`);
  const mins = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -mins : mins;
}

/** Formats epoch ms in a fixed UTC offset, truncated to the second. */
export function formatDateTime(ms: number, offset: string): string {
  const shifted = new Date(Math.floor(ms / 1000) * 1000 + offsetMinutes(offset) * 60_000);
  return `${shifted.toISOString().slice(0, 19)}${offset}`;
}

/** Truncates epoch ms to whole seconds: Pardot stamps have second precision, which is why change polling needs an id tie-break. */
export function toSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** Epoch ms of the next midnight in the account's offset (when the daily API budget resets). */
export function nextMidnight(now: number, offset: string): number {
  const off = offsetMinutes(offset) * 60_000;
  const local = now + off;
  const day = 86_400_000;
  return Math.floor(local / day) * day + day - off;
}
