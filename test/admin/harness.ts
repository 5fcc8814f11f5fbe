/**
 * A real admin API for tests: Fastify + adminApi over a real SQLite store (in memory) and a Hub
 * built from that store. The hub's flow validation and deploy use the engine's real flow loader and
 * connection tests use the real `http` connector; mapping preview copies plain fields only (the
 * mapping compiler is tested in its own suite).
 */
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { ConnectorRegistry } from '../../src/core/connector.js';
import type { JsonObject } from '../../src/core/json.js';
import { httpConnector } from '../../src/connectors/http/index.js';
import { decodeSecrets } from '../../src/engine/connection-settings.js';
import { Admission } from '../../src/engine/admission.js';
import { FlowValidationError, loadFlow } from '../../src/engine/flow-loader.js';
import type { Hub, MappingPreview } from '../../src/engine/hub-types.js';
import { adminApi, type AdminApiDeps } from '../../src/server/admin/index.js';
import { createUser } from '../../src/server/auth/users.js';
import { openStore } from '../../src/store/index.js';
import { SyncError } from '../../src/core/errors.js';
import { FlowCache } from '../../src/engine/flow-cache.js';
import { resolveReview } from '../../src/engine/sync/reviews.js';
import { applyReconcile } from '../../src/engine/sync/reconcile.js';
import type { Role, Store } from '../../src/store/types.js';

/** Passwords of the seeded users. */
export const PASSWORDS: Record<Role, string> = { admin: 'admin-password-1', operator: 'operator-password-1', viewer: 'viewer-password-1' };

/** A Hub over a real store, for tests. */
export function testHub(store: Store, connectors: ConnectorRegistry = new Map([['http', httpConnector]]), budget: Awaited<ReturnType<Hub['apiBudget']>> = []): Hub {
  const admission = new Admission(store);
  return {
    store,
    connectors,
    writeConnection: (input, actor) => store.putConnection(input, actor),
    storeSizes: async () => ({ tables: await store.tableSizes(), databaseBytes: await store.databaseBytes() }),
    deleteConnection: (name, actor) => store.deleteConnection(name, actor),
    validateFlow: (source, file) => {
      const r = loadFlow(source, file);
      return r.ok ? [] : r.issues;
    },
    async validateFlowNames(source, file) {
      // No schemas in this harness: the engine's name check has its own tests (test/engine/flow-names.test.ts).
      const r = loadFlow(source, file);
      return r.ok ? [] : r.issues;
    },
    async deployFlow(source, actor) {
      const r = loadFlow(source);
      if (!r.ok) throw new FlowValidationError(r.issues);
      return store.deployFlow({ flow: r.flow.def.name, source, definition: r.flow.def as unknown as JsonObject, hash: r.flow.hash, deployedBy: actor });
    },
    async rollbackFlow(flow, toVersion, actor) {
      const old = await store.getFlowVersion(flow, toVersion);
      if (!old) throw new Error(`flow "${flow}" has no version ${toVersion}`);
      return this.deployFlow(old.source, actor);
    },
    async connectionSchema() {
      return undefined;
    },
    async runFlowNow(flow, actor) {
      const f = await store.getFlow(flow);
      if (!f) throw new Error(`no flow ${flow}`);
      const [jobId] = await store.enqueue([{ flow, flowVersion: f.currentVersion, kind: 'manual', payload: {}, maxAttempts: 1 }]);
      await store.audit({ actor, action: 'flow.run', target: flow, details: { jobId } });
      return { jobId };
    },
    async previewMapping(flow, sample): Promise<MappingPreview> {
      const f = (await store.getFlow(flow))!;
      const v = (await store.getFlowVersion(flow, f.currentVersion))!;
      const def = v.definition as unknown as { targets: Array<{ name: string; connection: string; entity: string; mapping: Record<string, unknown> }> };
      return {
        passedFilter: true,
        targets: def.targets.map((t) => {
          const plain = Object.entries(t.mapping).filter(([, r]) => typeof r === 'string') as Array<[string, string]>;
          return {
            name: t.name,
            connection: t.connection,
            entity: t.entity,
            fields: Object.fromEntries(plain.map(([field, from]) => [field, sample[from] ?? null])),
            lineage: plain.map(([field, from]) => ({ field, sources: [from], rule: `copy ${from}`, value: (sample[from] ?? null) as never })),
            errors: [],
          };
        }),
      };
    },
    resolveReview: (id, choice, actor) => resolveReview({ store, flows: new FlowCache(store) }, id, choice, actor),
    reconcile: async (flow) => {
      throw new SyncError('invalid_data', `the test hub reads no systems (reconcile ${flow})`);
    },
    applyReconcile: (runId, selection, actor) => applyReconcile(runId, selection, actor, { store, flows: new FlowCache(store) }),
    previewReplay: async () => null,
    costPreview: async (flow, mode) => ({ flow, mode, records: {}, lines: [], assumptions: ['the test hub reads no systems'] }),
    async previewFlowSource() {
      return { preview: null, issues: [] };
    },
    async testConnection(name) {
      const row = await store.getConnection(name);
      if (!row) throw new Error(`no connection ${name}`);
      const def = connectors.get(row.type)!;
      const conn = def.create({
        connectionName: name,
        settings: { ...row.settings, ...decodeSecrets(row.secrets) },
        state: { get: (k) => store.getConnectionState(name, k), set: (k, v) => store.setConnectionState(name, k, v) },
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        reportUsage() {},
        gate: { acquire: async () => () => {} },
      });
      try {
        return await conn.check();
      } finally {
        await conn.close();
      }
    },
    async discoverConnection() {
      return [];
    },
    async apiBudget() {
      return budget;
    },
    async metricsText() {
      return '';
    },
    async backlog() {
      await admission.refresh(true);
      return admission.snapshot();
    },
  };
}

/** A signed-in client of the test API. */
export interface Client {
  role: Role;
  username: string;
  /** Headers for a cookie-session call, CSRF token included. */
  session: Record<string, string>;
  /** Headers for a bearer-token call. */
  token: Record<string, string>;
  tokenValue: string;
}

/** The running test API with one signed-in client per role. */
export interface Harness {
  app: FastifyInstance;
  store: Store;
  hub: Hub;
  clients: Record<Role, Client>;
  /** app.inject with a JSON body and the given headers. */
  call(method: string, url: string, headers?: Record<string, string>, body?: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Reads the session cookie value from a login response. */
export function sessionCookieFrom(res: LightMyRequestResponse): string {
  const set = res.headers['set-cookie'];
  const line = (Array.isArray(set) ? set : [set]).find((l) => typeof l === 'string' && l.startsWith('syncline_session='));
  if (!line) throw new Error(`no session cookie in ${res.statusCode} ${res.body}`);
  return line.split(';')[0];
}

/** Signs in and returns cookie-session headers (cookie + CSRF). */
export async function signIn(app: FastifyInstance, username: string, password: string): Promise<Record<string, string>> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in as ${username} failed: ${res.statusCode} ${res.body}`);
  return { cookie: sessionCookieFrom(res), 'x-csrf-token': res.json().csrfToken };
}

/** Builds the harness: store, hub, API, users admin/operator/viewer, a session and a token each. */
export async function startHarness(options: { hub?: (store: Store) => Hub; deps?: Partial<AdminApiDeps> } = {}): Promise<Harness> {
  const store = await openStore({ url: 'sqlite::memory:', masterKey: randomBytes(32).toString('hex') });
  const hub = options.hub ? options.hub(store) : testHub(store);
  const app = Fastify({ logger: false });
  // Unexpected 500s print their cause so a failing test explains itself.
  await adminApi(app, { hub, logger: { error: (obj: object) => console.error(obj) }, ...options.deps });
  await app.ready();
  const clients = {} as Record<Role, Client>;
  for (const role of ['admin', 'operator', 'viewer'] as Role[]) {
    await createUser(store, { username: role, role, password: PASSWORDS[role] });
    const session = await signIn(app, role, PASSWORDS[role]);
    const res = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: session, payload: { name: `${role} script` } });
    if (res.statusCode !== 201) throw new Error(`token for ${role}: ${res.statusCode} ${res.body}`);
    const tokenValue = res.json().token as string;
    clients[role] = { role, username: role, session, token: { authorization: `Bearer ${tokenValue}` }, tokenValue };
  }
  return {
    app,
    store,
    hub,
    clients,
    call: (method, url, headers = {}, body) =>
      app.inject({ method: method as 'GET', url, headers, ...(body === undefined ? {} : typeof body === 'string' ? { payload: body } : { payload: body as object }) }),
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/** A small valid flow file: webhook from an http connection to another. */
export function flowYaml(name = 'leads-to-erp', extra = ''): string {
  return `name: ${name}
description: Leads into the ERP
trigger:
  type: webhook
  unsigned: true
source:
  connection: crm
  entity: Lead
targets:
  - name: customer
    connection: erp
    entity: Customer
    mapping:
      Email: Email
      Name:
        expr: FirstName & " " & LastName
        note: full name
      Grade:
        from: Rating
        default: B
    match:
      keys: [Email]
${extra}`;
}

/** Runs one job of `flow` through the real store: claimed, then completed, or dead-lettered when `error` is given. Returns the job id. */
export async function seedRun(
  store: Store,
  input: {
    flow: string;
    payload: Record<string, unknown>;
    recordKey: string;
    traces: import('../../src/store/types.js').TraceInput[];
    error?: import('../../src/core/errors.js').SerializedError;
    startedAt?: string;
    /** The run's status when it did not fail (default succeeded). */
    status?: 'succeeded' | 'skipped';
  },
): Promise<string> {
  const f = (await store.getFlow(input.flow))!;
  const [jobId] = await store.enqueue([{ flow: input.flow, flowVersion: f.currentVersion, kind: 'event', payload: input.payload as JsonObject, recordKey: input.recordKey, maxAttempts: 1 }]);
  const claimed = await store.claimJobs({ workerId: 'seed', limit: 100, leaseMs: 60_000, flows: [input.flow] });
  if (!claimed.some((j) => j.id === jobId)) throw new Error('seed job not claimed');
  const at = new Date().toISOString();
  const run = {
    jobId,
    flow: input.flow,
    flowVersion: f.currentVersion,
    trigger: 'event' as const,
    status: input.error ? ('dead' as const) : (input.status ?? ('succeeded' as const)),
    recordKey: input.recordKey,
    startedAt: input.startedAt ?? at,
    finishedAt: at,
    error: input.error ?? null,
  };
  if (input.error) await store.deadLetterJob({ jobId, workerId: 'seed', error: input.error, run, traces: input.traces });
  else await store.completeJob({ jobId, workerId: 'seed', run, traces: input.traces });
  return jobId;
}
