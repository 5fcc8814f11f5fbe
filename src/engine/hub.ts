/**
 * The hub: store + connectors + flows + workers, assembled. The server and CLI build one and reach
 * the engine only through it.
 */
import type { CheckResult, ConnectorRegistry, EntitySpec, Logger } from '../core/connector.js';
import type { FlowDef, FlowIssue } from '../core/flow.js';
import type { Fields, JsonObject } from '../core/json.js';
import { compileFlow, previewFlow, type CompiledFlow } from '../mapping/index.js';
import type { ConnectionInput, ConnectionRow, FlowVersionRow, Store, StoreSizes } from '../store/types.js';
import { deleteConnection, writeConnection } from './connection-writes.js';
import { ConnectionPool, type ApiBudget } from './connections.js';
import { FlowCache } from './flow-cache.js';
import { FlowValidationError, loadFlow, locateIssues, type FlowLoadResult } from './flow-loader.js';
import { flowNameIssues, type ConnectionSchema } from './flow-names.js';
import { SchemaCatalog } from './schema-catalog.js';
import type { Hub, MappingPreview } from './hub-types.js';
import { Intake } from './intake.js';
import { OutboundIntake } from './outbound-intake.js';
import { Admission, type AdmissionLimits, type BacklogSnapshot } from './admission.js';
import { EngineMetrics } from './metrics.js';
import type { ReadPayload } from './payloads.js';
import { Scheduler } from './scheduler.js';
import { StreamRunner, type StreamRunnerOptions } from './stream-runner.js';
import { Worker, type WorkerOptions } from './worker.js';
import { KeyedMutex } from './keyed-mutex.js';
import { HealthBook, readHealth } from './connection-health.js';
import { envPolicy, type EnvPolicy } from './settings.js';
import { reclaimAbandonedLeases } from './lease-reclaim.js';
import { resolveReview, type ReviewChoice } from './sync/reviews.js';
import { applyReconcile, reconcile, type ReconcileSelection } from './sync/reconcile.js';
import type { ReconcileRun, SyncReview } from '../store/sync/types.js';
import { costPreview, previewReplay, type CostPreview, type ReplayPreview } from './previews.js';

/** What building a hub needs. */
export interface HubOptions {
  store: Store;
  connectors: ConnectorRegistry;
  logger: Logger;
  /** Which `env:` references connections may resolve (default: SYNCLINE_CONN_* and SYNCLINE_ENV_ALLOW; the runtime adds the config file's). */
  envPolicy?: EnvPolicy;
  /** Tunables of the stream followers. */
  streams?: StreamRunnerOptions;
  /** Backlog bounds past which webhooks are answered 503 + Retry-After (defaults in engine/admission.ts). */
  backpressure?: AdmissionLimits;
}

/** The engine behind the admin API, the webhook routes and the CLI. */
export class SynclineHub implements Hub {
  readonly store: Store;
  readonly connectors: ConnectorRegistry;
  readonly metrics: EngineMetrics;
  readonly pool: ConnectionPool;
  readonly flows: FlowCache;
  readonly intake: Intake;
  /** Notifications in the source's own format (Salesforce outbound messages). */
  readonly outbound: OutboundIntake;
  /** Admission control of webhooks: the backlog bound and its figures. */
  readonly admission: Admission;
  readonly scheduler: Scheduler;
  /** Follows the push channels of stream flows (worker processes only). */
  readonly streams: StreamRunner;
  private readonly workers: Worker[] = [];
  /** One lock table for all workers of this process. */
  private readonly locks = new KeyedMutex();
  /** Connection health marks shared by this process's workers. */
  readonly health: HealthBook;
  /** Connection schemas for the deploy name check and the flow editor. */
  readonly schemas: SchemaCatalog;
  private readonly logger: Logger;

  constructor(options: HubOptions) {
    this.store = options.store;
    this.connectors = options.connectors;
    this.logger = options.logger;
    this.metrics = new EngineMetrics(this.store);
    const env = options.envPolicy ?? envPolicy();
    this.pool = new ConnectionPool(this.store, this.connectors, this.logger, this.metrics, env);
    this.flows = new FlowCache(this.store);
    this.admission = new Admission(this.store, options.backpressure);
    this.metrics.admission = this.admission;
    this.intake = new Intake(this.store, this.flows, this.connectors, this.metrics, undefined, env, this.admission);
    this.outbound = new OutboundIntake(this.store, this.flows, this.connectors, this.metrics, env);
    this.scheduler = new Scheduler(this.store, this.flows, this.logger);
    this.streams = new StreamRunner({ store: this.store, pool: this.pool, flows: this.flows, logger: this.logger }, options.streams);
    this.health = new HealthBook(this.store);
    this.schemas = new SchemaCatalog(this.store, this.pool, this.connectors);
  }

  /** Starts `count` workers in this process, the scheduler, and the stream followers (by default where the scheduler runs: both originate reads). */
  async startWorkers(count = 1, options: WorkerOptions = {}, schedule = true, streams = schedule): Promise<void> {
    await reclaimAbandonedLeases(this.store, this.logger);
    for (let i = 0; i < count; i++) {
      const w = new Worker({ store: this.store, pool: this.pool, flows: this.flows, logger: this.logger, metrics: this.metrics, locks: this.locks, health: this.health }, options);
      await w.start();
      this.workers.push(w);
    }
    if (schedule) this.scheduler.start();
    if (streams && count > 0) this.streams.start();
  }

  /** Stops scheduling and workers (finishing jobs in flight), then closes connections. */
  async stop(): Promise<void> {
    this.scheduler.stop();
    await this.streams.stop();
    await Promise.all(this.workers.splice(0).map((w) => w.stop()));
    await this.pool.close();
  }

  validateFlow(source: string, file?: string): FlowIssue[] {
    const res = this.checkFlow(source, file);
    return res.ok ? [] : res.issues;
  }

  async validateFlowNames(source: string, file?: string, options: { live?: boolean } = {}): Promise<FlowIssue[]> {
    const res = this.checkFlow(source, file);
    if (!res.ok) return res.issues;
    const lookup = await this.schemas.lookupFor(res.flow.def, options);
    return locateIssues(source, flowNameIssues(res.flow.def, lookup), file);
  }

  async deployFlow(source: string, actor: string): Promise<{ version: FlowVersionRow; created: boolean }> {
    const res = this.checkFlow(source);
    if (!res.ok) throw new FlowValidationError(res.issues);
    const named = locateIssues(source, flowNameIssues(res.flow.def, await this.schemas.lookupFor(res.flow.def)));
    if (named.length) throw new FlowValidationError(named);
    const out = await this.store.deployFlow({
      flow: res.flow.def.name,
      source,
      definition: res.flow.def as unknown as JsonObject,
      hash: res.flow.hash,
      deployedBy: actor,
    });
    this.flows.invalidate();
    return out;
  }

  /** Parses, validates and compiles a flow file: what deploy requires and validate reports. */
  private checkFlow(source: string, file?: string): FlowLoadResult {
    const res = loadFlow(source, file);
    if (!res.ok) return res;
    try {
      compileFlow(res.flow.def);
    } catch (err) {
      return { ok: false, issues: [{ path: '', message: (err as Error).message, file }] };
    }
    return res;
  }

  async runFlowNow(flow: string, actor: string): Promise<{ jobId: string }> {
    const runtime = await this.flows.get(flow);
    const trig = runtime.def.trigger;
    const payload: ReadPayload = { read: trig.type === 'schedule' ? (trig.read ?? 'changes') : trig.type === 'manual' ? 'all' : 'changes', reason: `manual run by ${actor}`, requestedBy: actor };
    const [jobId] = await this.store.enqueue([
      { flow, flowVersion: runtime.version, kind: 'manual', payload: payload as unknown as JsonObject, maxAttempts: runtime.policy.maxAttempts },
    ]);
    await this.store.audit({ actor, action: 'flow.run', target: flow, details: { jobId } });
    return { jobId };
  }

  async previewMapping(flow: string, sample: Fields, version?: number): Promise<MappingPreview> {
    const runtime = await this.flows.get(flow, version);
    return this.preview(runtime.def, sample, runtime.compiled);
  }

  async previewFlowSource(source: string, sample: Fields): Promise<{ preview: MappingPreview | null; issues: FlowIssue[] }> {
    const res = this.checkFlow(source);
    if (!res.ok) return { preview: null, issues: res.issues };
    return { preview: await this.preview(res.flow.def, sample, compileFlow(res.flow.def)), issues: [] };
  }

  private async preview(def: FlowDef, sample: Fields, compiled: CompiledFlow): Promise<MappingPreview> {
    // Resolve the targets' schemas up front so the preview validates exactly as a real write would.
    const specs = new Map<string, EntitySpec | undefined>();
    for (const t of def.targets) {
      // Without a spec of its own (an HTTP entity declared in settings), the preview validates against the schema deploy checks names with.
      const spec =
        (await this.pool.entitySpec(t.connection, t.entity).catch(() => undefined)) ??
        (await this.schemas.schema(t.connection, { live: false }).catch(() => undefined))?.entities.find((e) => e.name === t.entity);
      specs.set(`${t.connection}/${t.entity}`, spec);
    }
    return previewFlow(def, sample, {
      flow: def.name,
      compiled,
      entities: (connection, entity) => specs.get(`${connection}/${entity}`),
      xref: (connection, entity, id, targetConnection, targetEntity) => this.store.xrefFind({ connection, entity, id }, targetConnection, targetEntity),
    });
  }

  writeConnection(input: ConnectionInput, actor: string): Promise<ConnectionRow> {
    return writeConnection({ store: this.store, pool: this.pool }, input, actor);
  }

  deleteConnection(name: string, actor: string): Promise<boolean> {
    return deleteConnection({ store: this.store, pool: this.pool }, name, actor);
  }

  async testConnection(name: string): Promise<CheckResult> {
    await this.pool.forget(name);
    let result: CheckResult;
    try {
      const c = await this.pool.get(name);
      result = await c.connector.check();
    } catch (err) {
      result = { ok: false, message: (err as Error).message };
    }
    // A connection whose credential was refused resumes its flows once a Test succeeds. The mark is read
    // from the store, not this process's short cache: another process (a worker) may have set it.
    if (result.ok && (await readHealth(this.store, name))) {
      await this.health.clear(name);
      await this.store.audit({ actor: 'system', action: 'connection.resume', target: `connection:${name}`, details: { reason: 'a Test succeeded after the credential was refused' } });
    }
    return result;
  }

  async discoverConnection(name: string): Promise<EntitySpec[]> {
    return this.pool.discover(name);
  }

  connectionSchema(name: string, options: { refresh?: boolean } = {}): Promise<ConnectionSchema | undefined> {
    return options.refresh ? this.schemas.discover(name) : this.schemas.schema(name);
  }

  async rollbackFlow(flow: string, toVersion: number, actor: string): Promise<{ version: FlowVersionRow; created: boolean }> {
    const old = await this.store.getFlowVersion(flow, toVersion);
    if (!old) throw new Error(`flow "${flow}" has no version ${toVersion}`);
    // A new version equal to the old one: history only grows, and the old text passes today's checks first.
    const out = await this.deployFlow(old.source, actor);
    await this.store.audit({ actor, action: 'flow.rollback', target: `flow:${flow}`, details: { to: toVersion, version: out.version.version } });
    return out;
  }

  async apiBudget(): Promise<ApiBudget[]> {
    // From the store: every process's calls, not only this one's.
    const used = new Map((await this.pool.budgets()).map((b) => [b.connection, b]));
    return (await this.store.listConnections()).map((c) => {
      const declared = (c.settings.rateLimits as { perDay?: number } | undefined)?.perDay ?? this.connectors.get(c.type)?.rateLimits.perDay ?? null;
      const b = used.get(c.name);
      return { connection: c.name, used: b?.used ?? 0, limit: b?.limit ?? declared, resetAt: b?.resetAt ?? null };
    });
  }

  /** Settles an `ask` conflict with a person's choice and queues the pair to be written with it. */
  resolveReview(id: string, choice: ReviewChoice, actor: string): Promise<{ review: SyncReview; jobId: string }> {
    return resolveReview({ store: this.store, flows: this.flows }, id, choice, actor);
  }

  /** Compares both sides of a two-way pair flow and stores the differences for review. */
  reconcile(flow: string, actor: string): Promise<ReconcileRun> {
    return reconcile(flow, actor, { store: this.store, pool: this.pool, flows: this.flows, onDrift: (f, n) => this.metrics.drift.set({ flow: f }, n) });
  }

  /** Queues the selected differences of a reconciliation through the normal queue. */
  applyReconcile(runId: string, selection: ReconcileSelection, actor: string): Promise<{ applied: number[]; jobIds: string[] }> {
    return applyReconcile(runId, selection, actor, { store: this.store, flows: this.flows });
  }

  /** What replaying a dead letter would write, against what the target holds now; null when there is no such dead letter. */
  previewReplay(id: string): Promise<ReplayPreview | null> {
    return previewReplay(id, { store: this.store, pool: this.pool, flows: this.flows });
  }

  /** API calls an initial load or a reconciliation of `flow` would spend, against today's budgets. */
  costPreview(flow: string, mode: 'load' | 'reconcile', records?: Record<string, number>): Promise<CostPreview> {
    return costPreview(flow, mode, { store: this.store, pool: this.pool, flows: this.flows, budget: () => this.apiBudget() }, records);
  }

  metricsText(): Promise<string> {
    return this.metrics.text();
  }

  storeSizes(): Promise<StoreSizes> {
    return this.metrics.storeSizes();
  }

  async backlog(): Promise<BacklogSnapshot> {
    await this.admission.refresh(true);
    return this.admission.snapshot();
  }
}
