/**
 * Per-second reservations made ahead while a connection's shared budget is far from its limit. On
 * PostgreSQL every call under a per-second limit reserves its start with a statement (GCRA on the
 * database clock, decision 0007); for a limit far above what the processes use (a sink allowing
 * 100,000 calls/s) that statement answers "now" every time and costs a round trip per call. Here a
 * reservation may take a block: the call itself plus about as many calls as this process made in the
 * last window, and the calls of the block that were not needed at once are handed out, without a
 * round trip, to the calls that come in the next CREDIT_MS.
 *
 * Taken only when it cannot bend the limit: when the previous answer left at least half the burst
 * unspent, for at most a quarter of a window's share of the rate, and granted only when the whole
 * block may start at once. A credited call starts at most CREDIT_MS after the time it was counted
 * at; credit not used by then lapses (those calls were counted for nothing, which only happens far
 * from the limit). Near the limit every call reserves alone, exactly as before. One block is asked
 * for at a time per key.
 */
import type { RateReservation } from './hot-statements.js';

/** How long credit lasts, and the window demand is counted over. */
export const CREDIT_MS = 100;
/** Burst (of 1,000 ms) that must be left unspent for a block to be asked for. */
const MIN_SLACK_MS = 500;

/** One key's credit and recent demand in this process. */
interface KeyCredit {
  left: number;
  until: number;
  /** The burst left after the last reservation (unknown at first: no block until one answer came). */
  slack: number;
  asking: boolean;
  windowStart: number;
  count: number;
  previous: number;
}

/** Credit per key; see the module comment. */
export class RateCredit {
  readonly #keys = new Map<string, KeyCredit>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Takes one call from the key's credit (true), or counts it as demand and answers false. */
  take(key: string): boolean {
    const now = this.clock();
    let k = this.#keys.get(key);
    if (!k) this.#keys.set(key, (k = { left: 0, until: 0, slack: -1, asking: false, windowStart: now, count: 0, previous: 0 }));
    if (now - k.windowStart >= CREDIT_MS) {
      k.previous = now - k.windowStart >= 2 * CREDIT_MS ? 0 : k.count;
      k.count = 0;
      k.windowStart = now;
    }
    k.count += 1;
    if (k.left > 0 && now < k.until) {
      k.left -= 1;
      return true;
    }
    k.left = 0;
    return false;
  }

  /** Calls to reserve ahead with this reservation (0: this call alone); a positive answer must be settled. */
  ahead(key: string, perSecond: number): number {
    const k = this.#keys.get(key);
    if (!k || k.asking || k.slack < MIN_SLACK_MS) return 0;
    const n = Math.min(Math.floor((perSecond * CREDIT_MS) / 1000 / 4), Math.max(k.previous, k.count));
    if (n > 0) k.asking = true;
    return n;
  }

  /** Records a reservation's answer (null: it failed); its `ahead` calls become credit when the whole block may start now. */
  settle(key: string, ahead: number, answer: RateReservation | null): void {
    const k = this.#keys.get(key);
    if (!k) return;
    if (ahead > 0) k.asking = false;
    if (!answer) return;
    k.slack = answer.slack;
    if (ahead > 0 && answer.wait === 0 && answer.slack >= 0) {
      k.left = ahead;
      k.until = this.clock() + CREDIT_MS;
    }
  }
}
