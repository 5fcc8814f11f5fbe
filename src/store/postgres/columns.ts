/**
 * Rows turned into the column arrays the hot statements send (one array per column, expanded with
 * unnest on the server). Written as plain loops over module-level functions on purpose: V8 holds
 * the optimised code of a function created per call only weakly, so every full collection (one
 * every 1.5–2.5 s in a worker at full speed) dropped the optimised code of the arrow functions these
 * statements built per group, and each was compiled again a moment later: with them, 184 and 279
 * TurboFan compiles in the two worker processes during a 10,000-event burst, 45 and 46 without (docs/decisions/0021-hot-paths-without-per-call-closures.md).
 */

/** The values of `key` in `rows`, in order. */
export function column<T, K extends keyof T>(rows: readonly T[], key: K): Array<T[K]> {
  const out: Array<T[K]> = [];
  for (let i = 0; i < rows.length; i++) out.push(rows[i][key]);
  return out;
}

/** Appends to `out` one column array per key of `keys`, in that order. */
export function pushColumns<T>(out: unknown[], rows: readonly T[], keys: readonly (keyof T)[]): void {
  for (let k = 0; k < keys.length; k++) out.push(column(rows, keys[k]));
}

/** What an array holds. */
type ElementOf<T> = T extends ReadonlyArray<infer E> ? E : never;

/** The rows under `key` of every job of a group in one list, with the id of each row's job beside it. */
export function rowsOfJobs<J, K extends keyof J>(jobs: readonly J[], key: K, idOf: (job: J) => string): { rows: Array<ElementOf<J[K]>>; jobIds: string[] } {
  type R = ElementOf<J[K]>;
  const rows: R[] = [];
  const jobIds: string[] = [];
  for (let j = 0; j < jobs.length; j++) {
    const own = jobs[j][key] as unknown as readonly R[];
    const id = idOf(jobs[j]);
    for (let i = 0; i < own.length; i++) {
      rows.push(own[i]);
      jobIds.push(id);
    }
  }
  return { rows, jobIds };
}
