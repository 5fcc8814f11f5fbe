/** Compiled flow versions, loaded from the store once per version and kept (mappings compile once per version). */
import type { FlowDef } from '../core/flow.js';
import { compileFlow, type CompiledFlow } from '../mapping/index.js';
import type { FlowRow, Store } from '../store/types.js';
import { retryPolicy, type RetryPolicy } from './retry.js';

/** One deployed flow version ready to run. */
export interface FlowRuntime {
  name: string;
  version: number;
  def: FlowDef;
  compiled: CompiledFlow;
  policy: RetryPolicy;
}

/** Caches compiled flow versions and the list of active flows. */
export class FlowCache {
  private readonly versions = new Map<string, Promise<FlowRuntime>>();
  private active: { at: number; flows: Promise<FlowRow[]> } | null = null;

  constructor(
    private readonly store: Store,
    private readonly activeTtlMs = 1000,
  ) {}

  /** The runtime of `flow` at `version` (the current version when omitted). */
  async get(flow: string, version?: number): Promise<FlowRuntime> {
    let v = version;
    if (v === undefined) {
      const row = await this.store.getFlow(flow);
      if (!row) throw new Error(`no flow named "${flow}" is deployed`);
      v = row.currentVersion;
    }
    const key = `${flow}@${v}`;
    let p = this.versions.get(key);
    if (!p) {
      p = this.load(flow, v);
      this.versions.set(key, p);
      p.catch(() => this.versions.delete(key));
    }
    return p;
  }

  /** Deployed flows, refreshed at most once per `activeTtlMs` (workers ask on every claim). */
  async flows(): Promise<FlowRow[]> {
    const now = Date.now();
    if (!this.active || now - this.active.at > this.activeTtlMs) {
      // Callers arriving while the list loads share that one read (on PostgreSQL every webhook and
      // claim asking at expiry made one query each).
      const entry = { at: now, flows: this.store.listFlows() };
      this.active = entry;
      entry.flows.catch(() => {
        if (this.active === entry) this.active = null;
      });
    }
    return this.active.flows;
  }

  /** Forgets the cached flow list (after a deploy, pause or resume). */
  invalidate(): void {
    this.active = null;
  }

  private async load(flow: string, version: number): Promise<FlowRuntime> {
    const row = await this.store.getFlowVersion(flow, version);
    if (!row) throw new Error(`flow "${flow}" has no version ${version}`);
    const def = row.definition as unknown as FlowDef;
    return { name: flow, version, def, compiled: compileFlow(def), policy: retryPolicy(def.errorPolicy) };
  }
}
