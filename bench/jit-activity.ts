/**
 * What V8's optimising compiler did in a Syncline process while the engine benchmark timed it
 * (`--jit 1`): the process runs with `--trace-opt --trace-deopt`, which print a line per finished
 * TurboFan compile (with its time) and per deoptimisation on stdout; this notes when each line
 * arrived, so the compiles inside the timed burst can be told from those of the warm-up. A warm-up
 * too short for V8 leaves the burst paying for compiles that a server running for days paid once
 * (bench/RESULTS.md, "The warm-up V8 needs").
 */

/** The Node options that make a process print its compiles and deoptimisations. */
export const JIT_TRACE_FLAGS = ['--trace-opt', '--trace-deopt'];

/** One compile or deoptimisation, with when its line arrived (ms since the epoch). */
interface JitEvent {
  at: number;
  kind: 'compile' | 'deopt';
  /** TurboFan's own time for the compile's optimisation phase, in ms (0 for a deoptimisation). */
  ms: number;
}

// `[completed compiling 0x… <JSFunction f (sfi = 0x…)> (target TURBOFAN) - took 0.012, 45.640, 0.379 ms]`:
// preparation, optimisation (on a background thread) and finalisation.
const COMPILED = /completed compiling .* - took [\d.]+, ([\d.]+), [\d.]+ ms/;
const DEOPT = /\[bailout \(kind: /;

/** Reads a process's trace lines as they arrive; see the module comment. */
export class JitActivity {
  readonly #events: JitEvent[] = [];
  #partial = '';

  /** Feeds a chunk of the process's stdout (lines may be split across chunks). */
  push(chunk: string, at = Date.now()): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      const compiled = COMPILED.exec(line);
      if (compiled) this.#events.push({ at, kind: 'compile', ms: Number(compiled[1]) });
      else if (DEOPT.test(line)) this.#events.push({ at, kind: 'deopt', ms: 0 });
    }
  }

  /** Compiles (and their optimisation time) and deoptimisations between `from` and `to` (ms since the epoch). */
  between(from: number, to: number): { compiles: number; compileMs: number; deopts: number } {
    const inside = this.#events.filter((e) => e.at >= from && e.at <= to);
    const compiles = inside.filter((e) => e.kind === 'compile');
    return { compiles: compiles.length, compileMs: Math.round(compiles.reduce((n, e) => n + e.ms, 0)), deopts: inside.length - compiles.length };
  }
}
