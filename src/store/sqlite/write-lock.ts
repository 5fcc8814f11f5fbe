/**
 * One queue of write transactions per database file per process.
 * better-sqlite3 waits for a busy database synchronously, blocking the event loop. If two
 * connections of the same process shared a file and one waited on the other's write lock, the
 * holder could never reach its COMMIT: a deadlock that ends in "database is locked". So writers of
 * one process take turns here first; other processes are kept out by SQLite's own lock
 * (BEGIN IMMEDIATE + busy_timeout). This map is process-wide on purpose: it mirrors a process-wide
 * resource (the thread that blocks), not application state.
 */
const tails = new Map<string, Promise<void>>();

/** Runs `fn` once every earlier writer of `file` in this process has finished. */
export async function withWriteLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(file) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  tails.set(file, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(file) === tail) tails.delete(file);
  }
}
