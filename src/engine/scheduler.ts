/**
 * Turns poll intervals and cron schedules into read jobs. Every process may run a scheduler: a tick
 * goes through the inbox with the delivery id `tick:<slot>`, so however many schedulers see the same
 * slot, one job runs.
 */
import { Cron } from 'croner';
import type { Logger } from '../core/connector.js';
import type { Store } from '../store/types.js';
import type { FlowCache } from './flow-cache.js';
import { parseDuration } from './durations.js';
import type { ReadPayload, ReconcilePayload } from './payloads.js';
import { paceBounds, paceFromMark, paceKey } from './adaptive-poll.js';

/** Enqueues due poll and schedule ticks for active flows. */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private readonly crons = new Map<string, { expr: string; cron: Cron }>();
  private readonly lastSlot = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly flows: FlowCache,
    private readonly logger: Logger,
    private readonly tickMs = 1000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch((err) => this.logger.error({ err: (err as Error).message }, 'scheduler tick failed')), this.tickMs);
    this.timer.unref();
    void this.tick().catch(() => undefined);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const c of this.crons.values()) c.cron.stop();
    this.crons.clear();
  }

  /** Enqueues the ticks due now; exposed for tests. */
  async tick(now = Date.now()): Promise<number> {
    let enqueued = 0;
    for (const row of await this.flows.flows()) {
      if (row.status !== 'active') continue;
      const flow = await this.flows.get(row.name, row.currentVersion);
      const trig = flow.def.trigger;
      let slot: number | null = null;
      let read: ReadPayload['read'] = 'changes';
      if (trig.type === 'poll' && paceBounds(trig)) {
        // Adaptive: due when the pace the last read left says so (a new flow: now).
        const pace = paceFromMark(await this.store.getWatermark(row.name, paceKey(`${flow.def.source.connection}/${flow.def.source.entity}`)));
        if (pace && pace.nextAt > now) continue;
        slot = pace ? pace.nextAt : now - (now % paceBounds(trig)!.minMs);
      } else if (trig.type === 'poll' || (trig.type === 'webhook' && trig.reconcileEvery)) {
        const every = parseDuration(trig.type === 'poll' ? trig.every : trig.reconcileEvery!);
        slot = now - (now % every);
      } else if (trig.type === 'schedule') {
        read = trig.read ?? 'changes';
        let entry = this.crons.get(row.name);
        if (!entry || entry.expr !== trig.cron) {
          entry?.cron.stop();
          entry = { expr: trig.cron, cron: new Cron(trig.cron, { timezone: trig.timezone, paused: true }) };
          this.crons.set(row.name, entry);
        }
        // croner's previousRun only knows runs it fired itself; the slot is the latest scheduled time at or before now.
        const last = latestRunAtOrBefore(entry.cron, now);
        slot = last ? last.getTime() : null;
      }
      enqueued += await this.reconcileTick(row.name, row.currentVersion, flow.def.sync?.reconcileEvery, flow.policy.maxAttempts, now);
      if (slot === null || this.lastSlot.get(row.name) === slot) continue;
      this.lastSlot.set(row.name, slot);
      const payload: ReadPayload = { read, reason: trig.type };
      const res = await this.store.ingest([{ flow: row.name, deliveryId: `tick:${slot}`, payload: payload as unknown as Record<string, string> }], {
        flowVersion: row.currentVersion,
        maxAttempts: flow.policy.maxAttempts,
        kind: 'poll',
      });
      enqueued += res.accepted;
    }
    return enqueued;
  }

  /** A two-way pair's scheduled reconciliation (decision 0009): one job per slot, whichever scheduler sees it. */
  private async reconcileTick(flow: string, version: number, every: string | undefined, maxAttempts: number, now: number): Promise<number> {
    if (!every) return 0;
    const ms = parseDuration(every);
    const slot = now - (now % ms);
    const key = `${flow}#reconcile`;
    if (this.lastSlot.get(key) === slot) return 0;
    this.lastSlot.set(key, slot);
    const payload: ReconcilePayload = { reconcile: true, reason: 'schedule' };
    const res = await this.store.ingest([{ flow, deliveryId: `reconcile:${slot}`, payload: payload as unknown as Record<string, string> }], { flowVersion: version, maxAttempts, kind: 'poll' });
    return res.accepted;
  }
}

/** The latest time the cron fires at or before `now` (searched within the last day). */
function latestRunAtOrBefore(cron: Cron, now: number): Date | null {
  let cursor = new Date(now - 86_400_000);
  let last: Date | null = null;
  for (let i = 0; i < 2000; i++) {
    const next = cron.nextRun(cursor);
    if (!next || next.getTime() > now) break;
    last = next;
    cursor = next;
  }
  return last;
}
