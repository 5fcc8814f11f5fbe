/** Prometheus metrics of the engine (served at /metrics). One registry per hub, no globals. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store, StoreSizes } from '../store/types.js';
import type { Admission } from './admission.js';

/** The engine's metrics. */
export class EngineMetrics {
  readonly registry = new Registry();
  readonly eventsIn = new Counter({ name: 'syncline_events_in_total', help: 'Events accepted into the inbox', labelNames: ['flow'], registers: [this.registry] });
  readonly eventsDuplicate = new Counter({ name: 'syncline_events_duplicate_total', help: 'Repeated deliveries dropped by the inbox', labelNames: ['flow'], registers: [this.registry] });
  readonly jobsDone = new Counter({ name: 'syncline_jobs_done_total', help: 'Jobs finished successfully', labelNames: ['flow'], registers: [this.registry] });
  readonly jobsRetried = new Counter({ name: 'syncline_jobs_retried_total', help: 'Attempts that failed and were scheduled again', labelNames: ['flow', 'kind'], registers: [this.registry] });
  readonly jobsFailed = new Counter({ name: 'syncline_jobs_failed_total', help: 'Attempts that failed, any kind', labelNames: ['flow', 'kind'], registers: [this.registry] });
  readonly deadLetters = new Counter({ name: 'syncline_dead_letters_total', help: 'Jobs moved to the dead-letter queue', labelNames: ['flow', 'kind'], registers: [this.registry] });
  readonly writes = new Counter({ name: 'syncline_writes_total', help: 'Writes to targets', labelNames: ['connection', 'entity', 'result'], registers: [this.registry] });
  readonly apiCalls = new Counter({ name: 'syncline_api_calls_total', help: 'Outbound API calls', labelNames: ['connection', 'operation'], registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'syncline_job_latency_seconds',
    help: 'From event receipt (job creation) to job completion',
    labelNames: ['flow'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly webhooksRefused = new Counter({ name: 'syncline_webhooks_refused_total', help: 'Webhook deliveries answered 503 because the backlog was at its bound (senders retry)', labelNames: ['flow'], registers: [this.registry] });
  private readonly backlogJobs = new Gauge({ name: 'syncline_backlog_jobs', help: 'Unfinished jobs (queued, delayed or running) per flow: what admission control bounds', labelNames: ['flow'], registers: [this.registry] });
  private readonly backlogAge = new Gauge({ name: 'syncline_backlog_age_seconds', help: 'Age of the oldest due job waiting to be claimed, per flow (how far behind the workers are)', labelNames: ['flow'], registers: [this.registry] });
  readonly drift = new Gauge({ name: 'syncline_sync_drift_records', help: 'Records of a two-way pair that differed at its last reconciliation', labelNames: ['flow'], registers: [this.registry] });
  private readonly queueDepth = new Gauge({ name: 'syncline_queue_depth', help: 'Jobs by state', labelNames: ['state'], registers: [this.registry] });
  private readonly tableRows = new Gauge({ name: 'syncline_store_table_rows', help: 'Rows in the store tables that grow with traffic (PostgreSQL: estimate)', labelNames: ['table'], registers: [this.registry] });
  private readonly tableBytes = new Gauge({ name: 'syncline_store_table_bytes', help: 'Bytes of the store tables that grow with traffic, indexes included (PostgreSQL only)', labelNames: ['table'], registers: [this.registry] });
  private readonly databaseBytes = new Gauge({ name: 'syncline_store_database_bytes', help: 'Bytes the whole database takes on disk (SQLite: the file; PostgreSQL: pg_database_size)', registers: [this.registry] });
  private sizes: { at: number; value: Promise<StoreSizes> } | null = null;

  /** Set by the hub once admission control exists; the backlog gauges read it. */
  admission?: Admission;

  constructor(private readonly store: Store) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Renders the exposition text, refreshing the queue gauges from the store first. */
  async text(): Promise<string> {
    const q = await this.store.queueStats();
    this.queueDepth.set({ state: 'queued' }, q.queued);
    this.queueDepth.set({ state: 'running' }, q.running);
    this.queueDepth.set({ state: 'delayed' }, q.delayed);
    this.queueDepth.set({ state: 'dead_letters' }, q.deadLetters);
    if (this.admission) {
      await this.admission.refresh(true);
      const b = this.admission.snapshot();
      // Flows whose backlog emptied disappear from the read; report them as zero rather than stale.
      this.backlogJobs.reset();
      this.backlogAge.reset();
      for (const f of b.flows) {
        this.backlogJobs.set({ flow: f.flow }, f.pending);
        this.backlogAge.set({ flow: f.flow }, f.ageMs / 1000);
      }
    }
    const sizes = await this.storeSizes();
    for (const t of sizes.tables) {
      this.tableRows.set({ table: t.table }, t.rows);
      if (t.bytes !== null) this.tableBytes.set({ table: t.table }, t.bytes);
    }
    this.databaseBytes.set(sizes.databaseBytes);
    return this.registry.metrics();
  }

  /** Sizes of the tables that grow with traffic and of the whole database, for /metrics and the Overview; counting big tables is not free on SQLite, so read at most once a minute. */
  storeSizes(): Promise<StoreSizes> {
    if (!this.sizes || Date.now() - this.sizes.at > 60_000) {
      const read = async (): Promise<StoreSizes> => {
        const [tables, databaseBytes] = await Promise.all([this.store.tableSizes(), this.store.databaseBytes()]);
        return { tables, databaseBytes };
      };
      const entry = { at: Date.now(), value: read() };
      this.sizes = entry;
      entry.value.catch(() => {
        if (this.sizes === entry) this.sizes = null;
      });
    }
    return this.sizes.value;
  }
}
