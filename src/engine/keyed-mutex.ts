/**
 * Serialises work on the same keys inside one process: two jobs about the same source record, or two
 * records that match the same target (same email), must not both find "no target yet" and both
 * create one. Locks are taken in sorted order so two holders of overlapping key sets cannot deadlock.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` while holding every key in `keys` (duplicates and empty keys ignored). */
  async run<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
    const held = await this.take(keys);
    try {
      return await fn();
    } finally {
      held.release();
    }
  }

  /** Takes every key in `keys`; the returned function releases them all. */
  async hold(keys: string[]): Promise<() => void> {
    const held = await this.take(keys);
    // A bound method, not a closure per call (docs/decisions/0021-hot-paths-without-per-call-closures.md).
    return held.release.bind(held);
  }

  /** Keys currently held or awaited (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }

  private async take(keys: string[]): Promise<HeldKeys> {
    const unique = [...new Set(keys.filter(Boolean))].sort();
    const held = new HeldKeys(this.tails);
    for (const key of unique) await held.acquire(key);
    return held;
  }
}

/** The keys one caller holds, taken in order; released together, in reverse order. */
class HeldKeys {
  /** Each key held, the tail it set (the next caller waits on it) and what lets that tail settle. */
  readonly #held: Array<{ key: string; tail: Promise<unknown>; open: () => void }> = [];

  constructor(private readonly tails: Map<string, Promise<unknown>>) {}

  /** Waits for the key's current holder (and those queued before this caller), then holds it. */
  async acquire(key: string): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let open!: () => void;
    const mine = new Promise<void>((resolve) => {
      open = resolve;
    });
    // The next caller waits for this one, which waits for its predecessor first.
    const tail = Promise.all([previous, mine]);
    this.tails.set(key, tail);
    this.#held.push({ key, tail, open });
    await previous;
  }

  release(): void {
    for (const { key, tail, open } of this.#held.splice(0).reverse()) {
      open();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
