/**
 * Group commit for PostgreSQL: calls that arrive while earlier ones are being written are gathered
 * and written together, one transaction (and one WAL flush) for the whole group, with one multi-row
 * statement per table instead of one statement per call. synchronous_commit stays on: every caller
 * is answered only after the commit that holds its write.
 *
 * If a group fails (one call's bad row, a deadlock, a lost connection), each of its calls is written
 * again on its own, so one call's failure is never another's.
 */

/** A call waiting for its group. */
interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/** Batcher settings. */
export interface BatcherOptions<I, O> {
  /** Writes a group; returns one result per item, in order. */
  group(items: I[]): Promise<O[]>;
  /** Writes one item alone (after its group failed). */
  single(item: I): Promise<O>;
  /** Most items in one group. */
  maxItems: number;
  /** Groups written at once (each on its own pooled connection). */
  maxGroups: number;
  /** Told when a group of several failed and its calls are written one by one. */
  onGroupFailed?(error: unknown, size: number): void;
}

/** Gathers calls into groups; see the module comment. */
export class Batcher<I, O> {
  readonly #pending: Array<Pending<I, O>> = [];
  #groups = 0;
  #scheduled = false;

  constructor(private readonly options: BatcherOptions<I, O>) {}

  /** Writes `item` with whatever else is waiting; settles after the commit that holds it. */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#pending.length === 0 || this.#groups >= this.options.maxGroups) return;
    this.#scheduled = true;
    // One turn of the event loop, so the callers already running can join this group.
    setImmediate(this.#start);
  }

  // The callbacks below are made once per batcher, not per group (docs/decisions/0021-hot-paths-without-per-call-closures.md).
  readonly #start = (): void => {
    this.#scheduled = false;
    if (this.#groups >= this.options.maxGroups) return;
    const group = this.#pending.splice(0, this.options.maxItems);
    if (group.length === 0) return;
    this.#groups += 1;
    void this.#write(group).finally(this.#written);
    this.#schedule();
  };

  readonly #written = (): void => {
    this.#groups -= 1;
    this.#schedule();
  };

  async #write(group: Array<Pending<I, O>>): Promise<void> {
    let results: O[];
    const items: I[] = [];
    for (const p of group) items.push(p.item);
    try {
      results = await this.options.group(items);
    } catch (error) {
      if (group.length === 1) {
        group[0].reject(error);
        return;
      }
      this.options.onGroupFailed?.(error, group.length);
      await Promise.all(
        group.map((p) =>
          this.options.single(p.item).then(
            (value) => p.resolve(value),
            (err: unknown) => p.reject(err),
          ),
        ),
      );
      return;
    }
    for (let i = 0; i < group.length; i++) group[i].resolve(results[i]);
  }
}
