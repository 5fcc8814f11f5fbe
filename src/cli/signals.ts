/**
 * Ctrl-C handling for every long-running command (start, worker, sandbox, demo). Under `npm start` one Ctrl-C reaches this process twice: the
 * terminal signals the whole process group, and tsx relays the signal to its child as well. So a
 * repeat within `graceMs` counts as the same keypress; a later one forces the exit.
 */

/** Calls `stop` once on SIGINT/SIGTERM, then exits 0 (1 if stopping failed); a second signal after `graceMs` forces exit 1. */
export function stopOnSignals(stop: () => Promise<void>, options: { graceMs?: number; print?: (line: string) => void; what?: string } = {}): void {
  const grace = options.graceMs ?? 1000;
  const print = options.print ?? ((line: string) => console.error(line));
  let firstAt: number | null = null;
  const handler = (sig: NodeJS.Signals) => {
    const now = Date.now();
    if (firstAt !== null) {
      if (now - firstAt < grace) return;
      print(`${sig} again: forcing exit`);
      process.exit(1);
    }
    firstAt = now;
    print(`\n${sig}: stopping ${options.what ?? 'the server and workers (jobs in flight finish first)'} (press Ctrl-C again to force)`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        print(`could not stop cleanly: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
