/**
 * What the server, the CLI and the console reach the engine through. The admin API calls these and
 * the Store's read methods; nothing else.
 */
import type { CheckResult, ConnectorRegistry, EntitySpec } from '../core/connector.js';
import type { FlowIssue } from '../core/flow.js';
import type { Fields } from '../core/json.js';
import type { FlowPreview } from '../mapping/index.js';
import type { ConnectionInput, ConnectionRow, FlowVersionRow, Store } from '../store/types.js';
import type { BacklogSnapshot } from './admission.js';

/** The result of previewing one flow's mapping on a sample record (defined once, by the mapping engine). */
export type MappingPreview = FlowPreview;

/** The running hub: store, connectors, flows, workers. */
export interface Hub {
  readonly store: Store;
  readonly connectors: ConnectorRegistry;
  /** Parses and validates a flow file's text; returns every problem with line and column. */
  validateFlow(source: string, file?: string): FlowIssue[];
  /** Validates and stores a new version (or returns the current one when the text is unchanged). */
  deployFlow(source: string, actor: string): Promise<{ version: FlowVersionRow; created: boolean }>;
  /** Starts one run of a flow now (a poll or a full read, as its trigger says). */
  runFlowNow(flow: string, actor: string): Promise<{ jobId: string }>;
  /** Runs a flow version's mapping over a sample record without writing anything. */
  previewMapping(flow: string, sample: Fields, version?: number): Promise<MappingPreview>;
  /** Creates or updates a connection and makes every process drop its cached client (engine/connection-writes.ts). */
  writeConnection(input: ConnectionInput, actor: string): Promise<ConnectionRow>;
  /** Deletes a connection the same way; false when there was none. */
  deleteConnection(name: string, actor: string): Promise<boolean>;
  /** Opens the named connection and runs its check. */
  testConnection(name: string): Promise<CheckResult>;
  /** The entities of a connection (live discovery where supported). */
  discoverConnection(name: string): Promise<EntitySpec[]>;
  /** API calls used today per connection against its daily budget. */
  apiBudget(): Promise<Array<{ connection: string; used: number; limit: number | null; resetAt: number | null }>>;
  /** Prometheus text exposition for /metrics. */
  metricsText(): Promise<string>;
  /** Unfinished work per flow, the age of the oldest waiting job, and the admission bounds (read fresh). */
  backlog(): Promise<BacklogSnapshot>;
}
