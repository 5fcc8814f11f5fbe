/**
 * What the server, the CLI and the console reach the engine through. The admin API calls these and
 * the Store's read methods; nothing else.
 */
import type { CheckResult, ConnectorRegistry, EntitySpec } from '../core/connector.js';
import type { FlowIssue } from '../core/flow.js';
import type { Fields } from '../core/json.js';
import type { FlowPreview } from '../mapping/index.js';
import type { ConnectionSchema } from './flow-names.js';
import type { ConnectionInput, ConnectionRow, FlowVersionRow, Store, StoreSizes } from '../store/types.js';
import type { BacklogSnapshot } from './admission.js';
import type { ReconcileRun, SyncReview } from '../store/sync/types.js';
import type { ReviewChoice } from './sync/reviews.js';
import type { ReconcileSelection } from './sync/reconcile.js';
import type { CostPreview, ReplayPreview } from './previews.js';

/** The result of previewing one flow's mapping on a sample record (defined once, by the mapping engine). */
export type MappingPreview = FlowPreview;

/** The running hub: store, connectors, flows, workers. */
export interface Hub {
  readonly store: Store;
  readonly connectors: ConnectorRegistry;
  /** Parses and validates a flow file's text; returns every problem with line and column. */
  validateFlow(source: string, file?: string): FlowIssue[];
  /**
   * Validates a flow file and checks every entity and field it names against its connections' schemas
   * (live discovery unless `live: false`, else the stored one); issues carry line, column and the closest real name.
   */
  validateFlowNames(source: string, file?: string, options?: { live?: boolean }): Promise<FlowIssue[]>;
  /** Validates (names included) and stores a new version (or returns the current one when the text is unchanged). */
  deployFlow(source: string, actor: string): Promise<{ version: FlowVersionRow; created: boolean }>;
  /** Starts one run of a flow now (a poll or a full read, as its trigger says). */
  runFlowNow(flow: string, actor: string): Promise<{ jobId: string }>;
  /** Runs a flow version's mapping over a sample record without writing anything. */
  previewMapping(flow: string, sample: Fields, version?: number): Promise<MappingPreview>;
  /** The same for a flow file's text not yet deployed (the console's editor); its problems instead when it does not compile. */
  previewFlowSource(source: string, sample: Fields): Promise<{ preview: MappingPreview | null; issues: FlowIssue[] }>;
  /** Creates or updates a connection and makes every process drop its cached client (engine/connection-writes.ts). */
  writeConnection(input: ConnectionInput, actor: string): Promise<ConnectionRow>;
  /** Deletes a connection the same way; false when there was none. */
  deleteConnection(name: string, actor: string): Promise<boolean>;
  /** Opens the named connection and runs its check. */
  testConnection(name: string): Promise<CheckResult>;
  /** The entities of a connection (live discovery where supported). */
  discoverConnection(name: string): Promise<EntitySpec[]>;
  /** The best known schema of a connection (`refresh`: discover now); undefined when no such connection. */
  connectionSchema(name: string, options?: { refresh?: boolean }): Promise<ConnectionSchema | undefined>;
  /** Deploys a new version equal to an earlier one (validated like any deploy) and audits the rollback. */
  rollbackFlow(flow: string, toVersion: number, actor: string): Promise<{ version: FlowVersionRow; created: boolean }>;
  /** API calls used today per connection against its daily budget. */
  apiBudget(): Promise<Array<{ connection: string; used: number; limit: number | null; resetAt: number | null }>>;
  /** Settles an `ask` conflict of a two-way pair with a person's choice and queues the pair (decision 0009). */
  resolveReview(id: string, choice: ReviewChoice, actor: string): Promise<{ review: SyncReview; jobId: string }>;
  /** Compares both sides of a two-way pair flow and keeps the differences for review. */
  reconcile(flow: string, actor: string): Promise<ReconcileRun>;
  /** Queues the selected differences of a reconciliation through the normal queue. */
  applyReconcile(runId: string, selection: ReconcileSelection, actor: string): Promise<{ applied: number[]; jobIds: string[] }>;
  /** What replaying a dead letter would write, against what the target holds now. */
  previewReplay(id: string): Promise<ReplayPreview | null>;
  /** API calls an initial load or a reconciliation would spend, against today's budgets. */
  costPreview(flow: string, mode: 'load' | 'reconcile', records?: Record<string, number>): Promise<CostPreview>;
  /** Prometheus text exposition for /metrics. */
  metricsText(): Promise<string>;
  /** Sizes of the tables that grow with traffic and of the whole database, as /metrics shows them (read at most once a minute). */
  storeSizes(): Promise<StoreSizes>;
  /** Unfinished work per flow, the age of the oldest waiting job, and the admission bounds (read fresh). */
  backlog(): Promise<BacklogSnapshot>;
}
