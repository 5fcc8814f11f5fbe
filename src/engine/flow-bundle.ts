/**
 * Promotion between Syncline instances (development → QA → production): a bundle carries flows with
 * their versions and the names and types of the connections they use, never settings or secrets.
 * Importing substitutes the target environment's connections, shows each flow's diff against what runs
 * there, and deploys only when every flow passes the same checks as any deploy.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { FlowDef, FlowIssue } from '../core/flow.js';
import type { Store } from '../store/types.js';
import { loadFlow } from './flow-loader.js';
import type { Hub } from './hub-types.js';
import { flowConnections } from './schema-catalog.js';

/** The bundle file's format marker. */
export const BUNDLE_FORMAT = 'syncline-flow-bundle';

/** One deployed version as a bundle carries it. */
export interface BundleVersion {
  version: number;
  source: string;
  hash: string;
  deployedAt: string;
  deployedBy: string;
}

/** A flow with its versions; `current` is the one that runs. */
export interface BundleFlow {
  name: string;
  current: number;
  versions: BundleVersion[];
}

/** A connection a bundled flow uses: its name and connector type only. */
export interface BundleConnection {
  name: string;
  type: string;
}

/** What `syncline flow export` writes. */
export interface FlowBundle {
  format: typeof BUNDLE_FORMAT;
  formatVersion: 1;
  exportedAt: string;
  flows: BundleFlow[];
  connections: BundleConnection[];
}

/** Builds a bundle of the named flows (every flow when none are named). */
export async function exportBundle(store: Store, names?: readonly string[]): Promise<FlowBundle> {
  const all = await store.listFlows();
  const chosen = names?.length ? names.map((n) => all.find((f) => f.name === n) ?? missing(n)) : all;
  const flows: BundleFlow[] = [];
  const used = new Set<string>();
  for (const f of chosen) {
    const versions = (await store.listFlowVersions(f.name)).sort((a, b) => a.version - b.version);
    flows.push({
      name: f.name,
      current: f.currentVersion,
      versions: versions.map((v) => ({ version: v.version, source: v.source, hash: v.hash, deployedAt: v.deployedAt, deployedBy: v.deployedBy })),
    });
    const current = versions.find((v) => v.version === f.currentVersion);
    if (current) for (const c of flowConnections(current.definition as unknown as FlowDef)) used.add(c);
  }
  const connections: BundleConnection[] = [];
  for (const name of [...used].sort()) {
    const row = await store.getConnection(name);
    connections.push({ name, type: row?.type ?? 'unknown' });
  }
  return { format: BUNDLE_FORMAT, formatVersion: 1, exportedAt: new Date().toISOString(), flows, connections };
}

function missing(name: string): never {
  throw new BundleError(`no flow named "${name}" to export`);
}

/** A bundle that cannot be read or applied as asked. */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** Checks a parsed JSON value is a bundle this version reads. */
export function readBundle(value: unknown): FlowBundle {
  const b = value as Partial<FlowBundle> | null;
  if (!b || typeof b !== 'object' || b.format !== BUNDLE_FORMAT) throw new BundleError(`not a flow bundle (expected "format": "${BUNDLE_FORMAT}")`);
  if (b.formatVersion !== 1) throw new BundleError(`bundle format version ${String(b.formatVersion)} is not supported (this Syncline reads 1)`);
  if (!Array.isArray(b.flows) || !Array.isArray(b.connections)) throw new BundleError('a bundle needs "flows" and "connections" lists');
  for (const f of b.flows) {
    if (typeof f?.name !== 'string' || !Array.isArray(f.versions) || !f.versions.some((v) => v.version === f.current && typeof v.source === 'string')) {
      throw new BundleError(`flow "${String(f?.name)}" in the bundle has no source for its current version`);
    }
  }
  return b as FlowBundle;
}

/** Parses `a=b,c=d` (the CLI's --map-connections) into a map. */
export function parseConnectionMap(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^=\s]+)=([^=\s]+)$/.exec(pair);
    if (!m) throw new BundleError(`--map-connections takes from=to pairs separated by commas; "${pair}" is not one`);
    out[m[1]] = m[2];
  }
  return out;
}

/**
 * Rewrites every connection name of a flow's text through `map` with the YAML Document API, so comments
 * and layout stay: source, targets, write-backs and `connection:NAME/FIELD` secret references.
 */
export function substituteConnections(source: string, map: Readonly<Record<string, string>>): string {
  if (!Object.keys(map).length) return source;
  const doc = parseDocument(source);
  const swap = (node: unknown) => {
    if (isScalar(node) && typeof node.value === 'string' && Object.hasOwn(map, node.value)) node.value = map[node.value];
  };
  const at = (d: Document | unknown, key: string) => (isMap(d) ? d.get(key, true) : undefined);
  const root = doc.contents;
  swap(at(at(root, 'source'), 'connection'));
  const trigger = at(root, 'trigger');
  const secret = at(trigger, 'secret');
  if (isScalar(secret) && typeof secret.value === 'string') {
    const m = /^connection:([^/]+)\/(.+)$/.exec(secret.value);
    if (m && Object.hasOwn(map, m[1])) secret.value = `connection:${map[m[1]]}/${m[2]}`;
  }
  const targets = at(root, 'targets');
  if (isSeq(targets)) {
    for (const t of targets.items) {
      swap(at(t, 'connection'));
      swap(at(at(t, 'writeBack'), 'connection'));
    }
  }
  return doc.toString();
}

/** What importing one flow would do on this instance. */
export interface ImportItem {
  flow: string;
  /** `create`: new here; `update`: differs from the live version; `unchanged`: the same text runs already. */
  action: 'create' | 'update' | 'unchanged';
  /** The live version here, if any. */
  liveVersion: number | null;
  /** The text that would be deployed (connections substituted). */
  source: string;
  /** The live text here (empty when the flow is new), for the diff. */
  liveSource: string;
  issues: FlowIssue[];
}

/** The plan of an import: one item per flow and problems with the connection map. */
export interface ImportPlan {
  items: ImportItem[];
  /** Problems that stop the whole import (a connection missing here, a type that differs). */
  problems: string[];
  /** The connection map used (bundle name → name here). */
  connections: Record<string, string>;
}

/** Works out what importing `bundle` with `map` would change here, checking every flow as a deploy would. */
export async function planImport(hub: Pick<Hub, 'store' | 'validateFlowNames'>, bundle: FlowBundle, map: Readonly<Record<string, string>>): Promise<ImportPlan> {
  const problems: string[] = [];
  const connections: Record<string, string> = {};
  for (const name of Object.keys(map)) {
    if (!bundle.connections.some((c) => c.name === name)) problems.push(`--map-connections names "${name}", which no flow in the bundle uses (it uses ${bundle.connections.map((c) => c.name).join(', ') || 'none'})`);
  }
  for (const c of bundle.connections) {
    const here = map[c.name] ?? c.name;
    connections[c.name] = here;
    const row = await hub.store.getConnection(here);
    if (!row) problems.push(`connection "${here}"${here !== c.name ? ` (for the bundle's "${c.name}")` : ''} does not exist here; create it or map "${c.name}" to one that does (--map-connections ${c.name}=<name>)`);
    else if (c.type !== 'unknown' && row.type !== c.type) problems.push(`connection "${here}" here is of type ${row.type}, but the bundle's "${c.name}" is ${c.type}`);
  }
  const items: ImportItem[] = [];
  for (const f of bundle.flows) {
    const current = f.versions.find((v) => v.version === f.current)!;
    const source = substituteConnections(current.source, map);
    const loaded = loadFlow(source);
    const name = loaded.ok ? loaded.flow.def.name : f.name;
    const live = await hub.store.getFlow(name);
    const liveRow = live ? await hub.store.getFlowVersion(name, live.currentVersion) : null;
    const issues = await hub.validateFlowNames(source, `${f.name}@v${f.current}`);
    const action = !liveRow ? 'create' : loaded.ok && liveRow.hash === loaded.flow.hash ? 'unchanged' : 'update';
    items.push({ flow: name, action, liveVersion: liveRow?.version ?? null, source, liveSource: liveRow?.source ?? '', issues });
  }
  return { items, problems, connections };
}

/** Deploys every changed flow of a plan; refuses a plan with any problem or issue. */
export async function applyImport(hub: Pick<Hub, 'deployFlow' | 'store'>, plan: ImportPlan, actor: string): Promise<Array<{ flow: string; version: number; created: boolean }>> {
  const blocking = [...plan.problems, ...plan.items.flatMap((i) => i.issues.map((x) => `${i.flow}: ${x.message}`))];
  if (blocking.length) throw new BundleError(`the import was not applied:\n${blocking.join('\n')}`);
  const out = [];
  for (const item of plan.items) {
    const { version, created } = await hub.deployFlow(item.source, actor);
    out.push({ flow: item.flow, version: version.version, created });
  }
  await hub.store.audit({ actor, action: 'flow.import', target: plan.items.map((i) => `flow:${i.flow}`).join(','), details: { connections: plan.connections, flows: out.map((o) => `${o.flow}@v${o.version}`).join(', ') } });
  return out;
}
