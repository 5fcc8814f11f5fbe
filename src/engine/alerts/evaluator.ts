/**
 * The alert evaluator, on a timer in the server process (decision 0016). Each pass:
 *  1. evaluates every enabled rule and records what fires (AlertStore.recordEvaluation opens, refreshes
 *     and resolves alerts atomically; a partial unique index keeps one active alert per rule+subject);
 *  2. sends the pending deliveries it can lease, retrying failures with the engine's back-off.
 * Several server processes may run one: evaluation holds the store's slot `alerts:evaluator` (on
 * PostgreSQL an advisory lock, so one process evaluates at a time), and each delivery is leased to one
 * process, so nothing is sent twice even where the slot is per process (SQLite).
 */
import type { Logger } from '../../core/connector.js';
import { toSyncError } from '../../core/errors.js';
import type { ErrorPolicyDef, FlowDef } from '../../core/flow.js';
import type { AlertChannelWithSecrets, AlertDeliveryRow, AlertRow } from '../../store/alerts/types.js';
import type { Store } from '../../store/types.js';
import { decideRetry, retryPolicy, type RetryPolicy } from '../retry.js';
import { evaluateRule, type FlowInfo } from './rules.js';

/** One notification to send: an alert opened or resolved (or a channel test), links made absolute. */
export interface AlertNotice {
  event: 'opened' | 'resolved' | 'test';
  alert: AlertRow;
  /** Unique per delivery; sent as the webhook's delivery id so a receiver can drop repeats. */
  deliveryId: string;
  /** The alert's links as absolute console URLs. */
  links: Array<{ label: string; url: string }>;
}

/** Sends a notice through a channel; throws (a SyncError says whether a retry may help) on failure. */
export type SendAlert = (channel: AlertChannelWithSecrets, notice: AlertNotice) => Promise<void>;

/** Tunables of the evaluator. */
export interface AlertEvaluatorOptions {
  /** How often rules are evaluated and deliveries sent (default 15 s). */
  everyMs?: number;
  /** The console's address, for links in notifications (default http://localhost:8080). */
  consoleUrl?: string;
  /** How long a delivery is held by the process sending it (default 60 s). */
  leaseMs?: number;
  /** Back-off of failed deliveries (default 6 attempts, 5 s doubling to 10 min). */
  retry?: ErrorPolicyDef;
}

/** What one pass did. */
export interface EvaluationSummary {
  /** False when another process held the evaluator slot (deliveries were still sent). */
  evaluated: boolean;
  rules: number;
  opened: number;
  resolved: number;
  ongoing: number;
  errors: number;
  sent: number;
  failed: number;
}

const EVALUATOR_SLOT = 'alerts:evaluator';

/** The absolute URL of a console path. */
export function consoleLink(consoleUrl: string, path: string): string {
  return consoleUrl.replace(/\/+$/, '') + path;
}

/** Evaluates alert rules and sends their notifications. */
export class AlertEvaluator {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<EvaluationSummary> | null = null;
  private readonly everyMs: number;
  private readonly leaseMs: number;
  private readonly consoleUrl: string;
  private readonly retry: RetryPolicy;
  private readonly clock: () => number;
  private readonly owner: string;

  constructor(
    private readonly deps: { store: Store; logger: Logger; send: SendAlert; clock?: () => number; owner?: string },
    options: AlertEvaluatorOptions = {},
  ) {
    this.everyMs = options.everyMs ?? 15_000;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.consoleUrl = options.consoleUrl ?? 'http://localhost:8080';
    this.retry = retryPolicy(options.retry ?? { maxAttempts: 6, initialInterval: '5s', maxInterval: '10m' });
    this.clock = deps.clock ?? Date.now;
    this.owner = deps.owner ?? `alerts:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  }

  /** Starts the timer (the first pass after one interval). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce().catch((err: unknown) => this.deps.logger.warn({ err: (err as Error).message }, 'alert evaluation failed; will try again')), this.everyMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One pass: evaluate, then deliver. A pass already under way is joined rather than doubled. */
  runOnce(): Promise<EvaluationSummary> {
    this.running ??= (async () => {
      const summary = await this.evaluate();
      const sent = await this.deliver();
      return { ...summary, ...sent };
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Evaluates every enabled rule, holding the evaluator slot; exposed for tests. */
  async evaluate(): Promise<Omit<EvaluationSummary, 'sent' | 'failed'>> {
    const summary = { evaluated: false, rules: 0, opened: 0, resolved: 0, ongoing: 0, errors: 0 };
    const slot = await this.deps.store.tryAcquireCallSlot(EVALUATOR_SLOT, 1);
    if (!slot) return summary;
    try {
      summary.evaluated = true;
      const rules = (await this.deps.store.alerts.listRules()).filter((r) => r.enabled);
      if (rules.length === 0) return summary;
      const flows = await this.activeFlows();
      for (const rule of rules) {
        summary.rules += 1;
        const now = this.clock();
        const nowIso = new Date(now).toISOString();
        let result;
        try {
          const firing = await evaluateRule(rule, { store: this.deps.store, now, flows });
          result = await this.deps.store.alerts.recordEvaluation(rule, firing, nowIso);
        } catch (err) {
          summary.errors += 1;
          const message = (err as Error).message;
          this.deps.logger.warn({ rule: rule.name, err: message }, 'alert rule could not be evaluated');
          await this.deps.store.alerts.recordEvaluation(rule, { error: message }, nowIso).catch(() => undefined);
          continue;
        }
        summary.opened += result.opened.length;
        summary.resolved += result.resolved.length;
        summary.ongoing += result.ongoing;
        for (const a of result.opened) this.deps.logger.info({ rule: rule.name, alert: a.id, subject: a.subject }, `alert opened: ${a.title}`);
        for (const a of result.resolved) this.deps.logger.info({ rule: rule.name, alert: a.id, subject: a.subject }, 'alert resolved');
      }
      return summary;
    } finally {
      slot.release();
    }
  }

  /** Sends the due deliveries this process can lease; exposed for tests. */
  async deliver(): Promise<{ sent: number; failed: number }> {
    const out = { sent: 0, failed: 0 };
    for (let round = 0; round < 20; round++) {
      const batch = await this.deps.store.alerts.claimDeliveries(this.owner, 20, this.leaseMs, new Date(this.clock()).toISOString());
      if (batch.length === 0) break;
      for (const d of batch) {
        if (await this.deliverOne(d)) out.sent += 1;
        else out.failed += 1;
      }
      // A short batch was all that was due; a failure retried "now" waits for the next pass.
      if (batch.length < 20) break;
    }
    return out;
  }

  /** Sends a test notice through a channel now (not recorded as an alert); throws what the channel answered. */
  async sendTest(channel: AlertChannelWithSecrets, actor: string): Promise<void> {
    const now = new Date(this.clock()).toISOString();
    const alert: AlertRow = {
      id: `test-${Date.now().toString(36)}`,
      rule: 'test',
      kind: 'test',
      subject: channel.name,
      key: `test|${channel.name}`,
      status: 'open',
      severity: 'warning',
      title: `Test notification from Syncline to ${channel.name}`,
      text: `${actor} sent this test to check that channel "${channel.name}" reaches you. Real alerts say what changed, by how much and against which baseline, with links to example runs.`,
      details: { test: true },
      links: [{ label: 'Notifications', path: '/notifications' }],
      openedAt: now,
      lastSeenAt: now,
      acknowledgedBy: null,
      acknowledgedAt: null,
      silencedUntil: null,
      silencedBy: null,
      resolvedAt: null,
    };
    await this.deps.send(channel, this.notice('test', alert, alert.id));
  }

  private notice(event: AlertNotice['event'], alert: AlertRow, deliveryId: string): AlertNotice {
    return { event, alert, deliveryId, links: [...alert.links, { label: 'This alert', path: `/notifications?alert=${encodeURIComponent(alert.id)}` }].map((l) => ({ label: l.label, url: consoleLink(this.consoleUrl, l.path) })) };
  }

  private async deliverOne(d: AlertDeliveryRow): Promise<boolean> {
    const { store } = this.deps;
    const finish = (outcome: Parameters<Store['alerts']['finishDelivery']>[2]) => store.alerts.finishDelivery(d.id, this.owner, outcome, new Date(this.clock()).toISOString());
    const [channel, alert] = await Promise.all([store.alerts.getChannel(d.channel).catch((err: unknown) => err as Error), store.alerts.getAlert(d.alertId)]);
    if (channel instanceof Error || !channel || !alert) {
      await finish({ ok: false, error: channel instanceof Error ? channel.message : !channel ? `channel "${d.channel}" no longer exists` : 'the alert no longer exists', retryAt: null });
      return false;
    }
    try {
      await this.deps.send(channel, this.notice(d.event, alert, d.id));
      await finish({ ok: true });
      return true;
    } catch (err) {
      const e = toSyncError(err);
      const decision = decideRetry(this.retry, d.attempts + 1, e, Math.random, this.clock());
      const retryAt = decision.action === 'retry' ? new Date(this.clock() + decision.delayMs).toISOString() : null;
      this.deps.logger.warn({ channel: d.channel, alert: d.alertId, attempt: d.attempts + 1, err: e.message, retryAt }, retryAt ? 'alert delivery failed; will retry' : 'alert delivery failed; giving up');
      await finish({ ok: false, error: e.message, retryAt });
      return false;
    }
  }

  private async activeFlows(): Promise<FlowInfo[]> {
    const out: FlowInfo[] = [];
    for (const row of await this.deps.store.listFlows()) {
      if (row.status !== 'active') continue;
      const v = await this.deps.store.getFlowVersion(row.name, row.currentVersion);
      if (v) out.push({ name: row.name, def: v.definition as unknown as FlowDef });
    }
    return out;
  }
}
