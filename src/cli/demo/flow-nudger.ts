/**
 * Makes the effect of a business event show within seconds: the journey templates poll on
 * production-sized intervals (minutes), so after an event in a system the demo asks for a run of
 * the flows that read that system (the same as pressing "Run now" in the console). Flows that poll
 * often enough on their own are left to the scheduler.
 */
import { SYSTEM_ACTOR } from '../../core/actors.js';
import { parseDuration } from '../../engine/durations.js';
import type { SynclineHub } from '../../engine/hub.js';

/** A flow the nudger runs after events in its source system. */
export interface NudgedFlow {
  flow: string;
  /** The source connection (`salesforce`, `pardot`, `sage100`). */
  connection: string;
  /** The flow's own trigger, for the guide (`poll every 5m`). */
  trigger: string;
}

/**
 * Runs slow-polling flows shortly after events in their source system, at most once per `delayMs`,
 * and never while a read of that flow is still waiting in the queue: that read will see the event
 * too. (Without this, a busy day queued a read per flow per second faster than one worker ran them,
 * and each new event's read waited behind hundreds of redundant ones: minutes, not seconds.)
 */
export class FlowNudger {
  private flows: NudgedFlow[] = [];
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** The last read enqueued per flow. */
  private readonly enqueued = new Map<string, string>();
  private inFlight: Array<Promise<unknown>> = [];
  private stopped = false;

  constructor(
    private readonly hub: SynclineHub,
    private readonly options: { /** Flows polling at least this often are left alone (default 10 s). */ fastEnoughMs?: number; /** Wait after an event, gathering the next ones into the same run (default 1 s). */ delayMs?: number; onError?: (flow: string, message: string) => void } = {},
  ) {}

  /** Loads the active poll/schedule flows; returns those it will nudge. */
  async load(): Promise<NudgedFlow[]> {
    const fastEnough = this.options.fastEnoughMs ?? 10_000;
    const out: NudgedFlow[] = [];
    for (const row of await this.hub.store.listFlows()) {
      if (row.status !== 'active') continue;
      const def = (await this.hub.flows.get(row.name, row.currentVersion)).def;
      const trig = def.trigger;
      if (trig.type === 'poll' && parseDuration(trig.every) > fastEnough) out.push({ flow: row.name, connection: def.source.connection, trigger: `poll every ${trig.every}` });
      // A pushed flow's reconciling read catches what the push would bring; the demo wires no push.
      if (trig.type === 'webhook' && trig.reconcileEvery) out.push({ flow: row.name, connection: def.source.connection, trigger: `reconcile every ${trig.reconcileEvery}` });
      if (trig.type === 'schedule') out.push({ flow: row.name, connection: def.source.connection, trigger: `cron ${trig.cron}` });
    }
    this.flows = out;
    return out;
  }

  /** Schedules a run of every nudged flow reading `connection`. */
  nudge(connection: string): void {
    if (this.stopped) return;
    for (const f of this.flows) {
      if (f.connection !== connection || this.pending.has(f.flow)) continue;
      this.pending.set(
        f.flow,
        setTimeout(() => {
          this.pending.delete(f.flow);
          const p = this.run(f.flow).catch((err: unknown) => this.options.onError?.(f.flow, (err as Error).message));
          this.inFlight.push(p);
          void p.finally(() => (this.inFlight = this.inFlight.filter((x) => x !== p)));
        }, this.options.delayMs ?? 1000),
      );
    }
  }

  /** Enqueues a read of `flow`, unless its last one has not started yet. A running read may have read past the event already, so it does not count. */
  private async run(flow: string): Promise<void> {
    const last = this.enqueued.get(flow);
    if (last && (await this.hub.store.getJob(last))?.status === 'queued') return;
    const { jobId } = await this.hub.runFlowNow(flow, SYSTEM_ACTOR);
    this.enqueued.set(flow, jobId);
  }

  /** Cancels pending runs and waits for the enqueues in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    await Promise.all(this.inFlight);
  }
}
