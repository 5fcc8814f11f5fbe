/**
 * Serialises work on the same keys inside one process: two jobs about the same source record, or two
 * records that match the same target (same email), must not both find "no target yet" and both
 * create one. Locks are taken in sorted order so two holders of overlapping key sets cannot deadlock.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` while holding every key in `keys` (duplicates and empty keys ignored). */
  async run<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
    const release = await this.hold(keys);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Takes every key in `keys`; the returned function releases them all. */
  async hold(keys: string[]): Promise<() => void> {
    const unique = [...new Set(keys.filter(Boolean))].sort();
    const releases: Array<() => void> = [];
    for (const key of unique) releases.push(await this.acquire(key));
    return () => {
      for (const release of releases.reverse()) release();
    };
  }

  /** Keys currently held or awaited (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
