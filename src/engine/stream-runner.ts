/**
 * Follows the push channels of flows with a `stream` trigger (Salesforce Change Data Capture,
 * platform events) in worker processes. Every call to the connector's readStream is one wait on the
 * channel; its records go to the inbox and the replay position to the watermark in ONE transaction
 * (Store.commitPoll), so a restart resumes exactly after the last durable event: anything handed out
 * but not committed is delivered again and the inbox drops what it already holds.
 *
 * One process follows a (connection, channel) at a time: the follower holds the store's concurrency
 * slot `stream:<connection>/<channel>` (1 slot): on PostgreSQL a session advisory lock the server frees
 * when the process dies, so another worker takes over; on SQLite the one process. Other processes
 * try again every `refreshMs`. The lock lives on one dedicated connection: when that connection ends
 * while the process lives on (the session terminated, a failover), the slot's `lost` signal stops the
 * follower at once, before it commits anything more, and the next refresh tries for the slot again,
 * so two processes never keep following one channel (whichever takes the slot resumes from the
 * durable position; what the stopped one read but did not commit comes again).
 *
 * A gap (the stored replay id outside the vendor's retention window, or an overflow) is filled by a
 * catch-up poll of the entity's changes since the last durable event before the new position is
 * committed: never skipped. A connection that cannot stream is polled every `trigger.pollEvery`.
 */
import type { Connector, Logger, StreamPage, Watermark } from '../core/connector.js';
import type { StreamTriggerDef } from '../core/flow.js';
import type { CallSlot, Store } from '../store/types.js';
import type { ConnectionPool } from './connections.js';
import type { FlowCache, FlowRuntime } from './flow-cache.js';
import { parseDuration } from './durations.js';
import type { ReadPayload } from './payloads.js';
import { toEvent } from './source-reader.js';

/** Tunables of the stream runner. */
export interface StreamRunnerOptions {
  /** How often the set of stream flows (and leases held elsewhere) is looked at again (default 2 s). */
  refreshMs?: number;
  /** First and longest pause after a failed wait (default 1 s, 30 s). */
  retryMs?: { initial: number; max: number };
  /** How long a connection that cannot stream is polled before streaming is tried again (default 15 min). */
  retryStreamingAfterMs?: number;
}

/** The watermark key of a stream: its own, apart from the poll watermark of the same flow. */
export function streamWatermarkKey(connection: string, channel: string): string {
  return `${connection}/stream:${channel}`;
}

/** The channel a stream flow follows (its own, or the connector's default for the entity, named by the entity). */
function channelOf(flow: FlowRuntime): string {
  const trig = flow.def.trigger as StreamTriggerDef;
  return trig.channel ?? `entity:${flow.def.source.entity}`;
}

interface Follower {
  key: string;
  /** flow name @ version, to notice redeploys. */
  signature: string;
  abort: AbortController;
  done: Promise<void>;
  slot: CallSlot;
}

/** Runs the stream followers of this process. */
export class StreamRunner {
  private readonly followers = new Map<string, Follower>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private stopped = false;
  private readonly refreshMs: number;
  private readonly retry: { initial: number; max: number };
  private readonly retryStreamingAfterMs: number;

  constructor(
    private readonly deps: { store: Store; pool: ConnectionPool; flows: FlowCache; logger: Logger },
    options: StreamRunnerOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 2000;
    this.retry = options.retryMs ?? { initial: 1000, max: 30_000 };
    this.retryStreamingAfterMs = options.retryStreamingAfterMs ?? 15 * 60_000;
  }

  /** Starts following; refreshes the set of stream flows every `refreshMs`. */
  start(): void {
    if (this.timer) return;
    this.stopped = false;
    const tick = (): void => {
      this.refreshing ??= this.refresh()
        .catch((err: unknown) => this.deps.logger.error({ err: (err as Error).message }, 'stream refresh failed'))
        .finally(() => (this.refreshing = null));
    };
    this.timer = setInterval(tick, this.refreshMs);
    this.timer.unref();
    tick();
  }

  /** Stops every follower (their waits are aborted) and gives up the leases. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.refreshing;
    await Promise.all([...this.followers.values()].map((f) => this.end(f)));
    this.followers.clear();
  }

  /** The (connection, channel) groups this process follows now (not those stopped for a lost slot, awaiting the next refresh). */
  following(): string[] {
    return [...this.followers.values()].filter((f) => !f.abort.signal.aborted).map((f) => f.key);
  }

  /** Starts followers for stream flows nobody follows, stops those whose flows changed; exposed for tests. */
  async refresh(): Promise<void> {
    const groups = new Map<string, FlowRuntime[]>();
    for (const row of await this.deps.flows.flows()) {
      if (row.status !== 'active') continue;
      const flow = await this.deps.flows.get(row.name, row.currentVersion);
      if (flow.def.trigger.type !== 'stream') continue;
      const key = `${flow.def.source.connection}/${channelOf(flow)}`;
      groups.set(key, [...(groups.get(key) ?? []), flow]);
    }
    for (const [key, f] of this.followers) {
      const flows = groups.get(key);
      // A follower whose slot was lost is already stopping: it ends here and the slot is tried for again below.
      if (!flows || signatureOf(flows) !== f.signature || f.slot.lost?.aborted) {
        await this.end(f);
        this.followers.delete(key);
      }
    }
    for (const [key, flows] of groups) {
      if (this.stopped || this.followers.has(key)) continue;
      const slot = await this.deps.store.tryAcquireCallSlot(`stream:${key}`, 1);
      if (!slot) continue; // another process follows it
      if (slot.lost?.aborted) continue; // the session ended as the slot was taken: try again next time
      const abort = new AbortController();
      slot.lost?.addEventListener(
        'abort',
        () => {
          if (abort.signal.aborted) return;
          this.deps.logger.warn({ stream: key, err: (slot.lost?.reason as Error | undefined)?.message }, 'stream slot lost (its database session ended): stopping the follower; it is tried for again on the next refresh');
          abort.abort();
        },
        { once: true },
      );
      const done = Promise.all(flows.map((flow) => this.follow(flow, abort.signal))).then(() => undefined);
      this.followers.set(key, { key, signature: signatureOf(flows), abort, done, slot });
      this.deps.logger.info({ stream: key, flows: flows.map((f) => f.name) }, 'following stream');
    }
  }

  private async end(f: Follower): Promise<void> {
    f.abort.abort();
    await f.done.catch(() => undefined);
    f.slot.release();
  }

  /** One flow's loop: wait, commit, repeat; failures pause with back-off and resume from the durable position. */
  private async follow(flow: FlowRuntime, signal: AbortSignal): Promise<void> {
    const trig = flow.def.trigger as StreamTriggerDef;
    const { connection, entity } = flow.def.source;
    const wmKey = streamWatermarkKey(connection, trig.channel ?? entity);
    let pause = this.retry.initial;
    while (!signal.aborted) {
      try {
        const conn = await this.deps.pool.get(connection);
        const stored = await this.deps.store.getWatermark(flow.name, wmKey);
        const page: StreamPage = conn.connector.readStream
          ? await conn.connector.readStream(entity, stored, { channel: trig.channel, subscriber: flow.name, limit: trig.pageSize ?? 200, signal })
          : { records: [], next: stored, unavailable: `connector ${conn.definition.type} cannot stream` };
        if (signal.aborted) break;
        if (page.unavailable) {
          this.deps.logger.warn({ flow: flow.name, reason: page.unavailable }, 'stream unavailable; polling instead');
          await this.pollInstead(flow, signal);
          continue;
        }
        if (page.gapSince !== undefined) await this.catchUp(flow, conn.connector, wmKey, stored, page.gapSince, signal);
        if (page.records.length > 0 || !sameMark(page.next, stored)) {
          await this.deps.store.commitPoll({
            flow: flow.name,
            watermarkKey: wmKey,
            watermark: page.next,
            jobs: [],
            events: page.records.map((r) => toEvent(flow.name, r)),
            eventJob: { flowVersion: flow.version, maxAttempts: flow.policy.maxAttempts },
          });
        }
        pause = this.retry.initial;
      } catch (err) {
        if (signal.aborted) break;
        this.deps.logger.warn({ flow: flow.name, err: (err as Error).message, retryInMs: pause }, 'stream wait failed; resuming from the last committed position');
        await sleep(pause, signal);
        pause = Math.min(pause * 2, this.retry.max);
      }
    }
  }

  /**
   * Reads the entity's changes since `gapSince` by polling and puts them in the inbox (the stream's
   * position unchanged until the caller commits the new one). Records changed just before the gap was
   * seen may still be settling, so a second pass runs once the overlap has passed.
   */
  private async catchUp(flow: FlowRuntime, connector: Connector, wmKey: string, stored: Watermark | null, gapSince: string, signal: AbortSignal): Promise<void> {
    const trig = flow.def.trigger as StreamTriggerDef;
    const overlapMs = trig.overlap ? parseDuration(trig.overlap) : 5000;
    const detectedAt = Date.now();
    this.deps.logger.warn({ flow: flow.name, since: gapSince }, 'stream gap: catching up by polling');
    for (let pass = 0; pass < 2 && !signal.aborted; pass++) {
      let since: Watermark = { at: gapSince };
      for (let pages = 0; pages < 1000 && !signal.aborted; pages++) {
        const page = await connector.readChanges(flow.def.source.entity, since, { limit: trig.pageSize ?? 200, signal, overlapMs });
        await this.deps.store.commitPoll({
          flow: flow.name,
          watermarkKey: wmKey,
          watermark: stored,
          jobs: [],
          events: page.records.map((r) => toEvent(flow.name, r)),
          eventJob: { flowVersion: flow.version, maxAttempts: flow.policy.maxAttempts },
        });
        if (!page.hasMore || !page.next) break;
        since = page.next;
      }
      const wait = detectedAt + overlapMs - Date.now();
      if (wait <= 0) break;
      await sleep(wait, signal);
    }
  }

  /** Polls the flow on its own (trigger.pollEvery) for a while, through read jobs as a poll trigger's, then lets streaming be tried again. */
  private async pollInstead(flow: FlowRuntime, signal: AbortSignal): Promise<void> {
    const trig = flow.def.trigger as StreamTriggerDef;
    const every = parseDuration(trig.pollEvery ?? '1m');
    const until = Date.now() + this.retryStreamingAfterMs;
    while (!signal.aborted && Date.now() < until) {
      const now = Date.now();
      const slot = now - (now % every);
      const payload: ReadPayload = { read: 'changes', reason: 'poll (stream unavailable)' };
      // The same delivery id as the scheduler's ticks: one read per slot however many processes ask.
      await this.deps.store.ingest([{ flow: flow.name, deliveryId: `tick:${slot}`, payload: payload as unknown as Record<string, string> }], {
        flowVersion: flow.version,
        maxAttempts: flow.policy.maxAttempts,
        kind: 'poll',
      });
      await sleep(slot + every - Date.now(), signal);
    }
  }
}


function signatureOf(flows: FlowRuntime[]): string {
  return flows
    .map((f) => `${f.name}@${f.version}`)
    .sort()
    .join(',');
}

function sameMark(a: Watermark | null, b: Watermark | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Waits `ms`, or less when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
